import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { batonAsync } from '../helpers/cli.js';
import { serverCmd, until } from '../helpers/engine.js';

type Group = {
  split: { app: string; percent: number } | null;
  servers: { appId: string; status: string; weight: number }[];
};

/** Blue-green and canary deploys through marathon-lb on real HAProxy, under a bounded load on loopback. */
describe('zdd strategies on the embedded engine (real HAProxy)', () => {
  let t: TestRunner;
  let servicePort: number;
  let altPort: number;
  beforeAll(async () => {
    const ports = [
      await freePort('127.0.2.1'),
      await freePort('127.0.2.1'),
      await freePort('127.0.0.1'),
      await freePort('127.0.2.1'),
    ];
    servicePort = await freePort('127.0.2.1');
    altPort = servicePort + 1;
    process.env.BATON_LB_PORTS = ports.join(',');
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());

  const app = (release: string, env: Record<string, string> = {}) => ({
    id: '/shop',
    cmd: serverCmd('GRACEFUL_TERM=1'),
    cpus: 0.02,
    mem: 32,
    instances: 3,
    env: { RELEASE: release, ...env },
    portDefinitions: [{ port: servicePort }],
    labels: {
      HAPROXY_GROUP: 'external',
      HAPROXY_DEPLOYMENT_GROUP: 'shop',
      HAPROXY_DEPLOYMENT_ALT_PORT: String(altPort),
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
  });
  const recipe = (release: string, strategy: Record<string, unknown>, env: Record<string, string> = {}) => ({
    name: 'zdd-demo',
    apps: [app(release, env)],
    strategies: { '/shop': strategy },
  });
  const blueGreen = { type: 'blue-green', stepDelaySeconds: 0.5, drainTimeoutSeconds: 20 };

  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.2.1', port: servicePort, path: '/', agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  /** Two workers of paced sequential requests until stopped (bounded: 10,000 requests and 3 minutes each). */
  const load = () => {
    const r = {
      ok: 0,
      failures: [] as string[],
      byColour: new Map<string, number>(),
      stop: false,
      done: Promise.resolve(),
    };
    const worker = async () => {
      const end = Date.now() + 180_000;
      for (let k = 0; k < 10_000 && !r.stop && Date.now() < end; k++) {
        await new Promise((w) => setTimeout(w, 5));
        try {
          const x = await get();
          if (x.status === 200) r.ok++;
          else r.failures.push(`HTTP ${x.status}`);
          const colour = /shop-(blue|green)/.exec(x.body)?.[1] ?? 'other';
          r.byColour.set(colour, (r.byColour.get(colour) ?? 0) + 1);
        } catch (err) {
          r.failures.push(String((err as Error).message));
        }
      }
    };
    r.done = Promise.all([worker(), worker()]).then(() => undefined);
    return r;
  };
  const appIds = async () =>
    (await t.api<{ apps: { id: string }[] }>('GET', '/v2/apps')).body.apps.map((a) => a.id).sort();
  const group = async () => (await t.api<Group>('GET', '/baton/v1/x/marathon-lb/groups/shop')).body;
  const upServers = async (n: number) =>
    until(async () => (await group()).servers.filter((s) => s.status === 'UP').length === n, 20_000, `${n} servers UP`);

  it('the first deploy creates the blue colour, served on the service port by marathon-lb', async () => {
    const r = await t.deploy(recipe('1', blueGreen));
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(await appIds()).toEqual(['/shop-blue']);
    await upServers(3);
    expect((await get()).body).toMatch(/^ok shop-blue\./);
  }, 60_000);

  it('plan compares the recipe with the live colour and says how it will deploy', async () => {
    const same = await t.plan(recipe('1', blueGreen));
    expect(same.ctx.plan?.changes).toEqual([expect.objectContaining({ id: '/shop', kind: 'unchanged' })]);
    const next = await t.plan(recipe('2', blueGreen));
    expect(next.ctx.plan?.changes).toEqual([
      expect.objectContaining({
        id: '/shop',
        kind: 'restart',
        fields: ['env'],
        strategy: expect.stringMatching(/^blue-green: \/shop-blue \(3\) → \/shop-green \(3\)/),
      }),
    ]);
  }, 30_000);

  it('blue-green under load: green replaces blue with no failed request', async () => {
    const l = load();
    const r = await t.deploy(recipe('2', blueGreen));
    l.stop = true;
    await l.done;
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(l.failures).toEqual([]);
    expect(l.byColour.get('blue')).toBeGreaterThan(0);
    expect(l.byColour.get('green')).toBeGreaterThan(0);
    expect(await appIds()).toEqual(['/shop-green']);
    await upServers(3);
    const g = await group();
    expect(new Set(g.servers.map((s) => s.appId))).toEqual(new Set(['/shop-green']));
  }, 120_000);

  it('a canary gets its share of the requests (weights), then is promoted', async () => {
    const canary = {
      type: 'canary',
      steps: [{ weight: 25, pauseSeconds: 8 }],
      analysis: { intervalSeconds: 0.5, maxErrorRate: 0.05, minRequests: 5 },
    };
    const l = load();
    const deploy = t.deploy(recipe('3', canary));
    // During the 25 % step: the canary colour (blue, after green) has 1 server of 4, weighted to a quarter.
    await until(async () => (await group()).split?.percent === 25, 60_000, 'the 25 % step');
    await until(
      async () => (await group()).servers.filter((s) => s.status === 'UP').length === 4,
      10_000,
      'four servers',
    );
    const before = new Map(l.byColour);
    await new Promise((r) => setTimeout(r, 3000));
    const blue = (l.byColour.get('blue') ?? 0) - (before.get('blue') ?? 0);
    const green = (l.byColour.get('green') ?? 0) - (before.get('green') ?? 0);
    const r = await deploy;
    l.stop = true;
    await l.done;
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(blue + green).toBeGreaterThan(100);
    expect(blue / (blue + green)).toBeGreaterThan(0.12);
    expect(blue / (blue + green)).toBeLessThan(0.4);
    expect(l.failures).toEqual([]);
    expect(await appIds()).toEqual(['/shop-blue']);
    expect((await group()).split).toBeNull();
  }, 120_000);

  it('a canary that answers 500 is aborted by its analysis and rolled back; traffic stays on the stable colour', async () => {
    const canary = {
      type: 'canary',
      steps: [{ weight: 50, pauseSeconds: 60 }],
      analysis: { intervalSeconds: 0.5, maxErrorRate: 0.05, minRequests: 5 },
    };
    const l = load();
    const r = await t.deploy(recipe('4', canary, { ROOT_STATUS: '500' }));
    const failedBefore = l.failures.length;
    const after: number[] = [];
    for (let k = 0; k < 20; k++) after.push((await get()).status);
    l.stop = true;
    await l.done;
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('BATON_ROLLED_BACK');
    expect(JSON.stringify(r.error)).toMatch(/analysis failed at 50 %: error rate/);
    expect(failedBefore).toBeGreaterThan(0); // the canary did fail some users before it was judged
    expect(after).toEqual(Array(20).fill(200));
    expect(await appIds()).toEqual(['/shop-blue']);
    expect((await group()).split).toBeNull();
  }, 120_000);

  it('a canary step without a pause waits for `baton promote` from another process', async () => {
    const canary = {
      type: 'canary',
      steps: [{ weight: 20 }],
      analysis: { intervalSeconds: 0.5, maxErrorRate: 0.05, minRequests: 5 },
    };
    const deploy = t.deploy(recipe('5', canary));
    await until(async () => (await group()).split?.percent === 20, 60_000, 'the 20 % step');
    const p = await batonAsync(['promote', '/shop'], { env: { BATON_STATE_DIR: t.stateDir } });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/promote handed to the running deploy/);
    const r = await deploy;
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(await appIds()).toEqual(['/shop-green']);
  }, 120_000);

  it('a blue-green release that never turns healthy hits its deadline and rolls back with no failed request', async () => {
    const l = load();
    const r = await t.deploy(recipe('6', blueGreen, { HEALTH_STATUS: '500' }), { healthyDeadlineSeconds: 8 });
    l.stop = true;
    await l.done;
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('BATON_ROLLED_BACK');
    expect(l.failures).toEqual([]);
    expect(l.ok).toBeGreaterThan(100);
    expect(await appIds()).toEqual(['/shop-green']);
    expect((await group()).split).toBeNull();
    await upServers(3);
  }, 120_000);
});
