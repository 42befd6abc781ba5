import type { AppStatus, MarathonCluster, QueueItem, TaskStatus } from './cluster.js';

/**
 * Healthy as Marathon counts `tasksHealthy`: running, and every health check alive. (marathon-lb
 * and zdd put a task in rotation when any check is alive; that is the balancer's rule, not this.)
 */
export const isHealthy = (app: AppStatus, t: TaskStatus): boolean =>
  t.state === 'TASK_RUNNING' &&
  ((app.healthChecks?.length ?? 0) === 0 ||
    ((t.healthCheckResults?.length ?? 0) > 0 && t.healthCheckResults!.every((h) => h.alive)));

/**
 * Why a deploy failed or is slow, per instance: state, agent, health and its last failure cause,
 * the app's last task failure, what keeps instances waiting, and the last lines of stderr.
 */
export async function explain(cluster: MarathonCluster, appIds: string[]): Promise<string> {
  const lines: string[] = [];
  const [apps, queue] = await Promise.all([
    cluster.apps(true).catch(() => [] as AppStatus[]),
    cluster.queue().catch(() => []),
  ]);
  for (const app of apps.filter((a) => appIds.includes(a.id))) {
    lines.push(`${app.id}: ${app.tasksRunning}/${app.instances} running, version ${app.version}`);
    for (const t of app.tasks ?? []) {
      const hc = t.healthCheckResults ?? [];
      const health =
        (app.healthChecks?.length ?? 0) === 0
          ? ''
          : hc.length === 0
            ? ', health: not probed yet'
            : hc.every((h) => h.alive)
              ? ', healthy'
              : `, unhealthy: ${hc.find((h) => !h.alive)?.lastFailureCause ?? 'no success yet'}${hc.some((h) => h.consecutiveFailures) ? ` (${Math.max(...hc.map((h) => h.consecutiveFailures))} consecutive failures)` : ''}`;
      lines.push(
        `  ${t.state.replace('TASK_', '').toLowerCase()} on ${t.slaveId} (${t.host}:${t.ports.join(',')})${t.version === app.version ? '' : ' [old version]'}${health}  ${t.id}`,
      );
      if (!isHealthy(app, t) && t.version === app.version) {
        const err = await cluster.stderrTail(t.id, 5);
        if (err?.trim())
          lines.push(
            ...err
              .trimEnd()
              .split('\n')
              .map((l) => `    stderr| ${l}`),
          );
      }
    }
    if (app.lastTaskFailure)
      lines.push(
        `  last task failure: ${app.lastTaskFailure.message} (${app.lastTaskFailure.taskId} at ${app.lastTaskFailure.timestamp})`,
      );
    const q = queue.find((x) => x.app.id === app.id);
    if (q) {
      lines.push(`  ${q.count} waiting to launch: ${waitingReason(q, app.lastTaskFailure?.message)}`);
    }
  }
  return lines.join('\n');
}

/**
 * Why a queue entry waits: the embedded engine says it in words; a real Marathon gives the offer
 * funnel. In backoff, the failure that put it there follows (the engine names it; for a real
 * Marathon it is the app's last task failure) unless `lastFailure` is false (shown elsewhere).
 */
export function waitingReason(q: QueueItem, lastFailure?: string | false): string {
  const base =
    q.baton?.why ??
    ((q.processedOffersSummary?.rejectSummaryLastOffers ?? [])
      .filter((r) => r.declined > 0)
      .map((r) => `${r.reason} on ${r.declined} agent(s)`)
      .join(', ') ||
      (q.delay.timeLeftSeconds > 0 ? `backoff, ${q.delay.timeLeftSeconds}s left` : 'being placed'));
  const failure = lastFailure === false ? undefined : (q.baton?.after ?? lastFailure);
  return q.delay.timeLeftSeconds > 0 && failure ? `${base} after: ${failure}` : base;
}
