import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export interface BatonErrorOptions {
  details?: string;
  plugin?: string;
  hook?: string;
  cause?: unknown;
  /** Extra machine-readable data (e.g. validation issues) carried into NDJSON output. */
  data?: Record<string, unknown>;
}

/**
 * Every error Baton reports. `code` is from the catalogue; `plugin` and `hook` say where it came
 * from. A brand flag (`baton: true`) instead of `instanceof`, so errors survive duplicate copies of
 * the package (semantic-release's lesson).
 */
export class BatonError extends Error {
  readonly baton = true as const;
  readonly code: ErrorCode;
  details?: string;
  plugin?: string;
  hook?: string;
  /** A plugin's own error code, kept when we stamp a foreign error (rollup style). */
  pluginCode?: string;
  data?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, opts: BatonErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BatonError';
    this.code = code;
    this.details = opts.details;
    this.plugin = opts.plugin;
    this.hook = opts.hook;
    this.data = opts.data;
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code]?.exit ?? EXIT.INTERNAL;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
      ...(this.plugin ? { plugin: this.plugin } : {}),
      ...(this.hook ? { hook: this.hook } : {}),
      ...(this.pluginCode ? { pluginCode: this.pluginCode } : {}),
      ...(this.data ? { data: this.data } : {}),
    };
  }
}

export function isBatonError(err: unknown): err is BatonError {
  return typeof err === 'object' && err !== null && (err as { baton?: unknown }).baton === true;
}

/**
 * Give an error escaping a plugin its plugin, hook and a stable code. A BatonError keeps its code
 * and gains plugin/hook if it had none; anything else becomes BATON_PLUGIN_FAILED with the
 * original as `cause` and its own `code` (if any) as `pluginCode`.
 */
export function stampError(err: unknown, plugin: string, hook: string): BatonError {
  if (isBatonError(err)) {
    err.plugin ??= plugin;
    err.hook ??= hook;
    return err;
  }
  if (err instanceof AggregateError) {
    const inner = err.errors.map((e) => stampError(e, plugin, hook));
    const agg = new BatonError(inner[0]?.code ?? 'BATON_PLUGIN_FAILED', err.message, { plugin, hook, cause: err });
    agg.data = { errors: inner.map((e) => e.toJSON()) };
    return agg;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const own = (e as { code?: unknown }).code;
  // A plugin without a dependency on Baton picks a catalogue code (and so the exit code) by name.
  const known = typeof own === 'string' && Object.hasOwn(ERROR_CODES, own) ? (own as ErrorCode) : undefined;
  const stamped = new BatonError(known ?? 'BATON_PLUGIN_FAILED', e.message, { plugin, hook, cause: e });
  if (typeof own === 'string' && !known) stamped.pluginCode = own;
  stamped.stack = e.stack;
  return stamped;
}

/** Turn anything thrown into a BatonError (top-level catch). */
export function toBatonError(err: unknown): BatonError {
  if (isBatonError(err)) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const wrapped = new BatonError('BATON_INTERNAL', e.message, { cause: e });
  wrapped.stack = e.stack;
  return wrapped;
}

/** An AbortSignal that aborts after `ms` with a BATON_TIMEOUT error (exit code 5) as its reason. */
export function deadlineSignal(ms: number, message: string): AbortSignal {
  const c = new AbortController();
  setTimeout(() => c.abort(new BatonError('BATON_TIMEOUT', message)), ms).unref();
  return c.signal;
}
