import type { App, Contract } from '../../core/index.js';
import { fromApp, type Constraint } from './constraint.js';
import type { ConstraintAgent } from './field.js';
import { groupByKills } from './group-by.js';
import { ConstraintSession } from './session.js';
import { checkConstraint } from './rules.js';

type Policy = Contract<'engine'>['policy'];

/** An app's constraints, parsed (malformed ones are core's arity finding, skipped here). */
const constraintsOf = (app: App): Constraint[] =>
  app.constraints.map(fromApp).filter((c): c is Constraint => c !== undefined);
const usesFaultDomain = (cs: Constraint[]) => cs.some((c) => c.field === '@region' || c.field === '@zone');

/** The engine-side policy: offer evaluation (marathon-semantics.md §2.4, §2.5) and GROUP_BY's scale-down choice. */
export function constraintsPolicy(
  agents: readonly ConstraintAgent[],
): Required<Pick<Policy, 'name' | 'check' | 'session' | 'killFirst'>> {
  // Marathon uses only offers from the master's region unless a constraint names a region or zone
  // (marathon-semantics.md §2.2); the engine's first agent with a fault domain stands for the master.
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
