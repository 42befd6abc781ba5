import { GROUP_KEY_MISSING, groupByAccepts } from './group-by.js';
import type { Constraint } from './constraint.js';
import { fieldValue, formatScalar, type ConstraintAgent } from './field.js';

/** Java's String.matches: the whole value must match. */
const fullMatch = (pattern: string, v: string) => new RegExp(`^(?:${pattern})$`).test(v);

/** IS compares against the value formatted as a scalar when it parses as one ("0.80" is "0.8"). */
export function isTarget(value: string): string {
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value.trim()) ? formatScalar(Number(value)) : value;
}

/**
 * Whether `agent` may take one more task under `c` (marathon-semantics.md §2.4), given the agents of the
 * run spec's tasks that count (marathon-semantics.md §2.3). An agent lacking the field is refused by every operator but
 * UNLIKE.
 */
export function accepts(c: Constraint, agent: ConstraintAgent, placed: readonly ConstraintAgent[]): boolean {
  const v = fieldValue(agent, c.field);
  if (v === undefined) return c.operator === 'UNLIKE';
  const values = () => placed.map((a) => fieldValue(a, c.field));
  switch (c.operator) {
    case 'UNIQUE':
      return !values().includes(v);
    case 'CLUSTER': {
      if (c.value !== undefined && c.value !== '') return v === c.value;
      if (placed.length === 0) return true;
      return v === values()[0];
    }
    case 'LIKE':
      return fullMatch(c.value ?? '', v);
    case 'UNLIKE':
      return !fullMatch(c.value ?? '', v);
    case 'MAX_PER':
      return values().filter((x) => x === v).length < Number(c.value);
    case 'IS':
      return v === isTarget(c.value ?? '');
    case 'GROUP_BY':
      return groupByAccepts(
        v,
        values().map((x) => x ?? GROUP_KEY_MISSING),
        c.value,
      );
    default:
      return false; // validation rejects unknown operators before anything is placed
  }
}
