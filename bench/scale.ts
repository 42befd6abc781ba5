import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureEngine, runningEngine, stopEngine } from '../plugins/engine/daemon.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import { freePort } from './net.js';
import { startObservers } from './observers.js';
import { progress } from './progress.js';
import { percentile, round } from './stats.js';

const APPS = 10;
const AGENTS = 4;
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
const IDLE_S = 20;
const OBSERVED_ROUNDS = 3;
/** A task small enough to hold thousands: busybox's httpd serving one file. */
const CMD = 'echo ok > index.html; exec busybox httpd -f -p $HOST:$PORT0 -h .';

/** RSS (MB) and cumulated CPU seconds (all threads) of a process, from /proc. */
async function proc(pid: number): Promise<{ rssMb: number; cpuS: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return { rssMb: round(rss, 0), cpuS: (Number(stat[11]) + Number(stat[12])) / TICKS };
}

/** p50/p99 of `n` sequential GET /v2/apps?embed=apps.tasks, and the answer's size. */
async function apiLatency(url: string, n: number) {
  const lat: number[] = [];
  let bytes = 0;
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    const r = await fetch(`${url}/v2/apps?embed=apps.tasks`);
    bytes = (await r.arrayBuffer()).byteLength;
    lat.push(performance.now() - t0);
  }
  return { p50: round(percentile(lat, 50), 1), p99: round(percentile(lat, 99), 1), kb: round(bytes / 1024, 0) };
}

const healthyCount = async (url: string, prefix: string) =>
  (
    (await (await fetch(`${url}/v2/apps?id=${encodeURIComponent(prefix)}`)).json()) as {
      apps: { tasksHealthy: number }[];
    }
  ).apps.reduce((n, a) => n + a.tasksHealthy, 0);

const app = (id: string, instances: number, intervalSeconds: number) => ({
  id,
  cmd: CMD,
  cpus: 0.01,
  mem: 16,
  instances,
  healthChecks: [
    {
      protocol: 'HTTP',
      path: '/',
      gracePeriodSeconds: 60,
      intervalSeconds,
      timeoutSeconds: 5,
      maxConsecutiveFailures: 3,
    },
  ],
});

/** The same servers started directly (no engine): spawn each, then poll until every one answers. */
async function directLaunch(targets: { address: string; port: number }[], dir: string): Promise<number> {
  const t0 = performance.now();
  const children: ChildProcess[] = targets.map(({ address, port }) =>
    spawn('/bin/sh', ['-c', CMD.replace('$HOST', address).replace('$PORT0', String(port))], {
      cwd: dir,
      stdio: 'ignore',
      detached: true,
    }),
  );
  try {
    await Promise.all(
      targets.map(async ({ address, port }) => {
        for (let i = 0; ; i++) {
          try {
            const r = await fetch(`http://${address}:${port}/`, { signal: AbortSignal.timeout(1000) });
            await r.arrayBuffer();
            if (r.ok) return;
          } catch {
            /* not yet */
          }
          if (i > 600) throw new Error(`${address}:${port} never answered`);
          await sleep(50);
        }
      }),
    );
    return (performance.now() - t0) / 1000;
  } finally {
    for (const c of children) if (c.pid) process.kill(-c.pid, 'SIGKILL');
  }
}

export interface ScalePoint {
  tasks: number;
  api: { p50: number; p99: number; kb: number };
  rssMb: number;
  idleCpuPct: number;
  loop: { p50Ms: number; p99Ms: number; maxMs: number };
}

/**
 * One engine daemon holding up to `steps.at(-1)` running tasks with HTTP health checks every 10 s
 * (busybox httpd, so the machine holds thousands), measured at 0 and at each step: API latency,
 * RSS, idle CPU of the daemon (all its threads) and its event loop's lag over an idle window.
 * First, deploying `burst` new instances until all are healthy, against starting the same
 * servers directly. At `observeAt` tasks, measured again with two dashboard pages open and
 * Prometheus scraping, alternating with nobody watching (`observed`).
 */
