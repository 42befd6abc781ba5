import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, Deadline } from '../../core/index.js';
import type { GroupServer } from './balancer.js';
import { remove, scale, settle, type SwapContext } from './blue-green.js';
import { healthyTasks, liveApp } from './colours.js';
import { operatorOutcome, shiftTo } from './instance-share.js';
import type { Canary } from './settings.js';

/** Canary instances for a traffic share: enough to carry it (ceil of the target's share), at least one. */
export const canarySize = (target: number, weight: number) =>
  Math.max(1, Math.min(target, Math.ceil((target * weight) / 100)));

/** Counters of the canary's servers at one moment, per task. */
type Counters = Map<string, { requests: number; errors: number; rtime: number }>;
function counters(servers: GroupServer[], appId: string): Counters {
  return new Map(
    servers
      .filter((s) => s.appId === appId)
      .map((s) => [s.taskId, { requests: s.stot + s.econ, errors: s.hrsp5xx + s.econ + s.eresp, rtime: s.rtime }]),
  );
}

/**
 * What the analysis found since `base`: why it fails, or how it stands. A reload starts HAProxy's
 * counters again from zero, so a counter below its base counts from zero.
 */
export function judge(
  base: Counters,
  now: Counters,
  a: Canary['analysis'],
): {
  fail?: string;
  summary: string;
  measured: { requests: number; errors: number; errorRate: number; rtimeMs: number };
} {
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
  const measured = { requests, errors, errorRate: rate, rtimeMs: rtime };
  if (requests < a.minRequests || requests === 0)
    return { summary: `${summary} — too few to judge (${a.minRequests})`, measured };
  if (rate > a.maxErrorRate)
    return {
      fail: `error rate ${(rate * 100).toFixed(1)} % > ${(a.maxErrorRate * 100).toFixed(1)} % (${errors} of ${requests})`,
      summary,
      measured,
    };
  if (a.maxResponseTimeMs !== undefined && rtime > a.maxResponseTimeMs)
    return { fail: `response time ${rtime} ms > ${a.maxResponseTimeMs} ms`, summary, measured };
  return { summary, measured };
}

/** The analysis' thresholds as the dashboard charts them beside the measurements. */
const thresholds = (a: Canary['analysis']) => ({
  maxErrorRate: a.maxErrorRate,
  minRequests: a.minRequests,
  ...(a.maxResponseTimeMs !== undefined ? { maxResponseTimeMs: a.maxResponseTimeMs } : {}),
});

/**
 * Drive a canary through its steps: per step, grow the canary to carry its share and set the share
 * as HAProxy weights — or, on a cluster's marathon-lb (no weights), shrink the stable colour by as
 * many instances (instance-share.ts) — then watch the canary's own counters (5xx, failed
 * connections, response time) for the pause, or until `baton promote`/`baton abort` when the step
 * has no pause. A failed analysis or an abort under weights puts every new connection back on the
 * stable colour first (weight 0 on the canary, through HAProxy's runtime API at once); then the
 * deploy fails and its rollback drains and deletes the canary.
 */
export async function runCanary(
  c: SwapContext,
  stableId: string,
  canaryId: string,
  target: number,
  s: Canary,
  from = 0,
): Promise<void> {
  const weights = c.lb.splits;
  const heartbeat = () => ({ strategy: 'canary', heartbeat: Date.now(), pid: process.pid });
  const back = async (code: 'BATON_ANALYSIS_FAILED' | 'BATON_ABORTED', why: string): Promise<never> => {
    if (weights) await c.lb.split(canaryId, 0, { ...heartbeat(), command: null }, c.signal);
    throw new BatonError(
      code,
      `${canaryId}: ${why}; ${weights ? 'all traffic is back on' : 'the rollback grows back'} ${stableId}`,
    );
  };
  for (let i = from; i < s.steps.length; i++) {
    const st = s.steps[i];
    const need = canarySize(target, st.weight);
    const cur = await settle(c, canaryId);
    if (!cur)
      throw new BatonError(
        weights ? 'BATON_DEPLOY_FAILED' : 'BATON_ABORTED',
        `${canaryId} disappeared during the canary${weights ? '' : ' (aborted by an operator?)'}`,
      );
    let share = `${st.weight} % of new connections`;
    if (weights) {
      if (cur.instances < need) await scale(c, canaryId, need);
      await servedByLb(c, canaryId);
      await c.lb.split(canaryId, st.weight, { ...heartbeat(), step: i }, c.signal);
    } else {
      await shiftTo(c, stableId, canaryId, target, need, s.drainTimeoutSeconds);
      await servedByLb(c, canaryId);
      share = `${need} of ${target} instance(s) (${Math.round((100 * need) / target)} % by count, asked ${st.weight} %)`;
      if (need === target && st.weight < 100)
        c.log.warn(
          `${canaryId}: marathon-lb splits by instance count; with ${target} instance(s) the smallest share is ${Math.round(100 / target)} %`,
        );
    }
    c.log.progress(
      `step ${i + 1}/${s.steps.length}: ${share}${st.pauseSeconds !== undefined ? `, watching for ${st.pauseSeconds}s` : ', waiting for `baton promote`'}`,
      canaryId,
      { step: i + 1, weight: st.weight, ...(weights ? {} : { instances: need }) },
    );
    const base = counters((await c.lb.state(c.signal)).servers, canaryId);
    // The pause on the monotonic clock (core/clock.ts); the wall-clock end is only for the dashboard.
    const pause = st.pauseSeconds !== undefined ? new Deadline(st.pauseSeconds * 1000) : undefined;
    for (;;) {
      const state = await c.lb.state(c.signal);
      const verdict = judge(base, counters(state.servers, canaryId), s.analysis);
      // What the dashboard shows of the running canary: the steps, where it is, what the analysis measures.
      const report = {
        steps: s.steps,
        stepEndsAt: pause ? Date.now() + pause.leftMs() : null,
        analysis: { ...verdict.measured, ...thresholds(s.analysis), verdict: verdict.fail ?? 'ok' },
      };
      if (verdict.fail) await back('BATON_ANALYSIS_FAILED', `analysis failed at ${st.weight} %: ${verdict.fail}`);
      const command = weights ? state.split?.note?.command : await operatorOutcome(c, stableId, canaryId);
      if (command === 'abort') await back('BATON_ABORTED', `aborted by an operator at ${st.weight} %`);
      if (command === 'promote') {
        c.log.info(`${canaryId}: promoted by an operator at ${st.weight} % (${verdict.summary})`);
        // On a cluster `baton promote` did the work; under weights the deploy finishes it.
        return weights ? promote(c, stableId, canaryId, target, s) : undefined;
      }
      if (pause?.passed()) {
        c.log.info(`${canaryId}: step ${i + 1} passed at ${st.weight} %: ${verdict.summary}`);
        break;
      }
      if (weights) await c.lb.split(canaryId, st.weight, { ...heartbeat(), step: i, ...report }, c.signal);
      await sleep(Math.min(s.analysis.intervalSeconds * 1000, pause ? pause.leftMs() : Infinity), undefined, {
        signal: c.signal,
      });
    }
  }
  await promote(c, stableId, canaryId, target, s);
}

