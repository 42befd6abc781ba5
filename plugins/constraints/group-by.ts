import type { Constraint } from './constraint.js';
import { fieldValue, type ConstraintAgent } from './field.js';

/** Tasks on agents without the field form one group of their own. */
export const GROUP_KEY_MISSING = '\u0000missing';

function counts(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/**
 * GROUP_BY as released in Marathon 1.10 (marathon-semantics.md §2.5): a value not yet used is always
 * accepted; a used one only when there are at least `min` groups and it holds no more tasks than
 * the smallest group. So with a value N, nothing stacks until N values are in use.
 */
export function groupByAccepts(v: string, placedValues: readonly string[], value: string | undefined): boolean {
  const min = value === undefined || value === '' ? 0 : Number(value);
  const groups = counts(placedValues);
  if (!groups.has(v)) return true;
  const smallest = Math.min(...groups.values());
  return groups.size >= min && groups.get(v) === smallest;
}

export interface KillCandidate {
  instanceId: string;
  agent: ConstraintAgent;
}

/**
 * Marathon's selectInstancesToKill (marathon-semantics.md §2.5, §4.4): only GROUP_BY constraints choose. Each round
 * tries, constraint by constraint (most uneven first), the tasks in the largest groups, then any
 * other candidate, and takes the first whose kill keeps every GROUP_BY spread (largest minus
 * smallest group, emptied groups counting as 0) at most 1 or below what it was. It may choose fewer
 * than `count`; the engine kills the rest in its ordinary order.
 */
export function groupByKills(
  constraints: readonly Constraint[],
  candidates: readonly KillCandidate[],
  count: number,
): string[] {
  const groupBys = constraints.filter((c) => c.operator === 'GROUP_BY');
  if (count <= 0) return [];
  if (count >= candidates.length) return candidates.map((c) => c.instanceId);
  if (groupBys.length === 0) return [];
  // The groups are fixed up front, so a group that loses its last task still counts (as 0).
  const distributions = groupBys.map((c) => {
    const groups = new Map<string, string[]>();
    for (const k of candidates) {
      const key = fieldValue(k.agent, c.field) ?? GROUP_KEY_MISSING;
      groups.set(key, [...(groups.get(key) ?? []), k.instanceId]);
    }
    return [...groups.values()];
  });
  const sizes = (d: string[][], without: ReadonlySet<string>) =>
    d.map((g) => g.filter((id) => !without.has(id)).length);
  const spread = (d: string[][], without: ReadonlySet<string>) => {
    const s = sizes(d, without);
    return Math.max(...s) - Math.min(...s);
  };
  const before = distributions.map((d) => spread(d, new Set()));
  const picked = new Set<string>();
  while (picked.size < count) {
    const tried: string[] = [];
    const order = distributions.map((d, i) => ({ d, i })).sort((a, b) => spread(b.d, picked) - spread(a.d, picked));
    for (const { d } of order) {
      const s = sizes(d, picked);
      if (new Set(s).size === 1) continue; // evenly spread: this constraint has no preference
      const max = Math.max(...s);
      d.forEach((g, gi) => {
        if (s[gi] === max) tried.push(...g.filter((id) => !picked.has(id)));
      });
    }
    tried.push(...candidates.map((k) => k.instanceId).filter((id) => !picked.has(id)));
    const next = tried.find((id) => {
      const without = new Set([...picked, id]);
      return distributions.every((d, i) => {
        const after = spread(d, without);
        return after <= 1 || before[i] > after;
      });
    });
    if (next === undefined) break;
    picked.add(next);
  }
  return [...picked];
}
