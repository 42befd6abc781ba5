import { setTimeout as sleep } from 'node:timers/promises';
import type { MarathonClient } from './client.js';

/**
 * Marathon's event stream (`GET /v2/events`, server-sent events), used only as a hint to re-read
 * state: an event says "something changed", never what the state is (no ordering is assumed, and
 * a missed event costs one poll interval). A standby answers with a redirect to the leader, which
 * is followed by hand so the credentials go along (fetch drops them across origins); a dropped
 * stream is reconnected with backoff until `signal` aborts.
 */
export function followEvents(
  client: MarathonClient,
  onEvent: (type: string) => void,
  signal: AbortSignal,
  o: { backoffMs?: number[]; onState?: (connected: boolean) => void } = {},
): Promise<void> {
  const backoff = o.backoffMs ?? [250, 1000, 3000];
  return (async () => {
    for (let failures = 0; !signal.aborted;) {
      try {
        const body = await client.stream('/v2/events', signal);
        o.onState?.(true);
        const decoder = new TextDecoder();
        let buffer = '';
        let type = 'message';
        let pending = false;
        for await (const chunk of body) {
          buffer += decoder.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).replace(/\r$/, '');
            buffer = buffer.slice(nl + 1);
            if (line.startsWith('event:')) {
              type = line.slice(6).trim();
              pending = true;
            } else if (line.startsWith('data:')) pending = true;
            else if (line === '' && pending) {
              onEvent(type);
              failures = 0;
              pending = false;
              type = 'message';
            }
          }
        }
      } catch {
        /* reconnect below */
      }
      o.onState?.(false);
      if (signal.aborted) return;
      await sleep(backoff[Math.min(failures++, backoff.length - 1)], undefined, { signal }).catch(() => undefined);
    }
  })();
}
