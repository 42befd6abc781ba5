import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { serverCmd, until } from '../helpers/engine.js';

type VipStatus = {
  vips: {
    label: string;
    address: string;
    port: number;
    dnsName: string;
    backends: { taskId: string; active: boolean; open: number }[];
  }[];
};

/** DNS (Mesos-DNS names) and VIPs (L4 proxies) on a real engine, through the built-in plugins. */
describe('service discovery and VIPs on the embedded engine', () => {
  let t: TestRunner;
  let dns: Resolver;
  const vipsNow = () => (t.engine.extensions.get('vips')!() as unknown as VipStatus).vips;
  beforeAll(async () => {
    process.env.BATON_DNS = '127.0.3.1:0'; // a free port: tests run side by side
    process.env.BATON_VIP_RANGE = '127.0.5.0/24';
    t = await createTestRunner();
    const server = (t.engine.extensions.get('dns')!() as unknown as { server: string }).server;
    dns = new Resolver({ timeout: 1000, tries: 1 });
    dns.setServers([server]);
  });
  afterAll(async () => t?.close());

  const web = (instances: number) => ({
    id: '/shop/web',
    cmd: serverCmd('GRACEFUL_TERM=1'),
    cpus: 0.02,
    mem: 32,
    instances,
    portDefinitions: [{ port: 0, name: 'http', labels: { VIP_0: '/shop/web:8080' } }],
    healthChecks: [
      {
        protocol: 'HTTP',
        path: '/health',
        gracePeriodSeconds: 5,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 30,
      },
    ],
  });
  const tasks = async () =>
    (await t.api<{ tasks: { id: string; host: string; ports: number[] }[] }>('GET', '/v2/apps/shop/web/tasks')).body
      .tasks;
  const vip = () => vipsNow().find((v) => v.label === '/shop/web:8080')!;
  const get = async (path = '/') => {
    const v = vip();
    const r = await fetch(`http://${v.address}:${v.port}${path}`, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(3000),
    });
    return r.text();
  };

  it('A and SRV records for running tasks, both name forms; they follow scaling', async () => {
    expect((await t.deploy({ name: 'vip-demo', apps: [web(2)] })).ok).toBe(true);
    const ts = await tasks();
    expect((await dns.resolve4('web-shop.marathon.mesos')).sort()).toEqual([...new Set(ts.map((x) => x.host))].sort());
    expect((await dns.resolve4('web.shop.marathon.mesos')).length).toBeGreaterThan(0);
    const srv = await dns.resolveSrv('_web-shop._tcp.marathon.mesos');
    expect(srv.map((s) => s.port).sort()).toEqual(ts.map((x) => x.ports[0]).sort());
    expect((await dns.resolveSrv('_http._web-shop._tcp.marathon.mesos')).length).toBe(2);
    for (const s of srv) expect(await dns.resolve4(s.name)).toHaveLength(1); // the SRV target resolves
    expect((await t.deploy({ name: 'vip-demo', apps: [web(3)] })).ok).toBe(true);
    await until(
      async () => (await dns.resolveSrv('_web-shop._tcp.marathon.mesos')).length === 3,
      5000,
      'SRV to follow the scale-up',
    );
    await expect(dns.resolve4('nothing.marathon.mesos')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(dns.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
  }, 60_000);

  it('a named VIP gets a loopback address, resolves by its l4lb name and spreads connections', async () => {
    const v = vip();
    expect(v.address).toMatch(/^127\.0\.5\.\d+$/);
    expect(v.dnsName).toBe('shopweb.marathon.l4lb.thisdcos.directory');
    expect(await dns.resolve4(v.dnsName)).toEqual([v.address]);
    const seen = new Set<string>();
    for (let k = 0; k < 30; k++) seen.add((await get()).split(' ')[1]);
    expect(seen.size).toBe(3);
  }, 30_000);

  it('an unhealthy backend leaves the rotation; a killed one too', async () => {
    const [sick, doomed] = await tasks();
    await fetch(`http://${sick.host}:${sick.ports[0]}/fail`, { method: 'POST' });
    await until(
      () => vip().backends.some((b) => b.taskId === sick.id && !b.active),
      5000,
      'the sick backend to be drained',
    );
    const after = new Set<string>();
    for (let k = 0; k < 20; k++) after.add((await get()).split(' ')[1]);
    expect(after.has(sick.id)).toBe(false);
    await fetch(`http://${sick.host}:${sick.ports[0]}/heal`, { method: 'POST' });
    await t.api('DELETE', `/v2/apps/shop/web/tasks/${doomed.id}`);
    await until(
      () => !vip().backends.some((b) => b.taskId === doomed.id && b.active),
      5000,
      'the killed backend to leave',
    );
    const later = new Set<string>();
    for (let k = 0; k < 20; k++) later.add((await get()).split(' ')[1]);
    expect(later.has(doomed.id)).toBe(false);
  }, 30_000);

  it('no failed request through the VIP while scaling 3 → 1 → 3 under a bounded load', async () => {
    await until(async () => vip().backends.filter((b) => b.active).length === 3, 15_000, '3 healthy backends');
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const worker = async () => {
      for (let k = 0; k < 150 && !stop; k++) {
        try {
          if ((await get()).startsWith('ok ')) ok++;
          else failures.push('unexpected answer');
        } catch (err) {
          failures.push(String((err as Error).cause ?? err));
        }
      }
    };
    const load = Promise.all([worker(), worker(), worker()]);
    expect((await t.deploy({ name: 'vip-demo', apps: [web(1)] })).ok).toBe(true);
    expect((await t.deploy({ name: 'vip-demo', apps: [web(3)] })).ok).toBe(true);
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
  }, 60_000);
});
