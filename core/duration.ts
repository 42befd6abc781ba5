/**
 * Durations as kubectl, nomad and docker write them — `30s`, `5m`, `1h30m`, `1.5h`, `250ms` — or a
 * plain number of seconds (`90`, as Marathon's `…Seconds` fields are). One parser for flags and
 * recipes alike, so every place a time is given accepts the same forms and refuses the same way.
 */

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y;
const NUMBER = /^(\d+(?:\.\d+)?|\.\d+)$/;

/** What a duration may be: a number of seconds, or a string with units. */
export const DURATION_RULE = 'a number of seconds or a duration such as 30s, 5m, 1h30m (units ms, s, m, h, d)';

/**
 * Seconds in `value`, or `undefined` when it is not a duration (negative, NaN, unknown unit,
 * empty). Numbers and numeric strings are seconds.
 */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (NUMBER.test(text)) return Number(text);
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
  }
  return total;
}

/** `1h30m`, `45s`, `250ms`: a duration the way it would be written back (for messages). */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const parts: string[] = [];
  let left = Math.round(seconds);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  if (left > 0 || parts.length === 0) parts.push(`${left}s`);
  return parts.join('');
}

/** JSON Schema of a duration field of a Baton section (`deploy`, `strategies`): seconds or `30s`-style text. */
export function durationSchema(description: string, opts: { allowZero?: boolean } = {}) {
  return {
    description: `${description} Seconds, or a duration such as 30s, 5m, 1h30m.`,
    anyOf: [
      { type: 'number', ...(opts.allowZero ? { minimum: 0 } : { exclusiveMinimum: 0 }) },
      { type: 'string', pattern: '^\\s*((\\d+(\\.\\d+)?|\\.\\d+)|((\\d+(\\.\\d+)?|\\.\\d+)(ms|s|m|h|d))+)\\s*$' },
    ],
  };
}
