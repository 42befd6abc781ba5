import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureEngine, runningEngine, stopEngine } from '../plugins/engine/daemon.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import { freePort } from './net.js';
import { percentile, round } from './stats.js';

const APPS = 10;
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** RSS (MB) and cumulated CPU seconds of a process, from /proc. */
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

/**
 * One engine daemon holding `total` running tasks with HTTP health checks (busybox httpd, so the
 * machine can hold a thousand): API latency, memory and idle CPU at 0, half and all of them.
 */
export async function scaleBench(total = 1000) {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-scale-'));
  const perAgent = Math.ceil(total / 4) + 50;
  const agents = [0, 1, 2, 3].map((i) => ({
    id: `big-${i + 1}`,
    address: `127.0.1.${i + 1}`,
    cpus: 1000,
    mem: 1_000_000,
    disk: 1_000_000,
    ports: [20000 + i * perAgent, 20000 + (i + 1) * perAgent - 1],
  }));
  const settings = { ...resolveSettings({ stateDir, agents }), port: await freePort('127.0.0.1') };
  process.env.BATON_DNS ??= '127.0.3.1:0';
  const { url } = await ensureEngine(settings);
  const pid = (await runningEngine(stateDir))!.pid;
  const points: {
    tasks: number;
    api: Awaited<ReturnType<typeof apiLatency>>;
    rssMb: number;
    idleCpuPct: number;
    launchS?: number;
  }[] = [];
  const measure = async (tasks: number, launchS?: number) => {
    await sleep(3000); // let launches and first probes settle
    const api = await apiLatency(url, 100);
    const a = await proc(pid);
    await sleep(10_000);
    const b = await proc(pid);
    points.push({
      tasks,
      api,
      rssMb: b.rssMb,
      idleCpuPct: round(((b.cpuS - a.cpuS) / 10) * 100, 1),
      ...(launchS !== undefined ? { launchS } : {}),
    });
  };
  const deploy = async (perApp: number) => {
    const t0 = performance.now();
    await fetch(`${url}/v2/apps`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        Array.from({ length: APPS }, (_, k) => ({
          id: `/scale/app-${k}`,
          cmd: 'echo ok > index.html; exec busybox httpd -f -p $HOST:$PORT0 -h .',
          cpus: 0.01,
          mem: 16,
          instances: perApp,
          healthChecks: [
            {
              protocol: 'HTTP',
              path: '/',
              gracePeriodSeconds: 60,
              intervalSeconds: 10,
              timeoutSeconds: 5,
              maxConsecutiveFailures: 3,
            },
          ],
        })),
      ),
    });
    const want = perApp * APPS;
    for (let i = 0; ; i++) {
      const apps = ((await (await fetch(`${url}/v2/apps`)).json()) as { apps: { tasksHealthy: number }[] }).apps;
      if (apps.reduce((n, x) => n + x.tasksHealthy, 0) >= want) break;
      if (i > 600)
        throw new Error(
          `only ${apps.reduce((n, x) => n + x.tasksHealthy, 0)} of ${want} tasks healthy after 10 minutes`,
        );
      await sleep(1000);
    }
    return round((performance.now() - t0) / 1000, 1);
  };
  try {
    await measure(0);
    await measure(total / 2, await deploy(total / 2 / APPS));
    await measure(total, await deploy(total / APPS));
    return { total, points };
  } finally {
    for (let k = 0; k < APPS; k++)
      await fetch(`${url}/v2/apps/scale/app-${k}?force=true`, { method: 'DELETE' }).catch(() => undefined);
    for (let i = 0; i < 300; i++) {
      const tasks = (
        (await (await fetch(`${url}/v2/tasks`).catch(() => undefined))?.json().catch(() => undefined)) as
          { tasks?: unknown[] } | undefined
      )?.tasks;
      if (!tasks || tasks.length === 0) break;
      await sleep(500);
    }
    await stopEngine(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  }
}
