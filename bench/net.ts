import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when GET http://host:port/ answers 2xx within 100 ms. */
export async function answers(host: string, port: number): Promise<boolean> {
  try {
    // Short: a connect made before a port is published can hang until this timeout.
    const r = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(100) });
    await r.text();
    return r.ok;
  } catch {
    return false;
  }
}

/** Poll every target every 5 ms until all answer (bounded: ~20 s each). */
export async function waitAll(targets: { host: string; port: number }[]): Promise<void> {
  await Promise.all(
    targets.map(async (t) => {
      for (let i = 0; !(await answers(t.host, t.port)); i++) {
        if (i > 4000) throw new Error(`${t.host}:${t.port} never answered`);
        await sleep(5);
      }
    }),
  );
}

/** A port free right now on a loopback address. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Time `runs` deploys of an app through the engine API: from the POST until every one of its `n`
 * tasks answers; the app is removed (and its tasks gone) between runs.
 */
export async function timeDeploys(
  engine: { url: string; engine: { state: { instances: ReadonlyMap<string, unknown> } } },
  runs: number,
  n: number,
  body: (id: string) => Record<string, unknown>,
): Promise<number[]> {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const id = `/bench-${r}`;
    const t0 = performance.now();
    await fetch(`${engine.url}/v2/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, instances: n, ...body(id) }),
    });
    let tasks: { host: string; ports: number[] }[] = [];
    while (tasks.length < n) {
      tasks = (
        (await (await fetch(`${engine.url}/v2/apps${id}/tasks`)).json()) as { tasks: typeof tasks }
      ).tasks.filter((t) => t.ports.length > 0);
      if (tasks.length < n) await sleep(5);
    }
    await waitAll(tasks.map((t) => ({ host: t.host, port: t.ports[0] })));
    samples.push(performance.now() - t0);
    await fetch(`${engine.url}/v2/apps${id}`, { method: 'DELETE' });
    while (engine.engine.state.instances.size > 0) await sleep(20);
  }
  return samples;
}
