import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError } from '../../core/index.js';
import { inMaint } from './balancer.js';
import { remove, scale, settle, type SwapContext } from './blue-green.js';
import { coloursOf, liveApp } from './colours.js';

type Ref = { deploymentId: string };

/**
 * A cluster's marathon-lb has no weights (marathon-lb-semantics.md §3): its only split is zdd's hybrid one,
 * k canary and target − k stable instances in one roundrobin backend. Get there from the previous
 * step: grow the canary to k (its deployment waits for health); marathon-lb then disables as many
 * stable servers as the canary has healthy tasks beyond the target; once every one of them is
 * drained on every LB, kill them in one call (`scale=true`). One call, because in a hybrid deploy
 * marathon-lb treats the colour scaled last as the new one: after the kill that is the stable
 * colour, and at exactly k + (target − k) nothing more drains — a second, partial round would drain
 * the canary instead. At k = target the stable colour is deleted once drained. Capacity stays at
 * the target throughout: healthy canary + serving stable.
 */
export async function shiftTo(
  c: SwapContext,
  stableId: string,
  canaryId: string,
  target: number,
  k: number,
  drainTimeoutSeconds: number,
): Promise<void> {
  const neu = await settle(c, canaryId);
  if (!neu)
    throw new BatonError('BATON_ABORTED', `${canaryId} no longer runs (aborted by an operator?); ${stableId} serves`);
  if (neu.instances < k) await scale(c, canaryId, k);
  const old = await settle(c, stableId);
  const surplus = (old?.instances ?? 0) - (target - k);
  if (!old || surplus <= 0) return;
  const end = Date.now() + drainTimeoutSeconds * 1000;
  let drained: string[];
  for (;;) {
    drained = await c.lb.drained(stableId, {
      outOfRotation: inMaint,
      stepMs: 250,
      timeoutMs: Math.max(0, end - Date.now()),
      signal: c.signal,
    });
    if (drained.length >= surplus) break;
    if (Date.now() > end) {
      throw new BatonError(
        'BATON_TIMEOUT',
        `marathon-lb took ${drained.length} of the ${surplus} server(s) of ${stableId} to give up out of rotation within ${drainTimeoutSeconds}s (is ${canaryId} healthy and served by it?)`,
      );
    }
    await sleep(250, undefined, { signal: c.signal });
  }
  if (k >= target) return remove(c, stableId);
  const kill = drained.slice(0, surplus);
  const r = await c.api.request<Ref>('POST', '/v2/tasks/delete?scale=true&force=true', { ids: kill }, c.signal);
  if (r?.deploymentId) await c.waitFor([r.deploymentId], [stableId]);
  // Until the killed tasks are gone, marathon-lb still counts them healthy and disables as many canary servers.
  while ((await liveApp(c.api, stableId, c.signal))?.tasks?.some((t) => kill.includes(t.id)))
    await sleep(250, undefined, { signal: c.signal });
}

/**
 * On a cluster, `baton promote|abort` do the work themselves (there is no place on marathon-lb for
 * a running deploy to take commands from); the deploy sees the outcome at its next read: the
 * canary gone is an abort, the stable colour gone a promotion.
 */
export async function operatorOutcome(
  c: SwapContext,
  stableId: string,
  canaryId: string,
): Promise<'abort' | 'promote' | undefined> {
  const live = new Set((await coloursOf(c.api, c.lb.group, c.signal)).map((a) => a.id));
  if (!live.has(canaryId)) return 'abort';
  if (!live.has(stableId)) return 'promote';
  return undefined;
}
