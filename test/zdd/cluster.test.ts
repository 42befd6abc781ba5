import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/net.js';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { EXIT } from '../../core/index.js';
import { batonAsync } from '../helpers/cli.js';
import { serverCmd, until } from '../helpers/engine.js';

/**
 * Blue-green on "a real cluster": Baton sees only Marathon's /v2 API (a proxy in front of the
 * engine that answers 404 to everything else, as Marathon would) and the stats page of a
 * marathon-lb (the engine's real HAProxy, whose configuration is marathon-lb's), given as
 * BATON_MARATHON_LB_STATS — no traffic API. zdd.py's way: drain by instance counts, read HAProxy's CSV.
 */
describe('blue-green against a Marathon + marathon-lb cluster (stats URLs, no traffic API)', () => {
  let t: TestRunner;
  let marathon: http.Server;
  let url = '';
  let stats = '';
  let servicePort: number;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-cluster-'));
  beforeAll(async () => {
    const ports = [await freePort('127.0.2.1'), await freePort('127.0.2.1'), await freePort('127.0.0.1'), await freePort('127.0.2.1')];
    servicePort = await freePort('127.0.2.1');
    process.env.BATON_LB_PORTS = ports.join(',');
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
    stats = `http://127.0.0.1:${ports[2]}/haproxy?stats`;
    // A cluster's marathon-lb runs before our deploy; the engine's starts with its first service.
    await t.api('POST', '/v2/apps', { id: '/lb-keeper', cmd: serverCmd(), cpus: 0.01, mem: 32, instances: 1, portDefinitions: [{ port: await freePort('127.0.2.1') }], labels: { HAPROXY_GROUP: 'external' } });
    await until(() => fetch(stats).then((r) => r.ok, () => false), 20_000, "marathon-lb's stats page");
    // Only Marathon's API passes; Baton's engine extensions are not there on a cluster.
    marathon = http.createServer((req, res) => {
      if (!req.url?.startsWith('/v2/')) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      const up = http.request(`${t.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => marathon.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(marathon.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => marathon?.close(r));
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const recipe = (release: string, strategy: Record<string, unknown>) => {
    const f = path.join(dir, `shop-${release}.json`);
    writeFileSync(f, JSON.stringify({
      name: 'cluster-shop', strategies: { '/cshop': strategy },
      apps: [{
        id: '/cshop', cmd: serverCmd('GRACEFUL_TERM=1'), cpus: 0.02, mem: 32, instances: 3, env: { RELEASE: release },
        portDefinitions: [{ port: servicePort }],
        labels: { HAPROXY_GROUP: 'external', HAPROXY_DEPLOYMENT_GROUP: 'cshop', HAPROXY_DEPLOYMENT_ALT_PORT: String(servicePort + 1) },
        healthChecks: [{ protocol: 'HTTP', path: '/health', gracePeriodSeconds: 5, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3 }],
      }],
    }));
    return f;
  };
  const blueGreen = { type: 'blue-green', stepDelaySeconds: 0.5, drainTimeoutSeconds: 20 };
  const cli = (args: string[], env: Record<string, string> = {}) =>
    batonAsync(args, { env: { BATON_MARATHON_URL: url, BATON_MARATHON_LB_STATS: stats, BATON_STATE_DIR: path.join(dir, 'no-engine'), ...env } });
  const get = () => new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.2.1', port: servicePort, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
  const appIds = async () => (await t.api<{ apps: { id: string }[] }>('GET', '/v2/apps')).body.apps.map((a) => a.id).filter((id) => id !== '/lb-keeper').sort();

  it('without stats URLs the cluster has no traffic API: blue-green is refused before anything changes (exit 2)', async () => {
    const r = await cli(['deploy', recipe('1', blueGreen)], { BATON_MARATHON_LB_STATS: '' });
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toMatch(/traffic API/);
    expect(await appIds()).toEqual([]);
  }, 60_000);

  it('blue, then green replaces blue under load with no failed request; a canary is refused (exit 2)', async () => {
    const first = await cli(['deploy', recipe('1', blueGreen)]);
    expect(first.code, first.stderr).toBe(EXIT.OK);
    await until(async () => (await get().catch(() => '')).startsWith('ok cshop-blue.'), 20_000, 'blue served');

    let stop = false;
    const failures: string[] = [];
    const colours = new Set<string>();
    const worker = async () => {
      for (let k = 0; k < 10_000 && !stop; k++) {
        await new Promise((w) => setTimeout(w, 5));
        try {
          colours.add(/cshop-(blue|green)/.exec(await get())?.[1] ?? 'other');
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const load = Promise.all([worker(), worker()]);
    const second = await cli(['deploy', recipe('2', blueGreen)]);
    stop = true;
    await load;
    expect(second.code, second.stderr).toBe(EXIT.OK);
    expect(failures).toEqual([]);
    expect([...colours].sort()).toEqual(['blue', 'green']);
    expect(await appIds()).toEqual(['/cshop-green']);

    const canary = await cli(['deploy', recipe('3', { type: 'canary', steps: [{ weight: 10, pauseSeconds: 1 }], drainTimeoutSeconds: 10 })]);
    expect(canary.code).toBe(EXIT.INVALID_INPUT);
    expect(canary.stderr).toMatch(/canary deploys set traffic weights/);
    expect(await appIds()).toEqual(['/cshop-green']);
  }, 180_000);
});
