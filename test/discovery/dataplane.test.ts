import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner } from '../../bin/testing.js';
import { ensureEngine, runningEngine, stopEngine } from '../../plugins/engine/daemon.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { pidAlive as alive, serverCmd, until } from '../helpers/engine.js';

type Vips = {
  dataplane: string;
  summary: string[];
  vips: {
    label: string;
    address: string;
    port: number;
    error: string | null;
    backends: { taskId: string; active: boolean; host?: string; port?: number }[];
  }[];
};

/** Twenty GETs through a VIP, each on a new connection: the backends that answered, and the failures. */
async function through(address: string, port: number, n = 20) {
  const seen = new Set<string>();
  const failures: string[] = [];
  for (let k = 0; k < n; k++) {
    try {
      const r = await fetch(`http://${address}:${port}/`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(3000),
      });
      seen.add((await r.text()).split(' ')[1]);
    } catch (err) {
      failures.push(String((err as Error).cause ?? err));
    }
  }
  return { seen, failures };
}

/**
 * The VIP data plane is HAProxy when marathon-lb is loaded (the default set) and haproxy is
 * installed: a refused connection goes to another backend, traffic flows while no engine runs,
 * and a restarted engine adopts the same HAProxy.
 */
describe('VIP data plane: HAProxy (real daemon)', () => {
  let stateDir: string;
  let settings: ReturnType<typeof resolveSettings>;
  let url = '';
  const env = { BATON_VIP_RANGE: process.env.BATON_VIP_RANGE, BATON_DNS: process.env.BATON_DNS };
  const api = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(url + p, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return r.json() as Promise<any>;
  };
  const vips = async () => (await api('GET', '/baton/v1/status')).extensions.vips as Vips;
  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-vip-plane-'));
    // The daemon inherits these: a VIP range and a DNS port of this file's own.
    process.env.BATON_VIP_RANGE = '127.0.7.0/24';
    process.env.BATON_DNS = '127.0.3.1:0';
    settings = { ...resolveSettings({ stateDir }), port: 0 };
    url = (await ensureEngine(settings)).url;
  });
  afterAll(async () => {
    const info = await runningEngine(stateDir);
    if (info) {
      await fetch(`${info.url}/v2/apps/l4/web`, { method: 'DELETE' }).catch(() => undefined);
      await until(
        async () => ((await (await fetch(`${info.url}/v2/apps`)).json()) as { apps: unknown[] }).apps.length === 0,
        20_000,
        'apps removed',
      ).catch(() => undefined);
    }
    await stopEngine(stateDir);
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('serves the VIP through HAProxy; a backend that died unnoticed is skipped; no engine needed for traffic; a restarted engine adopts the same HAProxy', async () => {
    await api('POST', '/v2/apps', {
      id: '/l4/web',
      cmd: serverCmd('GRACEFUL_TERM=1'),
      instances: 3,
      cpus: 0.02,
      mem: 32,
      portDefinitions: [{ port: 0, labels: { VIP_0: '/l4web:7070' } }],
    });
    const v = await until(
      async () => {
        const s = await vips();
        const x = s.vips.find((y) => y.label === '/l4web:7070');
        return x && x.backends.filter((b) => b.active).length === 3
          ? { ...x, dataplane: s.dataplane, summary: s.summary }
          : undefined;
      },
      20_000,
      'three active backends',
    );
    expect(v.dataplane).toBe('haproxy');
    const pid = Number(/HAProxy pid (\d+)/.exec(v.summary[0])?.[1]);
    expect(alive(pid)).toBe(true);
    const first = await through(v.address, v.port, 30);
    expect(first.failures).toEqual([]);
    expect(first.seen.size).toBe(3);

    // Freeze the engine, then crash one backend: HAProxy still lists it, is refused, and retries
    // another — the client never sees the dead one.
    const engine = (await runningEngine(stateDir))!;
    const tasks = (await api('GET', '/v2/apps/l4/web/tasks')).tasks as { id: string; host: string; ports: number[] }[];
    process.kill(engine.pid, 'SIGSTOP');
    try {
      await fetch(`http://${tasks[0].host}:${tasks[0].ports[0]}/exit`, { method: 'POST' });
      await until(
        async () =>
          !(await fetch(`http://${tasks[0].host}:${tasks[0].ports[0]}/`).then(
            () => true,
            () => false,
          )),
        5000,
        'the backend to be gone',
      );
      const frozen = await through(v.address, v.port, 30);
      expect(frozen.failures).toEqual([]);
      expect(frozen.seen.has(tasks[0].id)).toBe(false);
      expect(frozen.seen.size).toBe(2);
    } finally {
      process.kill(engine.pid, 'SIGCONT');
    }

    // SIGKILL the engine: HAProxy keeps serving; the next engine adopts it (same pid) and its
    // backends follow a scale-down.
    await until(
      async () => (await vips()).vips[0].backends.filter((b) => b.active).length === 3,
      20_000,
      'a replacement backend',
    );
    process.kill(engine.pid, 'SIGKILL');
    await until(() => !alive(engine.pid), 5000, 'the engine gone');
    const orphaned = await through(v.address, v.port);
    expect(orphaned.failures).toEqual([]);
    url = (await ensureEngine(settings)).url;
    const adopted = await vips();
    expect(adopted.summary[0]).toContain(`HAProxy pid ${pid}`);
    await api('PUT', '/v2/apps/l4/web', { instances: 1 });
    await until(async () => (await vips()).vips[0].backends.length === 1, 20_000, 'one backend');
    const after = await through(v.address, v.port);
    expect(after.failures).toEqual([]);
    expect(after.seen.size).toBe(1);

    // No VIP left, engine stopped: its HAProxy goes too.
    await api('DELETE', '/v2/apps/l4/web');
    await until(async () => (await api('GET', '/v2/apps')).apps.length === 0, 20_000, 'the app removed');
    await stopEngine(stateDir);
    await until(() => !alive(pid), 5000, 'HAProxy stopped with the last VIP gone');
  }, 120_000);
});

