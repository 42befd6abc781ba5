import type { App } from '../../core/index.js';
import { fromApp, type Constraint } from './constraint.js';
import type { ConstraintAgent } from './field.js';
import { groupByKills } from './group-by.js';
import { ConstraintSession } from './session.js';
import { checkConstraint } from './rules.js';

/** The engine's placement hook, declared here (plugins do not import each other). */
export interface Placed {
  instanceId: string;
  agent: ConstraintAgent;
}
export interface EnginePlacementHooks {
  placement: {
    tap(
      name: string,
      fn: (registry: {
        agents: readonly (ConstraintAgent & { region?: string })[];
        add(policy: ConstraintsPolicy): void;
      }) => void,
    ): void;
  };
}

export interface ConstraintsPolicy {
  name: string;
  check(app: App): { path: (string | number)[]; message: string }[];
  session(
    app: App,
    placed: readonly Placed[],
  ): { reject(agent: ConstraintAgent): string | undefined; placed(agent: ConstraintAgent): void } | undefined;
  killFirst(app: App, candidates: readonly Placed[], count: number): string[];
}

/** An app's constraints, parsed (malformed ones are core's arity finding, skipped here). */
const constraintsOf = (app: App): Constraint[] =>
  app.constraints.map(fromApp).filter((c): c is Constraint => c !== undefined);
const usesFaultDomain = (cs: Constraint[]) => cs.some((c) => c.field === '@region' || c.field === '@zone');

/** The engine-side policy: offer evaluation (§2.4, §2.5) and GROUP_BY's scale-down choice. */
export function constraintsPolicy(agents: readonly ConstraintAgent[]): ConstraintsPolicy {
  // Marathon uses only offers from the master's region unless a constraint names a region or zone
  // (§2.2); the engine's first agent with a fault domain stands for the master.
  const localRegion = agents.find((a) => a.region)?.region;
  return {
    name: 'constraints',
    check: (app) =>
      app.constraints.flatMap((raw, i) => {
        const c = fromApp(raw);
        const f = c && checkConstraint(c);
        return f ? [{ path: ['constraints', i], message: f.message }] : [];
      }),
    session(app, placed) {
      const cs = constraintsOf(app);
      const defaultRegion = localRegion !== undefined && !usesFaultDomain(cs);
      if (cs.length === 0 && !defaultRegion) return undefined;
      const counts = new ConstraintSession(
        cs,
        placed.map((p) => p.agent),
      );
      return {
        reject: (agent) =>
          defaultRegion && agent.region !== undefined && agent.region !== localRegion
            ? `@region:${localRegion} (default)`
            : counts.reject(agent),
        placed: (agent) => counts.placed(agent),
      };
    },
    killFirst: (app, candidates, count) => groupByKills(constraintsOf(app), candidates, count),
  };
}
