import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../core/index.js';
import { serveEngine } from '../plugins/engine/serve.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import { createMesosRuntime } from '../plugins/mesos/runtime.js';

const SERVER = path.join(PACKAGE_ROOT, 'test/fixtures/server.mjs');

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

/** Baseline: spawn N servers directly and wait until each answers. */
export async function rawLaunch(n: number): Promise<number> {
  const procs: ChildProcess[] = [];
  const targets = await Promise.all(Array.from({ length: n }, async (_, i) => ({ host: `127.0.1.${(i % 3) + 1}`, port: 0 })).map(async (p) => {
    const t = await p;
    return { ...t, port: await freePort(t.host) };
  }));
  const t0 = performance.now();
  // The environment a task gets (the engine passes PATH, HOME, LANG... not e.g. NODE_EXTRA_CA_CERTS,
  // which alone costs a Node start ~30 ms), so both sides start the same processes.
  const base = Object.fromEntries(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
  for (const t of targets) procs.push(spawn(process.execPath, [SERVER], { env: { ...base, HOST: t.host, PORT0: String(t.port) }, stdio: 'ignore' }));
  await waitAll(targets);
  const ms = performance.now() - t0;
  for (const p of procs) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  return ms;
}

/** Baton: POST an app of N instances to the embedded engine and wait until every task answers. */
export async function engineLaunch(n: number, runs: number): Promise<{ samples: number[] }> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
  const running = await serveEngine({ ...resolveSettings({ stateDir }), port: 0 }, (id, s) => [createMesosRuntime(id, s.agents.reduce((n, a) => n + a.cpus, 0))]);
  const samples: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const id = `/bench-${r}`;
      const t0 = performance.now();
      await fetch(`${running.url}/v2/apps`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, cmd: `exec ${process.execPath} ${SERVER}`, instances: n, cpus: 0.1, mem: 128 }),
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
  return { samples };
}