describe('VIP data plane: the Node proxy when asked (BATON_VIP_DATAPLANE=node)', () => {
  it('serves the VIP from the engine process', async () => {
    process.env.BATON_VIP_DATAPLANE = 'node';
    process.env.BATON_DNS ??= '127.0.3.1:0';
    const t = await createTestRunner();
    try {
      expect(
        (
          await t.deploy({
            name: 'node-vip',
            apps: [
              {
                id: '/nodevip',
                cmd: serverCmd(),
                instances: 2,
                cpus: 0.02,
                mem: 32,
                portDefinitions: [{ port: 0, labels: { VIP_0: '127.0.7.200:7171' } }],
              },
            ],
          })
        ).ok,
      ).toBe(true);
      const s = t.engine.extensions.get('vips')!() as unknown as Vips;
      expect(s.dataplane).toBe('node');
      expect(s.summary[0]).toBe('data plane: Node proxy');
      await until(
        () =>
          (t.engine.extensions.get('vips')!() as unknown as Vips).vips[0].backends.filter((b) => b.active).length === 2
            ? true
            : undefined,
        10_000,
        'two backends',
      );
      // Running is not listening: the app has no health check, so wait until each server answers
      // (on a busy CI machine the fixture server takes a while to bind; both refusing is a reset).
      const backends = (t.engine.extensions.get('vips')!() as unknown as Vips).vips[0].backends;
      for (const b of backends)
        await until(
          () =>
            fetch(`http://${b.host}:${b.port}/`).then(
              (r) => r.ok,
              () => false,
            ),
          10_000,
          `${b.host}:${b.port} answering`,
        );
      const r = await through('127.0.7.200', 7171);
      expect(r.failures).toEqual([]);
      expect(r.seen.size).toBe(2);
    } finally {
      delete process.env.BATON_VIP_DATAPLANE;
      await t.close();
    }
  }, 60_000);
});
