/** One constraint, whichever form it came in (app array or pod object). */
export interface Constraint {
  field: string;
  /** Upper-cased, as Marathon looks it up. */
  operator: string;
  value?: string;
}

export const OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'] as const;

/** App form: `["field", "OPERATOR"(, "value")]`. Malformed entries (core reports arity) are skipped. */
export function fromApp(c: unknown): Constraint | undefined {
  if (!Array.isArray(c) || c.length < 2 || c.length > 3) return undefined;
  return {
    field: String(c[0]),
    operator: String(c[1]).toUpperCase(),
    ...(c.length === 3 && c[2] !== null ? { value: String(c[2]) } : {}),
  };
}

/** Pod form: `{fieldName, operator, value}`. */
export function fromPod(c: { fieldName: string; operator: string; value?: string | null }): Constraint {
  return {
    field: c.fieldName,
    operator: String(c.operator).toUpperCase(),
    ...(c.value !== undefined && c.value !== null ? { value: c.value } : {}),
  };
}

/** How a constraint is named in reasons: "hostname:UNIQUE", "rack:GROUP_BY:2". */
export function label(c: Constraint): string {
  return [c.field, c.operator, ...(c.value !== undefined ? [c.value] : [])].join(':');
}
