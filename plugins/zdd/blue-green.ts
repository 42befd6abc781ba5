import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, type Logger } from '../../core/index.js';
import { type Balancer, inMaint } from './balancer.js';
import { healthyTasks, isHybrid, liveApp, type Api, type LiveApp } from './colours.js';
import type { BlueGreen } from './settings.js';

export interface SwapContext {
  api: Api;
  lb: Balancer;
  log: Logger;
  signal: AbortSignal;
  /** Wait for Marathon deployments with the run's deadlines (the marathon plugin's waiting). */
  waitFor(deploymentIds: string[], appIds: string[]): Promise<void>;
}

type Ref = { deploymentId: string };

/** Wait for whatever deployment an app has running (scale, kill with scale), with the run's deadlines. */
export async function settle(c: SwapContext, id: string): Promise<LiveApp | undefined> {
  const a = await liveApp(c.api, id, c.signal);
  if (a?.deployments?.length)
    await c.waitFor(
      a.deployments.map((d) => d.id),
      [id],
    );
  return a?.deployments?.length ? liveApp(c.api, id, c.signal) : a;
}

export async function scale(c: SwapContext, id: string, instances: number): Promise<void> {
  const r = await c.api.request<Ref>('PUT', `/v2/apps${id}?force=true`, { instances }, c.signal);
  await c.waitFor([r.deploymentId], [id]);
}

export async function remove(c: SwapContext, id: string): Promise<void> {
  const r = await c.api.request<Ref>('DELETE', `/v2/apps${id}?force=true`, undefined, c.signal);
  await c.waitFor([r.deploymentId], []);
}

/** zdd's next size of the new colour: ×1.5 (1→2→3→5→8) or +k; straight to the target once it passes the old colour. */
export function nextSize(n: number, oldInstances: number, target: number, linear: number): number {
  const next = linear > 0 ? n + linear : Math.floor(n + (n + 1) / 2);
  return Math.min(target, next >= oldInstances ? target : next);
}

/**
 * zdd's swap loop (marathon-lb-semantics.md §2 step 6): wait for the new colour's deployment; wait until the
 * balancer has drained old servers (marathon-lb disables as many old servers as the new colour has
 * healthy ones beyond the target); kill exactly those, lowering the old colour's count; grow the
 * new colour; delete the old colour once the new one is at the target and every old server is
 * drained. Capacity never drops below the target: healthy new + serving old = target throughout.
 */
export async function swap(c: SwapContext, oldId: string, newId: string, target: number, s: BlueGreen): Promise<void> {
  for (;;) {
    const neu = await settle(c, newId);
    if (!neu) throw new BatonError('BATON_DEPLOY_FAILED', `${newId} disappeared during the blue-green deploy`);
    const old = await settle(c, oldId);
    if (!old) return;
    const oldTasks = old.tasks ?? [];
    if (oldTasks.length > 0 || old.instances > 0) {
      const drained = await c.lb.drained(oldId, {
        outOfRotation: inMaint,
        stepMs: s.stepDelaySeconds * 1000,
        timeoutMs: s.drainTimeoutSeconds * 1000,
        signal: c.signal,
      });
      if (drained.length === 0) {
        const st = await c.lb.state(c.signal);
        const seen = st.servers.map((x) => `${x.appId} ${x.name} ${x.status}`).join(', ');
        throw new BatonError(
          'BATON_TIMEOUT',
          `no server of ${oldId} left rotation within ${s.drainTimeoutSeconds}s (is ${newId} healthy and served by marathon-lb?); marathon-lb has: ${seen || 'no server'}`,
        );
      }
      if (neu.instances >= target && drained.length >= oldTasks.length) {
        c.log.progress(`all ${oldTasks.length} old server(s) drained; deleting ${oldId}`, newId, {
          instances: neu.instances,
          healthy: healthyTasks(neu).length,
        });
        await remove(c, oldId);
        return;
      }
      c.log.progress(`${drained.length} old server(s) drained; killing them`, oldId, { drained: drained.length });
      const r = await c.api.request<Ref>('POST', '/v2/tasks/delete?scale=true&force=true', { ids: drained }, c.signal);
      if (r?.deploymentId) await c.waitFor([r.deploymentId], [oldId]);
    } else if (neu.instances >= target) {
      await remove(c, oldId);
      return;
    }
    const left = (await liveApp(c.api, oldId, c.signal))?.instances ?? 0;
    const n = nextSize(neu.instances, left, target, s.linearIncrease);
    if (n > neu.instances) {
      c.log.progress(`growing to ${n} of ${target}`, newId, { instances: n, target });
      await scale(c, newId, n);
    }
    await sleep(s.stepDelaySeconds * 1000, undefined, { signal: c.signal });
  }
}

/**
 * Back to the old colour: grow it to the target again, then (as soon as it serves) send every new
 * connection to it (a split of 100 % — faster than zdd's --complete-prev), drain the new colour's
 * servers and delete it; the split goes last.
 */
export async function swapBack(
  c: SwapContext,
  oldId: string,
  newId: string,
  target: number,
  s: { drainTimeoutSeconds: number; stepDelaySeconds?: number },
): Promise<void> {
  const old = await liveApp(c.api, oldId, c.signal);
  if (!old) throw new BatonError('BATON_NOTHING_TO_ROLL_BACK', `${oldId} is gone already: the swap had finished`);
  if (!c.lb.splits) {
    // A cluster's marathon-lb: grow the old colour back (healthy, so marathon-lb serves it), then
    // delete the new one — marathon-lb's reload drops its servers and old workers finish their sessions.
    // In a hybrid deploy (a canary by count) the colour scaled last is marathon-lb's "new" one, so
    // growing the old colour makes it disable the new colour's servers: wait for them to drain first.
    const neu = await liveApp(c.api, newId, c.signal);
    const grow = old.instances < target;
    if (grow) await scale(c, oldId, target);
    if (!neu) return;
    if (grow && isHybrid(neu)) {
      await c.lb.drained(newId, {
        outOfRotation: inMaint,
        stepMs: (s.stepDelaySeconds ?? 1) * 1000,
        timeoutMs: s.drainTimeoutSeconds * 1000,
        signal: c.signal,
        all: true,
      });
    }
    await remove(c, newId);
    return;
  }
  // Freeze the traffic where it is (a split stops marathon-lb's count-based draining), grow the
  // old colour back, then move every new connection to it.
  const neu = await liveApp(c.api, newId, c.signal);
  const serving = healthyTasks(old).length;
  const newServing = neu ? healthyTasks(neu).length : 0;
  await c.lb.split(
    oldId,
    serving + newServing > 0 ? Math.round((100 * serving) / (serving + newServing)) : 100,
    { strategy: 'rollback' },
    c.signal,
  );
  if (old.instances < target) await scale(c, oldId, target);
  await c.lb.split(oldId, 100, { strategy: 'rollback' }, c.signal);
  if (await liveApp(c.api, newId, c.signal)) {
    await c.lb.drained(newId, {
      outOfRotation: (x) => x.weight === 0 || inMaint(x),
      stepMs: (s.stepDelaySeconds ?? 1) * 1000,
      timeoutMs: s.drainTimeoutSeconds * 1000,
      signal: c.signal,
      all: true,
    });
    await remove(c, newId);
  }
  await c.lb.clear(c.signal);
}
