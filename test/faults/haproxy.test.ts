import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEngine, runningEngine, stopEngine } from '../../plugins/engine/daemon.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { pidAlive, serverCmd, until } from '../helpers/engine.js';
import { endLeftovers } from '../helpers/leftovers.js';
import { freePort } from '../helpers/net.js';

type Status = {
  extensions: {
    'marathon-lb': { pid: number | null; restarts: number; summary: string[] };
    vips: { summary: string[]; vips: { address: string; port: number; backends: { active: boolean }[] }[] };
  };
};

/** The worker processes of an HAProxy master (its children). */
const workersOf = (master: number) =>
  readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

/**
 * HAProxy dies under the engine — marathon-lb's and the VIP data plane's, the master or its worker
 * (a master in master-worker mode exits when its worker dies): the engine sees it and starts it
 * again with the current configuration within 2 s, traffic flows again, and the restarts show in
 * the status and the metrics. Also for an HAProxy the engine adopted (not its child).
 */
describe('HAProxy killed', () => {
  let stateDir: string;
  let settings: ReturnType<typeof resolveSettings>;
  let url = '';
  let servicePort = 0;
  const saved = { BATON_LB_PORTS: process.env.BATON_LB_PORTS, BATON_VIP_RANGE: process.env.BATON_VIP_RANGE };
  const status = async () => (await (await fetch(`${url}/baton/v1/status`)).json()) as Status;
  const lbPid = async () => (await status()).extensions['marathon-lb'].pid;
  const vipPid = async () => Number(/HAProxy pid (\d+)/.exec((await status()).extensions.vips.summary[0])?.[1] ?? 0);
  const answers = async (host: string, port: number) =>
    fetch(`http://${host}:${port}/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) })
      .then(async (r) => r.ok && (await r.text()).startsWith('ok '))
      .catch(() => false);
  const vip = async () => (await status()).extensions.vips.vips[0];

  /** Kill `pid`; the new HAProxy's pid, seen within 2 s; then traffic through `host:port` again. */
  const killAndWait = async (pid: number, current: () => Promise<number | null>, host: string, port: number) => {
    process.kill(pid, 'SIGKILL');
    const next = await until(
      async () => {
        const p = await current();
        return p && p !== pid && pidAlive(p) && !workersOf(p).includes(pid) ? p : undefined;
      },
      2000,
      'HAProxy started again',
    );
    await until(() => answers(host, port), 10_000, 'traffic through HAProxy again');
    return next;
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-haproxy-killed-'));
    const lb = [
      await freePort('127.0.2.1'),
      await freePort('127.0.2.1'),
      await freePort('127.0.0.1'),
      await freePort('127.0.2.1'),
    ];
    servicePort = await freePort('127.0.2.1');
    // The daemon inherits these: ports and a VIP range of this file's own.
    process.env.BATON_LB_PORTS = lb.join(',');
    process.env.BATON_VIP_RANGE = '127.0.9.0/24';
    settings = { ...resolveSettings({ stateDir }), port: 0 };
    url = (await ensureEngine(settings)).url;
    const post = (app: unknown) =>
      fetch(`${url}/v2/apps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(app),
      });
    await post({
      id: '/hx/lb',
      cmd: serverCmd(),
      instances: 2,
      cpus: 0.02,
      mem: 32,
      portDefinitions: [{ port: servicePort }],
      labels: { HAPROXY_GROUP: 'external' },
      healthChecks: [{ protocol: 'HTTP', path: '/health', intervalSeconds: 1 }],
    });
    await post({
      id: '/hx/l4',
      cmd: serverCmd(),
      instances: 2,
      cpus: 0.02,
      mem: 32,
      portDefinitions: [{ port: 0, labels: { VIP_0: '/hxl4:7070' } }],
    });
    await until(() => answers('127.0.2.1', servicePort), 30_000, 'served by marathon-lb');
    await until(async () => (await vip())?.backends.filter((b) => b.active).length === 2, 30_000, 'the VIP served');
  }, 60_000);

  afterAll(async () => {
    if (url) {
      for (const id of ['hx/lb', 'hx/l4'])
        await fetch(`${url}/v2/apps/${id}`, { method: 'DELETE' }).catch(() => undefined);
      await until(
        async () => ((await (await fetch(`${url}/v2/tasks`)).json()) as { tasks: unknown[] }).tasks.length === 0,
        20_000,
      ).catch(() => undefined);
      // With no app left to serve, marathon-lb and the VIP plane stop their HAProxy (asynchronously).
      await until(async () => !(await lbPid()) && !(await vipPid()), 10_000).catch(() => undefined);
    }
    await stopEngine(stateDir);
    await endLeftovers(stateDir);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(stateDir, { recursive: true, force: true });
  }, 60_000);

  it("marathon-lb's master, then its worker: started again each time, traffic back, counted", async () => {
    const first = (await lbPid())!;
    const second = await killAndWait(first, lbPid, '127.0.2.1', servicePort);
    const [worker] = workersOf(second);
    expect(worker).toBeGreaterThan(0);
    await killAndWait(worker, lbPid, '127.0.2.1', servicePort);
    const s = await status();
    expect(s.extensions['marathon-lb'].restarts).toBe(2);
    expect(s.extensions['marathon-lb'].summary[0]).toContain('2 restart(s) after it died');
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /^baton_haproxy_restarts_total\{plane="marathon-lb"\} 2$/m,
    );
  }, 60_000);

  it("the VIP data plane's HAProxy: started again, the VIP answers", async () => {
    const v = await vip();
    await killAndWait(await vipPid(), vipPid, v.address, v.port);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^baton_haproxy_restarts_total\{plane="vip"\} 1$/m);
  }, 60_000);

  it('an HAProxy a restarted engine adopted (not its child) is watched too', async () => {
    await stopEngine(stateDir);
    url = (await ensureEngine(settings)).url;
    const adopted = (await lbPid())!;
    expect(adopted).toBeGreaterThan(0);
    expect((await runningEngine(stateDir))!.pid).not.toBe(adopted);
    await killAndWait(adopted, lbPid, '127.0.2.1', servicePort);
  }, 60_000);
});
