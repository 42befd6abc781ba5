import { BatonError } from '../errors.js';
import { DURATION_RULE, durationSeconds } from '../duration.js';

/**
 * yargs options for values the CLI checks itself, so that a bad value is refused before anything
 * runs — naming the flag, the rule and what was given (exit 2, BATON_BAD_ARGUMENT) — and no NaN
 * ever reaches a deadline or a message.
 */

const refuse = (flag: string, got: unknown, rule: string) =>
  new BatonError('BATON_BAD_ARGUMENT', `--${flag}: ${JSON.stringify(got)} is not ${rule}`);

/** A duration flag (`--timeout 30s`, `5m`, `90`): seconds, more than 0 unless `allowZero`. */
export function durationFlag(flag: string, describe: string, opts: { default?: number; allowZero?: boolean } = {}) {
  return {
    type: 'string',
    describe: `${describe} (seconds, or 30s, 5m, 1h30m${opts.default !== undefined ? `; default ${opts.default}s` : ''})`,
    ...(opts.default !== undefined ? { default: String(opts.default) } : {}),
    coerce: (v: unknown): number => {
      const raw = Array.isArray(v) ? v[v.length - 1] : v;
      const s = durationSeconds(raw);
      if (s === undefined || (s === 0 && !opts.allowZero))
        throw refuse(flag, raw, opts.allowZero ? DURATION_RULE : `${DURATION_RULE}, more than 0`);
      return s;
    },
  } as const;
}

/** A numeric flag: a finite number within bounds (an integer when asked). */
export function numberFlag(
  flag: string,
  describe: string,
  opts: { min?: number; max?: number; integer?: boolean; default?: number } = {},
) {
  const rule = [
    opts.integer ? 'an integer' : 'a number',
    opts.min !== undefined ? `≥ ${opts.min}` : '',
    opts.max !== undefined ? `≤ ${opts.max}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    type: 'string',
    describe,
    ...(opts.default !== undefined ? { default: String(opts.default) } : {}),
    coerce: (v: unknown): number => {
      const raw = Array.isArray(v) ? v[v.length - 1] : v;
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (
        !Number.isFinite(n) ||
        (opts.integer && !Number.isInteger(n)) ||
        (opts.min !== undefined && n < opts.min) ||
        (opts.max !== undefined && n > opts.max)
      )
        throw refuse(flag, raw, rule);
      return n;
    },
  } as const;
}
