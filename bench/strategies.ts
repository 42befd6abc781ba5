import http from 'node:http';
import path from 'node:path';
import { PACKAGE_ROOT } from '../core/index.js';
import { createTestRunner } from '../bin/testing.js';
import { freePort } from './net.js';
import { percentile, round } from './stats.js';

const SERVER = path.join(PACKAGE_ROOT, 'test/fixtures/server.mjs');
const MIN_REQUESTS = 20_000;
const CONCURRENCY = 8;

/** Closed-loop keep-alive load on one HAProxy port: counts 2xx, other statuses and connection errors; latencies. */
function load(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const r = { ok: 0, non2xx: 0, errors: 0, lat: [] as number[], stop: false, errorKinds: new Map<string, number>() };
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.get({ host: '127.0.2.1', port, path: '/', agent, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => {
          r.lat.push(performance.now() - t0);
          if (res.statusCode! >= 200 && res.statusCode! < 300) r.ok++;
          else {
            r.non2xx++;
            r.errorKinds.set(`HTTP ${res.statusCode}`, (r.errorKinds.get(`HTTP ${res.statusCode}`) ?? 0) + 1);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        r.errors++;
        r.errorKinds.set(err.code ?? err.message, (r.errorKinds.get(err.code ?? err.message) ?? 0) + 1);
        resolve();
      });
    });
  const end = Date.now() + 300_000; // bounded: 5 minutes, 500k requests at most
  const worker = async () => {
    while (
      (!r.stop || r.ok + r.non2xx + r.errors < MIN_REQUESTS) &&
      Date.now() < end &&
      r.lat.length + r.errors < 500_000
    )
      await one();
  };
  const done = Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(() => agent.destroy());
  return { r, done };
}

/**
 * Failed requests during each strategy, through real HAProxy on the embedded engine: a steady
 * keep-alive load (≥ 20,000 requests, 8 connections) while a rolling, a blue-green and a canary
 * deploy run, and while HAProxy reloads (a scale). Baseline: the same load with nothing changing.
 */
export async function strategiesBench() {
  process.env.BATON_LB_PORTS = `${await freePort('127.0.2.1')},${await freePort('127.0.2.1')},${await freePort('127.0.0.1')},${await freePort('127.0.2.1')}`;
  process.env.BATON_DNS ??= '127.0.3.1:0';
  const t = await createTestRunner();
  const rows: {
    scenario: string;
    requests: number;
    non2xx: number;
    errors: number;
    p50: number;
    p99: number;
    seconds: number;
    errorKinds: Record<string, number>;
  }[] = [];
  try {
    const port = await freePort('127.0.2.1');
    const app = (id: string, release: string, servicePort: number, labels: Record<string, string> = {}) => ({
      id,
      cmd: `GRACEFUL_TERM=1 exec ${process.execPath} ${SERVER}`,
      cpus: 0.02,
      mem: 32,
      instances: 3,
      env: { RELEASE: release },
      portDefinitions: [{ port: servicePort }],
      labels: { HAPROXY_GROUP: 'external', ...labels },
      healthChecks: [
        {
          protocol: 'HTTP',
          path: '/health',
          gracePeriodSeconds: 5,
          intervalSeconds: 1,
          timeoutSeconds: 1,
          maxConsecutiveFailures: 3,
        },
      ],
    });
    const zdd = { HAPROXY_DEPLOYMENT_GROUP: 'bench', HAPROXY_DEPLOYMENT_ALT_PORT: String(port + 1) };
    const rollingPort = await freePort('127.0.2.1');
    const recipes = {
      rolling: (rel: string) => ({ name: 'bench-rolling', apps: [app('/rolling', rel, rollingPort)] }),
      'blue-green': (rel: string) => ({
        name: 'bench-zdd',
        apps: [app('/bench', rel, port, zdd)],
        strategies: { '/bench': { type: 'blue-green', stepDelaySeconds: 0.5 } },
      }),
      canary: (rel: string) => ({
        name: 'bench-zdd',
        apps: [app('/bench', rel, port, zdd)],
        strategies: {
          '/bench': {
            type: 'canary',
            steps: [
              { weight: 10, pauseSeconds: 3 },
              { weight: 50, pauseSeconds: 3 },
            ],
            analysis: { intervalSeconds: 0.5, maxErrorRate: 0.01, minRequests: 10 },
          },
        },
      }),
    };
    for (const r of [recipes.rolling('1'), recipes['blue-green']('1')]) {
      const d = await t.deploy(r);
      if (!d.ok) throw new Error(`bench setup: ${d.error?.message}`);
    }
    await new Promise((r) => setTimeout(r, 3000)); // every server UP in HAProxy
    const measure = async (scenario: string, servicePort: number, during: () => Promise<unknown>) => {
      const t0 = Date.now();
      const l = load(servicePort);
      await during();
      l.r.stop = true;
      await l.done;
      rows.push({
        scenario,
        requests: l.r.ok + l.r.non2xx + l.r.errors,
        non2xx: l.r.non2xx,
        errors: l.r.errors,
        p50: round(percentile(l.r.lat, 50), 2),
        p99: round(percentile(l.r.lat, 99), 2),
        seconds: round((Date.now() - t0) / 1000, 1),
        errorKinds: Object.fromEntries(l.r.errorKinds),
      });
    };
    const deploy = async (recipe: Record<string, unknown>) => {
      const d = await t.deploy(recipe);
      if (!d.ok) throw new Error(`${String(recipe.name)}: ${d.error?.message}`);
    };
    await measure('steady (nothing changes)', port, async () => undefined);
    await measure('rolling upgrade', rollingPort, () => deploy(recipes.rolling('2')));
    await measure('blue-green', port, () => deploy(recipes['blue-green']('2')));
    await measure('canary 10 % → 50 % → 100 %', port, () => deploy(recipes.canary('3')));
    await measure('HAProxy reloads (scale 3 → 5 → 3)', port, async () => {
      const id = (await t.api<{ apps: { id: string }[] }>('GET', '/v2/apps')).body.apps.find((a) =>
        a.id.startsWith('/bench-'),
      )!.id;
      for (const n of [5, 3]) {
        await t.api('PUT', `/v2/apps${id}`, { instances: n });
        await new Promise((r) => setTimeout(r, 4000));
      }
    });
  } finally {
    await t.close();
  }
  return rows;
}
