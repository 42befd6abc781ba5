import { isContext, type PipelineContext } from './context.js';
import { stampError, type BatonError } from './errors.js';
import type { Reporter } from './report/events.js';
import { PHASES } from './steps.js';
import type { Issues } from './validation.js';

/** Where settle-all hooks collect their taps' errors during one call (set by the runner). */
export const COLLECTED = Symbol('collected');

/**
 * Wrap one tap's function: stamp escaping errors with plugin, hook and a stable code, emit
 * stage:start/end for phase hooks, attribute validation findings to the plugin, and for settle-all
 * hooks collect errors instead of throwing. Handles sync, promise and callback taps.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function wrapTap(hookName: string, tap: any, plugin: string, reporter: Reporter, settle: boolean): any {
  const title: string = tap.title ?? (tap.name === plugin ? plugin : `${plugin}: ${tap.name}`);
  const isPhase = (PHASES as readonly string[]).includes(hookName);
  const orig = tap.fn;
  // Findings a plugin adds are attributed to it: phases run taps one at a time, so the
  // context's collector can be swapped for the duration of each tap.
  let saved: Issues | undefined;
  let before = 0;
  let findings = 0;
  const start = (args: unknown[]) => {
    if (isPhase) reporter.emit({ type: 'stage:start', phase: hookName, plugin, title });
    before = reporter.reported;
    const ctx = args.find(isContext) as PipelineContext | undefined;
    findings = ctx?.issues.list.length ?? 0;
    if (ctx && plugin !== 'core') {
      saved = ctx.issues;
      ctx.issues = saved.forPlugin(plugin);
    }
    return { t0: Date.now(), ctx };
  };
  // A stage that emitted nothing, found nothing and took under a second did nothing worth a line.
  const quietSince = (t0: number, ctx?: PipelineContext) =>
    reporter.reported === before && (ctx?.issues.list.length ?? 0) === findings && Date.now() - t0 < 1000;
  const restore = (ctx?: PipelineContext) => {
    if (ctx && saved) ctx.issues = saved;
    saved = undefined;
  };
  const ok = (t0: number, ctx?: PipelineContext) => {
    restore(ctx);
    if (isPhase) {
      const quiet = quietSince(t0, ctx);
      reporter.emit({
        type: 'stage:end',
        phase: hookName,
        plugin,
        title,
        status: 'ok',
        durationMs: Date.now() - t0,
        ...(quiet ? { quiet } : {}),
      });
    }
  };
  const fail = (err: unknown, t0: number, ctx?: PipelineContext) => {
    restore(ctx);
    const stamped = stampError(err, plugin, hookName);
    if (isPhase)
      reporter.emit({
        type: 'stage:end',
        phase: hookName,
        plugin,
        title,
        status: 'failed',
        durationMs: Date.now() - t0,
        error: stamped.toJSON(),
      });
    const sink = ctx && ((ctx as unknown as Record<symbol, unknown>)[COLLECTED] as BatonError[] | undefined);
    if (settle && sink) {
      sink.push(stamped);
      return undefined;
    }
    throw stamped;
  };
  let fn;
  if (tap.type === 'promise') {
    fn = async (...args: unknown[]) => {
      const s = start(args);
      try {
        const r = await orig(...args);
        ok(s.t0, s.ctx);
        return r;
      } catch (err) {
        return fail(err, s.t0, s.ctx);
      }
    };
  } else if (tap.type === 'async') {
    fn = (...args: unknown[]) => {
      const cb = args.pop() as (e?: unknown, r?: unknown) => void;
      const s = start(args);
      orig(...args, (e: unknown, r: unknown) => {
        if (e) {
          try {
            fail(e, s.t0, s.ctx);
            cb();
          } catch (stamped) {
            cb(stamped);
          }
        } else {
          ok(s.t0, s.ctx);
          cb(null, r);
        }
      });
    };
  } else {
    fn = (...args: unknown[]) => {
      const s = start(args);
      try {
        const r = orig(...args);
        ok(s.t0, s.ctx);
        return r;
      } catch (err) {
        return fail(err, s.t0, s.ctx);
      }
    };
  }
  return { ...tap, fn };
}
