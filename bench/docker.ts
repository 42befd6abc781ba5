import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dockerClient } from '../plugins/docker/index.js';
import { createDockerRuntime } from '../plugins/docker/runtime.js';
import { serveEngine } from '../plugins/engine/serve.js';
import { resolveSettings } from '../plugins/engine/settings.js';

const IMAGE = 'baton/minitwit:1';

async function answers(host: string, port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(500) });
    await r.text();
    return r.ok;
  } catch {
    return false;
  }
}

async function waitAll(targets: { host: string; port: number }[]): Promise<void> {
  await Promise.all(targets.map(async (t) => {
    for (let i = 0; !(await answers(t.host, t.port)); i++) {
      if (i > 4000) throw new Error(`${t.host}:${t.port} never answered`);
      await sleep(5);
    }
  }));
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Baseline: dockerode create + start of the same N containers (bridge, port 80 published on 127.0.1.x), until each answers. */
export async function rawContainers(n: number): Promise<number> {
  const d = dockerClient();
  const targets = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const host = `127.0.1.${(i % 3) + 1}`;
    return { host, port: await freePort(host) };
  }));
  const t0 = performance.now();
  const containers = await Promise.all(targets.map(async (t) => {
    const c = await d.createContainer({ Image: IMAGE, ExposedPorts: { '80/tcp': {} }, HostConfig: { NetworkMode: 'bridge', PortBindings: { '80/tcp': [{ HostIp: t.host, HostPort: String(t.port) }] }, Memory: 64 << 20 }, Labels: { 'baton.bench': 'raw' } });
    await c.start();
    return c;
  }));
  await waitAll(targets);
  const ms = performance.now() - t0;
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  return ms;
}

/** Baton: POST an app of N bridge containers to the embedded engine and wait until every one answers. */
export async function engineContainers(n: number, runs: number): Promise<number[]> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-docker-'));
  const running = await serveEngine({ ...resolveSettings({ stateDir }), port: 0 }, (id) => [createDockerRuntime({ engineId: id, dockerFor: () => dockerClient(), allDockers: () => [dockerClient()] })]);
  const samples: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const id = `/bench-c-${r}`;
      const t0 = performance.now();
      await fetch(`${running.url}/v2/apps`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, instances: n, cpus: 0.1, mem: 64, container: { docker: { image: IMAGE }, portMappings: [{ containerPort: 80, hostPort: 0 }] }, networks: [{ mode: 'container/bridge' }] }),
      });
      let tasks: { host: string; ports: number[] }[] = [];
      while (tasks.length < n) {
        tasks = ((await (await fetch(`${running.url}/v2/apps${id}/tasks`)).json()) as { tasks: typeof tasks }).tasks.filter((t) => t.ports.length > 0);
        if (tasks.length < n) await sleep(5);
      }
      await waitAll(tasks.map((t) => ({ host: t.host, port: t.ports[0] })));
      samples.push(performance.now() - t0);
      await fetch(`${running.url}/v2/apps${id}`, { method: 'DELETE' });
      while (running.engine.instances.size > 0) await sleep(20);
    }
  } finally {
    await running.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  return samples;
}
