import { OPERATORS, type Constraint } from './constraint.js';

/** A finding: rule id (docs/recipes.md) and Marathon's own 422 message (marathon-semantics.md §2.6). */
export interface ConstraintFinding {
  rule: string;
  message: string;
}

const INT = /^-?\d+$/;
const IS_LITERAL = /^[a-zA-Z0-9_/.-]*$/;

function regexProblem(v: string | undefined): ConstraintFinding | undefined {
  if (v === undefined || v === '')
    return { rule: 'constraint.regex', message: 'LIKE and UNLIKE require a non-empty, regular expression value' };
  try {
    new RegExp(v);
    return undefined;
  } catch {
    return { rule: 'constraint.regex', message: `'${v}' is not a valid regular expression` };
  }
}

/** Marathon's constraint validation, one finding at most per constraint (as its validator). */
export function checkConstraint(c: Constraint): ConstraintFinding | undefined {
  if (c.field.trim() === '') return { rule: 'constraint.field', message: 'missing field for constraint declaration' };
  if (!(OPERATORS as readonly string[]).includes(c.operator)) {
    return {
      rule: 'constraint.operator',
      message: 'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS',
    };
  }
  switch (c.operator) {
    case 'UNIQUE':
      return c.value !== undefined
        ? { rule: 'constraint.unique-value', message: 'UNIQUE does not accept a value' }
        : undefined;
    case 'GROUP_BY':
      return c.value !== undefined && !INT.test(c.value)
        ? {
            rule: 'constraint.group-by-value',
            message: 'GROUP BY must define an integer value or else no value at all',
          }
        : undefined;
    case 'MAX_PER':
      return c.value === undefined || !INT.test(c.value)
        ? { rule: 'constraint.max-per-value', message: 'MAX_PER requires an integer value' }
        : undefined;
    case 'LIKE':
    case 'UNLIKE':
      return regexProblem(c.value);
    case 'IS':
      return !IS_LITERAL.test(c.value ?? '')
        ? {
            rule: 'constraint.is-value',
            message:
              'IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)',
          }
        : undefined;
    default:
      return undefined; // CLUSTER: any value, or none
  }
}