export async function scaleBench(steps = [1000, 2500, 5000], burst = 1000, observeAt = 1000) {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-scale-'));
  const most = Math.max(burst, ...steps);
  const perAgent = Math.ceil(most / AGENTS) + 50;
  const agents = Array.from({ length: AGENTS }, (_, i) => ({
    id: `big-${i + 1}`,
    address: `127.0.1.${i + 1}`,
    cpus: 1000,
    mem: 1_000_000,
    disk: 1_000_000,
    ports: [20000 + i * perAgent, 20000 + (i + 1) * perAgent - 1],
  }));
  const settings = { ...resolveSettings({ stateDir, agents }), port: await freePort('127.0.0.1') };
  process.env.BATON_DNS ??= '127.0.3.1:0';

  // The baseline first, on the same addresses and ports, before any engine runs.
  progress(`scale: starting ${burst} servers directly (the baseline)`);
  const direct = await directLaunch(
    Array.from({ length: burst }, (_, k) => ({
      address: agents[k % AGENTS].address,
      port: agents[k % AGENTS].ports[0] + Math.floor(k / AGENTS),
    })),
    stateDir,
  );

  const { url } = await ensureEngine(settings);
  const pid = (await runningEngine(stateDir))!.pid;
  const points: ScalePoint[] = [];
  let observed: { watched: ScalePoint[]; unwatched: ScalePoint[] } | undefined;
  const waitHealthy = async (prefix: string, want: number) => {
    const t0 = performance.now();
    let last = 0;
    for (;;) {
      const n = await healthyCount(url, prefix);
      if (n >= want) return (performance.now() - t0) / 1000;
      if (performance.now() - t0 > 600_000) throw new Error(`only ${n} of ${want} healthy after 10 minutes`);
      if (performance.now() - last > 10_000) {
        progress(`scale: ${n} of ${want} healthy`);
        last = performance.now();
      }
      await sleep(250);
    }
  };
  const measure = async (tasks: number, into: ScalePoint[] = points) => {
    progress(`scale: measuring at ${tasks} tasks (API latency, then ${IDLE_S} s idle)`);
    await sleep(3000); // let the last probes and refreshes settle
    const api = await apiLatency(url, 100);
    await fetch(`${url}/baton/v1/status?reset=eventLoop`);
    const a = await proc(pid);
    await sleep(IDLE_S * 1000);
    const b = await proc(pid);
    const { eventLoop } = (await (await fetch(`${url}/baton/v1/status?reset=eventLoop`)).json()) as {
      eventLoop: ScalePoint['loop'];
    };
    into.push({
      tasks,
      api,
      rssMb: b.rssMb,
      idleCpuPct: round(((b.cpuS - a.cpuS) / IDLE_S) * 100, 1),
      loop: { p50Ms: eventLoop.p50Ms, p99Ms: eventLoop.p99Ms, maxMs: eventLoop.maxMs },
    });
  };
  const put = (apps: unknown[]) =>
    fetch(`${url}/v2/apps`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(apps),
    });
  const gone = async (prefix: string) => {
    for (let i = 0; i < 600; i++) {
      const { tasks } = (await (await fetch(`${url}/v2/tasks`)).json()) as { tasks: { appId: string }[] };
      if (!tasks.some((t) => t.appId.startsWith(prefix))) return;
      await sleep(500);
    }
  };
  try {
    await measure(0);
    // Burst: `burst` new instances (checks every second: the first probe comes after one) until healthy.
    progress(`scale: deploying ${burst} instances until all are healthy`);
    const t0 = performance.now();
    await put(Array.from({ length: APPS }, (_, k) => app(`/burst/app-${k}`, burst / APPS, 1)));
    await waitHealthy('/burst', burst);
    const deployed = (performance.now() - t0) / 1000;
    for (let k = 0; k < APPS; k++) await fetch(`${url}/v2/apps/burst/app-${k}?force=true`, { method: 'DELETE' });
    await gone('/burst');
    for (const n of steps) {
      progress(`scale: scaling to ${n} tasks`);
      await put(Array.from({ length: APPS }, (_, k) => app(`/scale/app-${k}`, n / APPS, 10)));
      await waitHealthy('/scale', n);
      await measure(n);
      if (n === observeAt) {
        // One 20 s window moves by a quarter from the next on this machine, more than the effect
        // sought (≤ 10 %): watched and unwatched windows alternate, compared by their medians.
        observed = { watched: [], unwatched: [points.at(-1)!] };
        for (let pass = 1; pass <= OBSERVED_ROUNDS; pass++) {
          progress(
            `scale: at ${n} tasks with two dashboard pages open and Prometheus scraping every 5 s (${pass} of ${OBSERVED_ROUNDS})`,
          );
          const observers = await startObservers(url);
          try {
            await measure(n, observed.watched);
          } finally {
            await observers.close();
          }
          if (pass < OBSERVED_ROUNDS) await measure(n, observed.unwatched);
        }
      }
    }
    return { points, observed, burst: { instances: burst, directS: round(direct, 1), batonS: round(deployed, 1) } };
  } finally {
    progress('scale: removing the tasks');
    for (const prefix of ['/burst', '/scale'])
      for (let k = 0; k < APPS; k++)
        await fetch(`${url}/v2/apps${prefix}/app-${k}?force=true`, { method: 'DELETE' }).catch(() => undefined);
    await gone('/').catch(() => undefined);
    await stopEngine(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  }
}
