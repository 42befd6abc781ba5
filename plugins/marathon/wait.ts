import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, type Logger } from '../../core/index.js';
import type { AppStatus, MarathonCluster } from './cluster.js';

/**
 * Wait until the given deployments are gone from /v2/deployments, reporting progress per app, and
 * check that each app reached its goal (a cancelled deployment also disappears).
 */
export async function waitForDeployments(cluster: MarathonCluster, ids: string[], appIds: string[], log: Logger, signal: AbortSignal, pollMs = 250): Promise<AppStatus[]> {
  const pending = new Set(ids);
  let last = '';
  while (pending.size > 0) {
    if (signal.aborted) throw signal.reason;
    const running = new Set((await cluster.deployments(signal)).map((d) => d.id));
    for (const id of pending) if (!running.has(id)) pending.delete(id);
    const apps = (await cluster.apps(false, signal)).filter((a) => appIds.includes(a.id));
    const line = apps.map((a) => `${a.id} ${a.tasksRunning}/${a.instances} running`).join(', ');
    if (line !== last) {
      for (const a of apps) log.progress(`${a.tasksRunning}/${a.instances} running${a.tasksStaged ? `, ${a.tasksStaged} staging` : ''}`, a.id, { running: a.tasksRunning, instances: a.instances });
      last = line;
    }
    if (pending.size > 0) await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
  const apps = (await cluster.apps(true, signal)).filter((a) => appIds.includes(a.id));
  const short = apps.filter((a) => a.deployments.length === 0 && a.tasksRunning < a.instances);
  if (short.length > 0) {
    throw new BatonError('BATON_DEPLOY_FAILED', `The deployment ended but ${short.map((a) => `${a.id} has ${a.tasksRunning}/${a.instances} running`).join(', ')}`, {
      details: short.map((a) => (a.lastTaskFailure ? `${a.id}: last failure: ${a.lastTaskFailure.message}` : `${a.id}: was the deployment cancelled?`)).join('\n'),
    });
  }
  return apps;
}
