import type { Contract } from '../../core/index.js';

/** The parts of an engine agent a constraint can read. */
export type ConstraintAgent = Pick<Contract<'engine'>['agent'], 'id' | 'hostname' | 'attributes' | 'region' | 'zone'>;

/**
 * Format a scalar as Mesos/Marathon do: Java's DecimalFormat("0.###") with HALF_EVEN on the exact
 * binary value (1.0005 → "1", 1.00051 → "1.001", 0.0625 → "0.062"). toFixed(30) yields the exact
 * digits for the only values that can tie (multiples of 1/16), and enough digits to decide others.
 */
export function formatScalar(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const neg = x < 0;
  const [int, frac = ''] = Math.abs(x).toFixed(30).split('.');
  const keep = frac.slice(0, 3);
  const rest = frac.slice(3);
  let scaled = BigInt(int + keep);
  const half = rest[0] === '5' && /^5?0*$/.test(rest);
  if (rest[0] > '5' || (rest[0] === '5' && !half) || (half && scaled % 2n === 1n)) scaled += 1n;
  const digits = scaled.toString().padStart(4, '0');
  const i = digits.slice(0, -3);
  const f = digits.slice(-3).replace(/0+$/, '');
  return `${neg && scaled !== 0n ? '-' : ''}${i}${f ? '.' + f : ''}`;
}

/**
 * An attribute value as a string, typed the way Mesos parses `--attributes`: a number is a scalar,
 * `[b-e,...]` ranges (sorted by begin), `{a,b}` a set (sorted), anything else text.
 */
export function formatAttribute(v: string | number): string {
  if (typeof v === 'number') return formatScalar(v);
  const s = v.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return formatScalar(Number(s));
  const ranges = /^\[(.*)\]$/.exec(s);
  if (ranges) {
    const parts = ranges[1]
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => r.split('-').map((n) => Number(n.trim())));
    if (parts.every((p) => p.length === 2 && p.every(Number.isFinite))) {
      return `[${parts
        .sort((a, b) => a[0] - b[0])
        .map(([b, e]) => `${b}-${e}`)
        .join(',')}]`;
    }
  }
  const set = /^\{(.*)\}$/.exec(s);
  if (set)
    return `{${set[1]
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
      .sort()
      .join(',')}}`;
  return s;
}

/** The field's value on an agent (marathon-semantics.md §2.2), or undefined when the agent lacks it. */
export function fieldValue(agent: ConstraintAgent, field: string): string | undefined {
  if (field === 'hostname' || field === '@hostname') return agent.hostname;
  if (field === '@region') return agent.region;
  if (field === '@zone') return agent.zone;
  const v = agent.attributes[field];
  return v === undefined ? undefined : formatAttribute(v);
}
