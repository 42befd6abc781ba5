import type Docker from 'dockerode';

/** What of a container's life makes the engine look again: it stopped, ran out of memory, went away. */
const EVENTS = ['die', 'oom', 'destroy'];

/**
 * The engine's containers' deaths as events: one `docker events` stream per daemon, filtered to
 * this engine's label, so the engine inspects a container when it dies instead of every container
 * on every tick. A stream that breaks (dockerd restarting) is opened again with backoff; what
 * happened meanwhile is unknown, so the listener hears "anything may have changed" (no task id).
 */
export function watchContainers(
  dockers: () => Docker[],
  engineLabel: string,
  taskLabel: string,
  listener: (taskId?: string) => void,
): () => void {
  let stopped = false;
  const streams = new Set<NodeJS.ReadableStream & { destroy(): void }>();
  const follow = async (d: Docker, attempt: number): Promise<void> => {
    if (stopped) return;
    try {
      const stream = (await d.getEvents({
        filters: { type: ['container'], event: EVENTS, label: [engineLabel] },
      })) as NodeJS.ReadableStream & { destroy(): void };
      streams.add(stream);
      if (attempt > 0) listener(); // reconnected: whatever died meanwhile is found by inspecting all
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            const ev = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
            const task = ev.Actor?.Attributes?.[taskLabel];
            listener(task);
          } catch {
            listener();
          }
        }
      });
      const again = () => {
        streams.delete(stream);
        if (!stopped) setTimeout(() => void follow(d, 1), 1000).unref();
      };
      stream.once('end', again);
      stream.once('error', again);
    } catch {
      if (!stopped) setTimeout(() => void follow(d, attempt + 1), Math.min(10_000, 500 * 2 ** attempt)).unref();
    }
  };
  for (const d of dockers()) void follow(d, 0);
  return () => {
    stopped = true;
    for (const s of streams) s.destroy();
  };
}
