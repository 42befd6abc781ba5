import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../core/index.js';
import { attachL4, type L4Service } from '../plugins/marathon-lb/l4.js';
import { freePort, waitAll } from './net.js';
import { percentile, round } from './stats.js';

const BACKENDS = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];

/** One GET, on a fresh connection (every request a new L4 flow) or a kept-alive one. */
function get(host: string, port: number, agent: http.Agent | false): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t0));
      })
      .on('error', reject);
  });
}

/** `total` requests, `concurrency` at a time, over `targets` in turn: requests/s and latency percentiles. */
async function load(
  targets: { host: string; port: number }[],
  total: number,
  concurrency: number,
  agent: http.Agent | false,
) {
  const lat: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const t = targets[next++ % targets.length];
        try {
          lat.push(await get(t.host, t.port, agent));
        } catch {
          failed++;
        }
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return {
    rps: round(lat.length / s, 0),
    p50: round(percentile(lat, 50), 2),
    p99: round(percentile(lat, 99), 2),
    failed,
  };
}

/**
 * A server process in a session of its own, as the engine runs tasks and HAProxy (detached): with
 * the kernel's autogroup scheduling (on by default) a session is a CPU-share unit, so a server in
 * the load generator's session would compete with it differently than one in its own — the first
 * run measured the engine's (detached) HAProxy at 0.57 of an undetached one doing the same job.
 */
function child(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
}

/**
 * Direct vs VIP vs HAProxy, in one run: three real HTTP servers on the agents' addresses; the VIP
 * as the engine serves it by default — its HAProxy data plane (plugins/marathon-lb/l4.ts, driven
 * exactly as the engine drives it, with the configuration the engine generates); the Node proxy
 * (plugins/vip/proxy.ts, the fallback without HAProxy) in its own process; and a plain HAProxy in
 * TCP mode with leastconn as the baseline. Each target gets the same bounded load in four rounds, interleaved.
 */
export async function l4Comparison(total = 2000, concurrency = 8, keepAlive = false) {
  // Persistent connections (keep-alive), as DC/OS recommends for VIPs; `false`: a new connection per request.
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 64 }) : false;
  const procs: ChildProcess[] = [];
  const stops: (() => void | Promise<void>)[] = [];
  const dirs: string[] = [];
  let planeServices: L4Service[] = [];
  try {
    const backends = [];
    for (const host of BACKENDS) {
      const port = await freePort(host);
      procs.push(
        child(process.execPath, [path.join(PACKAGE_ROOT, 'test/fixtures/server.mjs')], {
          HOST: host,
          PORT0: String(port),
        }),
      );
      backends.push({ host, port });
    }
    await waitAll(backends);

    const vip = { host: '127.0.6.249', port: await freePort('127.0.6.249') };
    const planeDir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-vip-'));
    dirs.push(planeDir);
    planeServices = [
      {
        key: `${vip.host}:${vip.port}`,
        address: vip.host,
        port: vip.port,
        backends: backends.map((b, i) => ({ ...b, active: true, taskId: `b${i}` })),
      },
    ];
    const plane = attachL4(
      { settings: { stateDir: planeDir }, onStop: (fn) => void stops.push(fn) },
      { services: () => planeServices },
    );
    await plane.refresh();

    const nodeVip = { host: '127.0.6.250', port: await freePort('127.0.6.250') };
    const vipProc = child(process.execPath, [
      path.join(PACKAGE_ROOT, 'dist/bench/vip-proxy-child.js'),
      nodeVip.host,
      String(nodeVip.port),
      JSON.stringify(backends),
    ]);
    procs.push(vipProc);

    const ha = { host: '127.0.6.251', port: await freePort('127.0.6.251') };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-haproxy-'));
    dirs.push(dir);
    writeFileSync(
      path.join(dir, 'haproxy.cfg'),
      [
        'global',
        '  maxconn 4096',
        'defaults',
        '  mode tcp',
        '  timeout connect 2s',
        '  timeout client 30s',
        '  timeout server 30s',
        'frontend vip',
        `  bind ${ha.host}:${ha.port}`,
        '  default_backend apps',
        'backend apps',
        '  balance leastconn',
        ...backends.map((b, i) => `  server s${i} ${b.host}:${b.port}`),
      ].join('\n') + '\n',
    );
    procs.push(child('haproxy', ['-f', path.join(dir, 'haproxy.cfg'), '-db']));
    await waitAll([vip, nodeVip, ha]);
    await sleep(200);

    type Round = Awaited<ReturnType<typeof load>>;
    const rounds = { direct: [] as Round[], vip: [] as Round[], nodeVip: [] as Round[], haproxy: [] as Round[] };
    const targets = { direct: backends, vip: [vip], nodeVip: [nodeVip], haproxy: [ha] };
    const order = Object.keys(rounds) as (keyof typeof rounds)[];
    for (const name of order) await load(targets[name], 300, concurrency, agent); // warm up every path once
    // Four rounds, the order rotated each round: whatever drifts (TIME_WAIT, CPU clock) favours no target.
    for (let r = 0; r < order.length; r++) {
      for (let k = 0; k < order.length; k++) {
        const name = order[(r + k) % order.length];
        rounds[name].push(await load(targets[name], total, concurrency, agent));
      }
    }
    const best = (xs: Round[]) => ({
      rps: Math.max(...xs.map((x) => x.rps)),
      p50: Math.min(...xs.map((x) => x.p50)),
      p99: Math.min(...xs.map((x) => x.p99)),
      failed: xs.reduce((n, x) => n + x.failed, 0),
    });
    return {
      total,
      concurrency,
      keepAlive,
      direct: best(rounds.direct),
      vip: best(rounds.vip),
      nodeVip: best(rounds.nodeVip),
      haproxy: best(rounds.haproxy),
      rounds,
    };
  } finally {
    if (agent) agent.destroy();
    for (const p of procs) p.kill('SIGTERM');
    planeServices = []; // nothing left to serve: stopping the "engine" stops its data plane
    for (const stop of stops) await stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
