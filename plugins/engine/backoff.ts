import { monotonicMs } from '../../core/index.js';

/**
 * Marathon's launch backoff (RateLimiter, marathon-semantics.md §1.10), keyed by app id and config version:
 * the first counted failure delays the next launch by backoffSeconds, each further one multiplies
 * the delay by backoffFactor, capped at maxLaunchDelaySeconds. A task that gets going moves the
 * reference time to now; a delay is forgotten once now > reference + maxLaunchDelay.
 */
export interface Delay {
  configVersion: string;
  delaySeconds: number;
  /** Launches wait until reference + delay (the monotonic clock's milliseconds: a wall-clock jump moves nothing). */
  reference: number;
}

export interface BackoffPolicy {
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
}

export class Backoff {
  private readonly delays = new Map<string, Delay>();

  /** A counted failure (Failed, Finished, Error, Gone — not Killed). */
  failed(appId: string, configVersion: string, p: BackoffPolicy, now = monotonicMs()): Delay {
    const prev = this.current(appId, configVersion, p, now);
    const delaySeconds = prev
      ? Math.min(prev.delaySeconds * p.backoffFactor, p.maxLaunchDelaySeconds)
      : Math.min(p.backoffSeconds, p.maxLaunchDelaySeconds);
    const d = { configVersion, delaySeconds, reference: now };
    this.delays.set(appId, d);
    return d;
  }

  /** A task of the app reached Staging/Starting/Running: the delay counts from now. */
  started(appId: string, now = monotonicMs()): void {
    const d = this.delays.get(appId);
    if (d) d.reference = now;
  }

  /** New deployment, DELETE /v2/queue/{id}/delay, or a new config version. */
  reset(appId: string): boolean {
    return this.delays.delete(appId);
  }

  current(appId: string, configVersion: string, p: BackoffPolicy, now = monotonicMs()): Delay | undefined {
    const d = this.delays.get(appId);
    if (!d) return undefined;
    if (d.configVersion !== configVersion || now > d.reference + p.maxLaunchDelaySeconds * 1000) {
      this.delays.delete(appId);
      return undefined;
    }
    return d;
  }

  /** Milliseconds until the app may launch again (0 = now). */
  waitMs(appId: string, configVersion: string, p: BackoffPolicy, now = monotonicMs()): number {
    const d = this.current(appId, configVersion, p, now);
    return d ? Math.max(0, d.reference + d.delaySeconds * 1000 - now) : 0;
  }
}