/** Wait until marathon-lb serves every healthy canary task as an UP server. */
async function servedByLb(c: SwapContext, canaryId: string, ms = 60_000): Promise<void> {
  const deadline = new Deadline(ms);
  for (;;) {
    if (deadline.passed())
      throw new BatonError(
        'BATON_TIMEOUT',
        `marathon-lb did not serve ${canaryId}'s healthy tasks within ${ms / 1000}s (HAPROXY_GROUP of the app vs the LB's groups?)`,
      );
    const a = await liveApp(c.api, canaryId, c.signal);
    if (!a) throw new BatonError('BATON_ABORTED', `${canaryId} no longer runs (aborted by an operator?)`);
    const healthy = healthyTasks(a).length;
    const up = (await c.lb.state(c.signal)).servers.filter(
      (x) => x.appId === canaryId && x.status.startsWith('UP'),
    ).length;
    if (healthy > 0 && up >= healthy) return;
    await sleep(250, undefined, { signal: c.signal });
  }
}

/** The last step: the canary at the target and 100 %, the stable colour drained and deleted, the split gone. */
export async function promote(
  c: SwapContext,
  stableId: string,
  canaryId: string,
  target: number,
  s: { drainTimeoutSeconds: number },
): Promise<void> {
  if (!c.lb.splits) {
    // A cluster's marathon-lb: the stable colour shrinks to nothing as the canary takes its place.
    c.log.progress(`${target} of ${target} instance(s); ${stableId} drains and goes`, canaryId, { instances: target });
    return shiftTo(c, stableId, canaryId, target, target, s.drainTimeoutSeconds);
  }
  const cur = await settle(c, canaryId);
  if (!cur) throw new BatonError('BATON_DEPLOY_FAILED', `${canaryId} disappeared during the canary`);
  if (cur.instances < target) await scale(c, canaryId, target);
  await servedByLb(c, canaryId);
  await c.lb.split(canaryId, 100, { strategy: 'canary', heartbeat: Date.now(), step: -1 }, c.signal);
  c.log.progress(`100 % of new connections; draining ${stableId}`, canaryId, { weight: 100 });
  if (await liveApp(c.api, stableId, c.signal)) {
    await c.lb.drained(stableId, {
      outOfRotation: (x) => x.weight === 0,
      stepMs: 250,
      timeoutMs: s.drainTimeoutSeconds * 1000,
      signal: c.signal,
      all: true,
    });
    await remove(c, stableId);
  }
  await c.lb.clear(c.signal);
}

/** Abort: every new connection to the stable colour at once, the canary drained and deleted, the split gone. */
export async function abortCanary(c: SwapContext, canaryId: string, s: { drainTimeoutSeconds: number }): Promise<void> {
  await c.lb.split(canaryId, 0, { strategy: 'canary', command: null, heartbeat: Date.now() }, c.signal);
  if (await liveApp(c.api, canaryId, c.signal)) {
    await c.lb.drained(canaryId, {
      outOfRotation: (x) => x.weight === 0,
      stepMs: 250,
      timeoutMs: Math.min(30, s.drainTimeoutSeconds) * 1000,
      signal: c.signal,
      all: true,
    });
    await remove(c, canaryId);
  }
  await c.lb.clear(c.signal);
}
