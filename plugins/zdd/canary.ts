import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError } from '../../core/index.js';
import type { GroupServer } from './balancer.js';
import { remove, scale, settle, type SwapContext } from './blue-green.js';
import { healthyTasks, liveApp } from './colours.js';
import type { Canary } from './settings.js';

/** Canary instances for a traffic share: enough to carry it (ceil of the target's share), at least one. */
export const canarySize = (target: number, weight: number) => Math.max(1, Math.min(target, Math.ceil((target * weight) / 100)));

/** Counters of the canary's servers at one moment, per task. */
type Counters = Map<string, { requests: number; errors: number; rtime: number }>;
function counters(servers: GroupServer[], appId: string): Counters {
  return new Map(servers.filter((s) => s.appId === appId).map((s) => [s.taskId, { requests: s.stot + s.econ, errors: s.hrsp5xx + s.econ + s.eresp, rtime: s.rtime }]));
}

/**
 * What the analysis found since `base`: why it fails, or how it stands. A reload starts HAProxy's
 * counters again from zero, so a counter below its base counts from zero.
 */
export function judge(base: Counters, now: Counters, a: Canary['analysis']): { fail?: string; summary: string } {
  let requests = 0;
  let errors = 0;
  let rtime = 0;
  for (const [task, c] of now) {
    const b = base.get(task);
    const reset = !b || c.requests < b.requests;
    requests += reset ? c.requests : c.requests - b.requests;
    errors += reset ? c.errors : c.errors - b.errors;
    rtime = Math.max(rtime, c.rtime);
  }
  const rate = requests > 0 ? errors / requests : 0;
  const summary = `${requests} request(s), ${errors} error(s) (${(rate * 100).toFixed(1)} %), response time ${rtime} ms`;
  if (requests < a.minRequests || requests === 0) return { summary: `${summary} — too few to judge (${a.minRequests})` };
  if (rate > a.maxErrorRate) return { fail: `error rate ${(rate * 100).toFixed(1)} % > ${(a.maxErrorRate * 100).toFixed(1)} % (${errors} of ${requests})`, summary };
  if (a.maxResponseTimeMs !== undefined && rtime > a.maxResponseTimeMs) return { fail: `response time ${rtime} ms > ${a.maxResponseTimeMs} ms`, summary };
  return { summary };
}

/**
 * Drive a canary through its steps: per step, grow the canary to carry its share, set the share as
 * HAProxy weights, then watch the canary's own counters (5xx, failed connections, response time)
 * for the pause — or until `baton promote`/`baton abort` when the step has no pause. A failed
 * analysis or an abort puts every new connection back on the stable colour first (weight 0 on the
 * canary, applied through HAProxy's runtime API at once), then fails the deploy.
 */
