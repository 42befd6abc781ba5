import type { HealthCheck, HealthCheckResult } from '../../core/index.js';

/** Marathon's per-instance, per-check Health record (marathon-semantics.md §3.2). */
export type Health = HealthCheckResult;

export const MESOS_LEVEL = new Set(['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

/** When the first probe runs after the task started: min(interval, 5 s) for Marathon-level checks; delaySeconds for Mesos-level. */
export function firstProbeDelayMs(c: HealthCheck): number {
  return MESOS_LEVEL.has(c.protocol) ? c.delaySeconds * 1000 : Math.min(c.intervalSeconds, 5) * 1000;
}

export type Outcome = { kind: 'success' } | { kind: 'failure'; cause: string } | { kind: 'ignored' };

export interface Verdict {
  /** The record after this result. */
  health: Health;
  /** The result counted (a failure inside the grace period does not). */
  counted: boolean;
  /** Kill the instance now (with reason FailedHealthChecks). */
  kill: boolean;
}

/**
 * Apply one probe result (marathon-semantics.md §3.2, §3.3). A failure is ignored while the task has never succeeded and
 * is inside its grace period. Marathon-level checks kill on the (max+1)-th counted consecutive
 * failure, never when max is 0; Mesos-level checks kill once max failures are reached, and 0 means
 * the first.
 */
export function applyResult(h: Health, c: HealthCheck, outcome: Outcome, startedAtMs: number, nowMs: number): Verdict {
  const now = new Date(nowMs).toISOString();
  if (outcome.kind === 'ignored') return { health: h, counted: false, kill: false };
  if (outcome.kind === 'success') {
    return {
      health: { ...h, alive: true, consecutiveFailures: 0, firstSuccess: h.firstSuccess ?? now, lastSuccess: now },
      counted: true,
      kill: false,
    };
  }
  if (!h.firstSuccess && startedAtMs + c.gracePeriodSeconds * 1000 > nowMs)
    return { health: h, counted: false, kill: false };
  const before = h.consecutiveFailures;
  const health: Health = {
    ...h,
    alive: false,
    consecutiveFailures: before + 1,
    lastFailure: now,
    lastFailureCause: outcome.cause,
  };
  const max = c.maxConsecutiveFailures;
  const kill = MESOS_LEVEL.has(c.protocol) ? health.consecutiveFailures >= Math.max(1, max) : max > 0 && before >= max;
  return { health, counted: true, kill };
}
