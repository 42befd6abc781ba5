import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { EXIT } from '../../core/index.js';
import { batonAsync } from '../helpers/cli.js';
import { serverCmd, until } from '../helpers/engine.js';

/**
 * Blue-green and canary on "a real cluster": Baton sees only Marathon's /v2 API (a proxy in front of the
 * engine that answers 404 to everything else, as Marathon would) and the stats page of a
 * marathon-lb (the engine's real HAProxy, whose configuration is marathon-lb's), given as
 * BATON_MARATHON_LB_STATS — no traffic API. zdd.py's way: drain by instance counts, read HAProxy's CSV;
 * a canary is zdd's hybrid split, step by step.
 */
describe('blue-green and canary against a Marathon + marathon-lb cluster (stats URLs, no traffic API)', () => {
  let t: TestRunner;
  let marathon: http.Server;
  let url = '';
  let stats = '';
  let servicePort: number;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-cluster-'));
  beforeAll(async () => {
    const ports = [
      await freePort('127.0.2.1'),
      await freePort('127.0.2.1'),
      await freePort('127.0.0.1'),
      await freePort('127.0.2.1'),
    ];
    servicePort = await freePort('127.0.2.1');
    process.env.BATON_LB_PORTS = ports.join(',');
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
    stats = `http://127.0.0.1:${ports[2]}/haproxy?stats`;
    // A cluster's marathon-lb runs before our deploy; the engine's starts with its first service.
    await t.api('POST', '/v2/apps', {
      id: '/lb-keeper',
      cmd: serverCmd(),
      cpus: 0.01,
      mem: 32,
      instances: 1,
      portDefinitions: [{ port: await freePort('127.0.2.1') }],
      labels: { HAPROXY_GROUP: 'external' },
    });
    await until(
      () =>
        fetch(stats).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
      "marathon-lb's stats page",
    );
    // Only Marathon's API passes; Baton's engine extensions are not there on a cluster.
    marathon = http.createServer((req, res) => {
      if (!req.url?.startsWith('/v2/'))
        return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
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

  const recipe = (release: string, strategy: Record<string, unknown>, env: Record<string, string> = {}) => {
    const f = path.join(dir, `shop-${release}.json`);
    writeFileSync(
      f,
      JSON.stringify({
        name: 'cluster-shop',
        strategies: { '/cshop': strategy },
        apps: [
          {
            id: '/cshop',
            cmd: serverCmd('GRACEFUL_TERM=1'),
            cpus: 0.02,
            mem: 32,
            instances: 3,
            env: { RELEASE: release, ...env },
            portDefinitions: [{ port: servicePort }],
            labels: {
              HAPROXY_GROUP: 'external',
              HAPROXY_DEPLOYMENT_GROUP: 'cshop',
              HAPROXY_DEPLOYMENT_ALT_PORT: String(servicePort + 1),
            },
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
          },
        ],
      }),
    );
    return f;
  };
  const blueGreen = { type: 'blue-green', stepDelaySeconds: 0.5, drainTimeoutSeconds: 20 };
  const cli = (args: string[], env: Record<string, string> = {}) =>
    batonAsync(args, {
      env: {
        BATON_MARATHON_URL: url,
        BATON_MARATHON_LB_STATS: stats,
        BATON_STATE_DIR: path.join(dir, 'no-engine'),
        ...env,
      },
    });
  const get = () =>
    new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.2.1', port: servicePort, path: '/', agent: false, timeout: 3000 }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  const appIds = async () =>
    (await t.api<{ apps: { id: string }[] }>('GET', '/v2/apps')).body.apps
      .map((a) => a.id)
      .filter((id) => id !== '/lb-keeper')
      .sort();

  /** Two workers sending requests (bounded) until stopped: answers per colour, failures. */
  const load = () => {
    const l = {
      stop: false,
      failures: [] as string[],
      byColour: new Map<string, number>(),
      done: Promise.resolve() as Promise<unknown>,
    };
    const worker = async () => {
      for (let k = 0; k < 20_000 && !l.stop; k++) {
        await new Promise((w) => setTimeout(w, 5));
        try {
          const c = /cshop-(blue|green)/.exec(await get())?.[1] ?? 'other';
          l.byColour.set(c, (l.byColour.get(c) ?? 0) + 1);
        } catch (err) {
          l.failures.push((err as Error).message);
        }
      }
    };
    l.done = Promise.all([worker(), worker()]);
    return l;
  };

  it('without stats URLs the cluster has no traffic API: blue-green is refused before anything changes (exit 2)', async () => {
    const r = await cli(['deploy', recipe('1', blueGreen)], { BATON_MARATHON_LB_STATS: '' });
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toMatch(/traffic API/);
    expect(await appIds()).toEqual([]);
  }, 60_000);

  it('blue, then green replaces blue under load with no failed request', async () => {
    const first = await cli(['deploy', recipe('1', blueGreen)]);
    expect(first.code, first.stderr).toBe(EXIT.OK);
    await until(async () => (await get().catch(() => '')).startsWith('ok cshop-blue.'), 20_000, 'blue served');

    const l = load();
    const second = await cli(['deploy', recipe('2', blueGreen)]);
    l.stop = true;
    await l.done;
    expect(second.code, second.stderr).toBe(EXIT.OK);
    expect(l.failures).toEqual([]);
    expect([...l.byColour.keys()].sort()).toEqual(['blue', 'green']);
    expect(await appIds()).toEqual(['/cshop-green']);
  }, 180_000);

  // marathon-lb has no weights: a canary is zdd's hybrid split, k of the target's instances.
  const canary = (steps: Record<string, unknown>[]) => ({
    type: 'canary',
    steps,
    analysis: { intervalSeconds: 0.5, maxErrorRate: 0.05, minRequests: 5 },
    drainTimeoutSeconds: 20,
  });
  const instances = async () =>
    Object.fromEntries(
      (await t.api<{ apps: { id: string; instances: number }[] }>('GET', '/v2/apps')).body.apps
        .filter((a) => a.id !== '/lb-keeper')
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((a) => [a.id, a.instances]),
    );

  /** The live colour and the one a deploy adds next (zdd: blue → green, green → blue). */
  const colours = async () => {
    const live = Object.keys(await instances());
    expect(live).toHaveLength(1);
    const stable = live[0].replace('/cshop-', '');
    return { stable, canary: stable === 'blue' ? 'green' : 'blue' };
  };
  const hybrid = (c: { stable: string; canary: string }, stable: number, canary: number) => async () =>
    JSON.stringify(await instances()) ===
    JSON.stringify(
      Object.fromEntries(
        [
          [`/cshop-${c.stable}`, stable],
          [`/cshop-${c.canary}`, canary],
        ].sort(),
      ),
    );

  it('a canary by instance count: 1 of 3 instances during its step, stable shrunk by one, then promoted — no failed request', async () => {
    const c = await colours();
    const plan = await cli(['plan', recipe('3', canary([{ weight: 30, pauseSeconds: 5 }]))]);
    expect(plan.stdout, plan.stderr).toContain(`canary: /cshop-${c.canary} at 1/3 instances for 5s → 3/3`);
    const l = load();
    const deploy = cli(['deploy', recipe('3', canary([{ weight: 30, pauseSeconds: 5 }]))]);
    await until(hybrid(c, 2, 1), 60_000, 'the hybrid step (2 stable, 1 canary)');
    // The step is on once the stable task killed for it is gone and marathon-lb serves the canary.
    await until(
      async () => (await get().catch(() => '')).startsWith(`ok cshop-${c.canary}.`),
      10_000,
      'the canary served',
    );
    const before = new Map(l.byColour);
    await new Promise((r) => setTimeout(r, 2000));
    const canaryHits = (l.byColour.get(c.canary) ?? 0) - (before.get(c.canary) ?? 0);
    const stableHits = (l.byColour.get(c.stable) ?? 0) - (before.get(c.stable) ?? 0);
    const r = await deploy;
    l.stop = true;
    await l.done;
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/step 1\/1: 1 of 3 instance\(s\) \(33 % by count, asked 30 %\)/);
    expect(l.failures).toEqual([]);
    // Roundrobin over 1 canary and 2 stable servers: about a third each way.
    expect(canaryHits + stableHits).toBeGreaterThan(50);
    expect(canaryHits / (canaryHits + stableHits)).toBeGreaterThan(0.2);
    expect(canaryHits / (canaryHits + stableHits)).toBeLessThan(0.5);
    expect(await instances()).toEqual({ [`/cshop-${c.canary}`]: 3 });
  }, 180_000);

  it('a canary that answers 500 fails its analysis; the stable colour grows back and serves every request (exit 4)', async () => {
    const c = await colours();
    const l = load();
    const r = await cli(['deploy', recipe('4', canary([{ weight: 30, pauseSeconds: 60 }]), { ROOT_STATUS: '500' })]);
    l.stop = true;
    await l.done;
    expect(r.code, r.stderr).toBe(EXIT.ROLLED_BACK);
    expect(l.failures.length).toBeGreaterThan(0); // the canary did fail some users before it was judged
    expect(new Set(l.failures)).toEqual(new Set(['HTTP 500']));
    expect(r.stderr).toMatch(/analysis failed at 30 %: error rate/);
    expect(await instances()).toEqual({ [`/cshop-${c.stable}`]: 3 });
    const after: string[] = [];
    for (let k = 0; k < 20; k++)
      after.push(
        await get().then(
          (b) => b.split('.')[0],
          (e: Error) => e.message,
        ),
      );
    expect(after).toEqual(Array(20).fill(`ok cshop-${c.stable}`));
  }, 180_000);

  /**
   * A canary deploy with a step that waits, under load once the step is on, and `baton <action>`
   * from another process: what the action and the deploy said, and the load's failures.
   */
  const operator = async (release: string, action: 'abort' | 'promote') => {
    const c = await colours();
    const deploy = cli(['deploy', recipe(release, canary([{ weight: 30 }]))]);
    await until(hybrid(c, 2, 1), 60_000, 'the hybrid step (2 stable, 1 canary)');
    await until(
      async () => (await get().catch(() => '')).startsWith(`ok cshop-${c.canary}.`),
      10_000,
      'the canary served',
    );
    const l = load();
    const a = await cli([action, '/cshop']);
    const r = await deploy;
    l.stop = true;
    await l.done;
    return { c, a, r, failures: l.failures };
  };

  it('a step without a pause waits; `baton abort` from another process undoes the canary and the deploy says so', async () => {
    const { c, a, r, failures } = await operator('5', 'abort');
    expect(a.code, a.stderr).toBe(EXIT.OK);
    expect(a.stdout).toContain(`back on /cshop-${c.stable}; /cshop-${c.canary} removed`);
    expect(r.code).not.toBe(EXIT.OK);
    expect(r.stderr).toMatch(/aborted by an operator/);
    expect(failures).toEqual([]);
    expect(await instances()).toEqual({ [`/cshop-${c.stable}`]: 3 });
  }, 180_000);

  it('`baton promote` from another process finishes a waiting canary: the stable colour drains and goes, the deploy succeeds', async () => {
    const { c, a: p, r, failures } = await operator('6', 'promote');
    expect(p.code, p.stderr).toBe(EXIT.OK);
    expect(p.stdout).toContain(`/cshop-${c.canary} serves it; /cshop-${c.stable} removed`);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/promoted by an operator/);
    expect(failures).toEqual([]);
    expect(await instances()).toEqual({ [`/cshop-${c.canary}`]: 3 });
  }, 180_000);
});
