import type { Constraint } from './constraint.js';
import { label } from './constraint.js';
import { fieldValue, type ConstraintAgent } from './field.js';
import { GROUP_KEY_MISSING } from './group-by.js';
import { isTarget } from './operators.js';

/**
 * The operators of marathon-semantics.md §2.4 over running counts: per constraint, how many of the app's
 * counted tasks hold each value, kept up to date as tasks are placed, so one verdict costs O(1)
 * (GROUP_BY: O(values)) instead of a walk over every placed task. `accepts` in operators.ts is the
 * same rule stated plainly; tests hold the two to the same answers.
 */
export class ConstraintSession {
  private readonly counts: Map<string, number>[];
  private readonly first: (string | undefined)[];
  private readonly regexes: (RegExp | undefined)[];
  private readonly values = new Map<string, (string | undefined)[]>();
  private readonly labels: string[];

  constructor(
    private readonly constraints: readonly Constraint[],
    placed: readonly ConstraintAgent[],
  ) {
    this.counts = constraints.map(() => new Map());
    this.labels = constraints.map(label);
    this.first = constraints.map(() => undefined);
    this.regexes = constraints.map((c) =>
      c.operator === 'LIKE' || c.operator === 'UNLIKE' ? new RegExp(`^(?:${c.value ?? ''})$`) : undefined,
    );
    for (const a of placed) this.placed(a);
  }

  private valuesOf(agent: ConstraintAgent): (string | undefined)[] {
    let v = this.values.get(agent.id);
    if (!v) this.values.set(agent.id, (v = this.constraints.map((c) => fieldValue(agent, c.field))));
    return v;
  }

  placed(agent: ConstraintAgent): void {
    this.valuesOf(agent).forEach((v, i) => {
      const key = v ?? GROUP_KEY_MISSING;
      if (this.first[i] === undefined && this.counts[i].size === 0) this.first[i] = v;
      this.counts[i].set(key, (this.counts[i].get(key) ?? 0) + 1);
    });
  }

  reject(agent: ConstraintAgent): string | undefined {
    const vs = this.valuesOf(agent);
    for (let i = 0; i < this.constraints.length; i++) {
      if (!this.ok(i, vs[i])) return this.labels[i];
    }
    return undefined;
  }

  private ok(i: number, v: string | undefined): boolean {
    const c = this.constraints[i];
    if (v === undefined) return c.operator === 'UNLIKE';
    const counts = this.counts[i];
    switch (c.operator) {
      case 'UNIQUE':
        return !counts.has(v);
      case 'CLUSTER':
        if (c.value !== undefined && c.value !== '') return v === c.value;
        return counts.size === 0 || v === this.first[i];
      case 'LIKE':
        return this.regexes[i]!.test(v);
      case 'UNLIKE':
        return !this.regexes[i]!.test(v);
      case 'MAX_PER':
        return (counts.get(v) ?? 0) < Number(c.value);
      case 'IS':
        return v === isTarget(c.value ?? '');
      case 'GROUP_BY': {
        if (!counts.has(v)) return true;
        const min = c.value === undefined || c.value === '' ? 0 : Number(c.value);
        let smallest = Infinity;
        for (const n of counts.values()) if (n < smallest) smallest = n;
        return counts.size >= min && counts.get(v) === smallest;
      }
      default:
        return false;
    }
  }
}