export async function runCanary(c: SwapContext, stableId: string, canaryId: string, target: number, s: Canary, from = 0): Promise<void> {
  const heartbeat = () => ({ strategy: 'canary', heartbeat: Date.now(), pid: process.pid });
  const back = async (code: 'BATON_ANALYSIS_FAILED' | 'BATON_ABORTED', why: string): Promise<never> => {
    await c.lb.split(canaryId, 0, { ...heartbeat(), command: null }, c.signal);
    throw new BatonError(code, `${canaryId}: ${why}; all traffic is back on ${stableId}`);
  };
  for (let i = from; i < s.steps.length; i++) {
    const st = s.steps[i];
    const need = canarySize(target, st.weight);
    const cur = await settle(c, canaryId);
    if (!cur) throw new BatonError('BATON_DEPLOY_FAILED', `${canaryId} disappeared during the canary`);
    if (cur.instances < need) await scale(c, canaryId, need);
    await servedByLb(c, canaryId);
    await c.lb.split(canaryId, st.weight, { ...heartbeat(), step: i }, c.signal);
    c.log.progress(`step ${i + 1}/${s.steps.length}: ${st.weight} % of new connections${st.pauseSeconds !== undefined ? `, watching for ${st.pauseSeconds}s` : ', waiting for `baton promote`'}`, canaryId, { step: i + 1, weight: st.weight });
    const base = counters((await c.lb.state(c.signal)).servers, canaryId);
    const end = st.pauseSeconds !== undefined ? Date.now() + st.pauseSeconds * 1000 : Infinity;
    for (;;) {
      const state = await c.lb.state(c.signal);
      const verdict = judge(base, counters(state.servers, canaryId), s.analysis);
      if (verdict.fail) await back('BATON_ANALYSIS_FAILED', `analysis failed at ${st.weight} %: ${verdict.fail}`);
      const command = state.split?.note?.command;
      if (command === 'abort') await back('BATON_ABORTED', `aborted by an operator at ${st.weight} %`);
      if (command === 'promote') {
        c.log.info(`${canaryId}: promoted by an operator at ${st.weight} % (${verdict.summary})`);
        return promote(c, stableId, canaryId, target, s);
      }
      if (Date.now() >= end) {
        c.log.info(`${canaryId}: step ${i + 1} passed at ${st.weight} %: ${verdict.summary}`);
        break;
      }
      await c.lb.split(canaryId, st.weight, { ...heartbeat(), step: i }, c.signal);
      await sleep(Math.min(s.analysis.intervalSeconds * 1000, Math.max(0, end - Date.now())), undefined, { signal: c.signal });
    }
  }
  await promote(c, stableId, canaryId, target, s);
}

/** Wait until marathon-lb serves every healthy canary task as an UP server. */
async function servedByLb(c: SwapContext, canaryId: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (Date.now() > end) throw new BatonError('BATON_TIMEOUT', `marathon-lb did not serve ${canaryId}'s healthy tasks within ${ms / 1000}s (HAPROXY_GROUP of the app vs the LB's groups?)`);
    const a = await liveApp(c.api, canaryId, c.signal);
    const healthy = a ? healthyTasks(a).length : 0;
    const up = (await c.lb.state(c.signal)).servers.filter((x) => x.appId === canaryId && x.status.startsWith('UP')).length;
    if (healthy > 0 && up >= healthy) return;
    await sleep(250, undefined, { signal: c.signal });
  }
}

/** The last step: the canary at the target and 100 %, the stable colour drained and deleted, the split gone. */
export async function promote(c: SwapContext, stableId: string, canaryId: string, target: number, s: { drainTimeoutSeconds: number }): Promise<void> {
  const cur = await settle(c, canaryId);
  if (!cur) throw new BatonError('BATON_DEPLOY_FAILED', `${canaryId} disappeared during the canary`);
  if (cur.instances < target) await scale(c, canaryId, target);
  await servedByLb(c, canaryId);
  await c.lb.split(canaryId, 100, { strategy: 'canary', heartbeat: Date.now(), step: -1 }, c.signal);
  c.log.progress(`100 % of new connections; draining ${stableId}`, canaryId, { weight: 100 });
  if (await liveApp(c.api, stableId, c.signal)) {
    await c.lb.drained(stableId, { outOfRotation: (x) => x.weight === 0, stepMs: 250, timeoutMs: s.drainTimeoutSeconds * 1000, signal: c.signal, all: true });
    await remove(c, stableId);
  }
  await c.lb.clear(c.signal);
}

/** Abort: every new connection to the stable colour at once, the canary drained and deleted, the split gone. */
export async function abortCanary(c: SwapContext, canaryId: string, s: { drainTimeoutSeconds: number }): Promise<void> {
  await c.lb.split(canaryId, 0, { strategy: 'canary', command: null, heartbeat: Date.now() }, c.signal);
  if (await liveApp(c.api, canaryId, c.signal)) {
    await c.lb.drained(canaryId, { outOfRotation: (x) => x.weight === 0, stepMs: 250, timeoutMs: Math.min(30, s.drainTimeoutSeconds) * 1000, signal: c.signal, all: true });
    await remove(c, canaryId);
  }
  await c.lb.clear(c.signal);
}

