import type { App } from '../../core/index.js';
import { fromApp, label, type Constraint } from './constraint.js';
import type { ConstraintAgent } from './field.js';
import { groupByKills } from './group-by.js';
import { accepts } from './operators.js';
import { checkConstraint } from './rules.js';

/** The engine's placement hook, declared here (plugins do not import each other). */
export interface Placed {
  instanceId: string;
  agent: ConstraintAgent;
}
export interface EnginePlacementHooks {
  placement: {
    tap(name: string, fn: (registry: {
      agents: readonly (ConstraintAgent & { region?: string })[];
      add(policy: ConstraintsPolicy): void;
    }) => void): void;
  };
}

export interface ConstraintsPolicy {
  name: string;
  check(app: App): { path: (string | number)[]; message: string }[];
  reject(app: App, agent: ConstraintAgent, placed: readonly Placed[]): string | undefined;
  killFirst(app: App, candidates: readonly Placed[], count: number): string[];
}

/** An app's constraints, parsed (malformed ones are core's arity finding, skipped here). */
const constraintsOf = (app: App): Constraint[] => app.constraints.map(fromApp).filter((c): c is Constraint => c !== undefined);
const usesFaultDomain = (cs: Constraint[]) => cs.some((c) => c.field === '@region' || c.field === '@zone');

/** The engine-side policy: offer evaluation (§2.4, §2.5) and GROUP_BY's scale-down choice. */
export function constraintsPolicy(agents: readonly ConstraintAgent[]): ConstraintsPolicy {
  // Marathon uses only offers from the master's region unless a constraint names a region or zone
  // (§2.2); the engine's first agent with a fault domain stands for the master.
  const localRegion = agents.find((a) => a.region)?.region;
  return {
    name: 'constraints',
    check: (app) => app.constraints.flatMap((raw, i) => {
      const c = fromApp(raw);
      const f = c && checkConstraint(c);
      return f ? [{ path: ['constraints', i], message: f.message }] : [];
    }),
    reject(app, agent, placed) {
      const cs = constraintsOf(app);
      if (localRegion && agent.region !== undefined && agent.region !== localRegion && !usesFaultDomain(cs)) return `@region:${localRegion} (default)`;
      if (cs.length === 0) return undefined;
      const list = placed.map((p) => p.agent);
      const broken = cs.find((c) => !accepts(c, agent, list));
      return broken ? label(broken) : undefined;
    },
    killFirst: (app, candidates, count) => groupByKills(constraintsOf(app), candidates, count),
  };
}
