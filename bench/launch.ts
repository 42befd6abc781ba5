import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, timeDeploys, waitAll } from './net.js';
import { PACKAGE_ROOT } from '../core/index.js';
import engine from '../plugins/engine/index.js';
import { startEngineWith } from '../plugins/engine/build.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import marathon from '../plugins/marathon/index.js';
import mesos from '../plugins/mesos/index.js';

const SERVER = path.join(PACKAGE_ROOT, 'test/fixtures/server.mjs');

/** Baseline: spawn N servers directly and wait until each answers. */
export async function rawLaunch(n: number): Promise<number> {
  const procs: ChildProcess[] = [];
  const targets = await Promise.all(
    Array.from({ length: n }, async (_, i) => ({ host: `127.0.1.${(i % 3) + 1}`, port: 0 })).map(async (p) => {
      const t = await p;
      return { ...t, port: await freePort(t.host) };
    }),
  );
  const t0 = performance.now();
  // The environment a task gets (the engine passes PATH, HOME, LANG... not e.g. NODE_EXTRA_CA_CERTS,
  // which alone costs a Node start ~30 ms), so both sides start the same processes.
  const base = Object.fromEntries(
    ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']
      .filter((k) => process.env[k] !== undefined)
      .map((k) => [k, process.env[k]!]),
  );
  for (const t of targets)
    procs.push(
      spawn(process.execPath, [SERVER], { env: { ...base, HOST: t.host, PORT0: String(t.port) }, stdio: 'ignore' }),
    );
  await waitAll(targets);
  const ms = performance.now() - t0;
  for (const p of procs) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  return ms;
}

/** Baton: POST an app of N instances to the embedded engine and wait until every task answers. */
export async function engineLaunch(n: number, runs: number): Promise<{ samples: number[] }> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
  const running = await startEngineWith([marathon, engine, mesos], { ...resolveSettings({ stateDir }), port: 0 });
  const samples: number[] = [];
  try {
    samples.push(
      ...(await timeDeploys(running, runs, n, () => ({
        cmd: `exec ${process.execPath} ${SERVER}`,
        cpus: 0.1,
        mem: 128,
      }))),
    );
  } finally {
    await running.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  return { samples };
}
