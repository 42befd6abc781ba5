import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, monotonicMs, type Logger } from '../../core/index.js';
import type { AppStatus, MarathonCluster } from './cluster.js';
import { followEvents } from './events.js';
import { explain, isHealthy, waitingReason } from './explain.js';

/** Exits of a new version's tasks (not kills) that make a crash loop. */
const CRASH_LOOP = 3;

export interface WaitOptions {
  log: Logger;
  signal: AbortSignal;
  /** Fail when no new instance turns healthy (and the deployment does not advance) for this long. */
  progressDeadlineMs?: number;
  /** Fail when a new instance is not healthy this long after it first appeared. */
  healthyDeadlineMs?: number;
  pollMs?: number;
}

/**
 * Wait until the given deployments are gone from /v2/deployments — Marathon's own end of a
 * deployment — reporting progress per app, within Baton's deadlines (Marathon has none, marathon-semantics.md §4.5).
 * Then check each app reached its goal (a cancelled deployment also disappears).
 */
export async function waitForDeployments(
  cluster: MarathonCluster,
  ids: string[],
  appIds: string[],
  o: WaitOptions,
): Promise<AppStatus[]> {
  const pending = new Set(ids);
  const firstSeen = new Map<string, number>();
  let last = '';
  let best = -1;
  let lastProgress = monotonicMs();
  // Tasks of the new version that ended on their own (not killed), per app: a crash loop.
  const crashes = new Map<string, Set<string>>();
  // Marathon's events wake the loop at once; while the stream is up, polling slows to once a second.
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  let wake: () => void = () => {};
  let streaming = false;
  void followEvents(cluster.client, () => wake(), signal, { onState: (up) => (streaming = up) });
  try {
    while (pending.size > 0) {
      if (o.signal.aborted) throw await withExplanation(o.signal.reason, cluster, appIds);
      const deployments = await cluster.deployments(o.signal);
      const running = new Set(deployments.map((d) => d.id));
      for (const id of pending) if (!running.has(id)) pending.delete(id);
      const apps = (await cluster.apps(true, o.signal)).filter((a) => appIds.includes(a.id));
      const now = monotonicMs();
      let progress = deployments.filter((d) => pending.has(d.id)).reduce((n, d) => n + d.currentStep, 0);
      for (const a of apps) {
        // A task of this version that could not even be launched (missing image, bad command) will
        // not launch on the next try either: fail now instead of at a deadline.
        const f = a.lastTaskFailure;
        if (f && f.version === a.version && f.message.startsWith('launch failed')) {
          throw await withExplanation(new BatonError('BATON_DEPLOY_FAILED', `${a.id}: ${f.message}`), cluster, appIds);
        }
        // Without health checks a task counts once running, so a release that starts and dies keeps
        // a deployment going round until a deadline: three exits of the new version end it now.
        if (f && f.version === a.version && f.state !== 'TASK_KILLED') {
          const seen = crashes.get(a.id) ?? new Set<string>();
          crashes.set(a.id, seen.add(f.taskId));
          if (seen.size >= CRASH_LOOP) {
            throw await withExplanation(
              new BatonError(
                'BATON_DEPLOY_FAILED',
                `${a.id}: the new version's tasks keep ending (${seen.size} so far; last: ${f.message})`,
              ),
              cluster,
              appIds,
            );
          }
        }
        const fresh = (a.tasks ?? []).filter((t) => t.version === a.version);
        const healthy = fresh.filter((t) => isHealthy(a, t));
        progress += healthy.length;
        for (const t of fresh) {
          const instance = t.id.replace(/\._app\.\d+$/, '');
          if (!firstSeen.has(instance)) firstSeen.set(instance, now);
          if (
            !isHealthy(a, t) &&
            o.healthyDeadlineMs !== undefined &&
            now - firstSeen.get(instance)! > o.healthyDeadlineMs
          ) {
            throw await withExplanation(
              new BatonError(
                'BATON_TIMEOUT',
                `${a.id}: instance ${instance} did not become healthy within ${o.healthyDeadlineMs / 1000}s (healthy deadline)`,
              ),
              cluster,
              appIds,
            );
          }
        }
      }
      if (progress > best) {
        best = progress;
        lastProgress = now;
      } else if (o.progressDeadlineMs !== undefined && now - lastProgress > o.progressDeadlineMs) {
        throw await withExplanation(
          new BatonError(
            'BATON_TIMEOUT',
            `the deployment made no progress for ${o.progressDeadlineMs / 1000}s (progress deadline)`,
          ),
          cluster,
          appIds,
        );
      }
      // What cannot be placed, and why (constraints, resources, backoff): asked only while short.
      const queue = apps.some((a) => a.tasksRunning + a.tasksStaged < a.instances)
        ? await cluster.queue(o.signal).catch(() => [])
        : [];
      const waiting = new Map(
        queue
          .filter((q) => q.count > 0)
          .map((q) => [
            q.app.id,
            `${q.count} waiting: ${waitingReason(q, apps.find((a) => a.id === q.app.id)?.lastTaskFailure?.message)}`,
          ]),
      );
      const line = apps
        .map((a) => `${a.id} ${a.tasksRunning}/${a.tasksHealthy}/${a.instances} ${waiting.get(a.id) ?? ''}`)
        .join(', ');
      if (line !== last) {
        for (const a of apps) {
          const checks = (a.healthChecks?.length ?? 0) > 0;
          const w = waiting.get(a.id);
          o.log.progress(
            `${a.tasksRunning}/${a.instances} running${checks ? `, ${a.tasksHealthy} healthy` : ''}${a.tasksStaged ? `, ${a.tasksStaged} staging` : ''}${w ? ` — ${w}` : ''}`,
            a.id,
            { running: a.tasksRunning, healthy: a.tasksHealthy, instances: a.instances, ...(w ? { waiting: w } : {}) },
          );
        }
        last = line;
      }
      if (pending.size > 0) {
        await Promise.race([
          sleep(o.pollMs ?? (streaming ? 1000 : 250), undefined, { signal: o.signal }).catch(() => undefined),
          new Promise<void>((r) => (wake = r)),
        ]);
      }
    }
  } finally {
    stop.abort();
  }
  const apps = (await cluster.apps(true, o.signal)).filter((a) => appIds.includes(a.id));
  const short = apps.filter((a) => a.deployments.length === 0 && a.tasksRunning < a.instances);
  if (short.length > 0) {
    throw await withExplanation(
      new BatonError(
        'BATON_DEPLOY_FAILED',
        `The deployment ended but ${short.map((a) => `${a.id} has ${a.tasksRunning}/${a.instances} running`).join(', ')}`,
      ),
      cluster,
      appIds,
    );
  }
  return apps;
}

/** Attach the per-instance explanation to a deploy failure (details are shown under the error). */
async function withExplanation(reason: unknown, cluster: MarathonCluster, appIds: string[]): Promise<unknown> {
  if (!(reason instanceof BatonError) || reason.details) return reason;
  reason.details = await explain(cluster, appIds).catch(() => undefined);
  return reason;
}
