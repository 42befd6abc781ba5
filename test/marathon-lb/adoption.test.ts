import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import engine from '../../plugins/engine/index.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import health from '../../plugins/health/index.js';
import marathonLb from '../../plugins/marathon-lb/index.js';
import marathon from '../../plugins/marathon/index.js';
import mesos from '../../plugins/mesos/index.js';
import { engineWith, pidAlive as alive, serverCmd, until } from '../helpers/engine.js';

const get = (port: number) =>
  new Promise<number>((resolve) => {
    const req = http.get({ host: '127.0.2.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });

/** HAProxy is a service beside the engine, like tasks: it keeps serving through an engine restart and is adopted. */
describe('marathon-lb across an engine restart (real HAProxy)', () => {
  it('keeps serving while no engine runs, and the next engine adopts and reloads the same HAProxy', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-lb-adopt-'));
    const ports = `${await freePort('127.0.2.1')},${await freePort('127.0.2.1')},${await freePort('127.0.0.1')},${await freePort('127.0.2.1')}`;
    const servicePort = await freePort('127.0.2.1');
    const settings = { ...resolveSettings({ stateDir }), port: 0 };
    // The engine as the daemon builds it, with marathon-lb's ports given as its plugin options.
    const start = async () => {
      const running = await engineWith([marathon, engine, mesos, health, [marathonLb, { ports }]], settings);
      // The plugin attaches once it has found haproxy.
      await until(() => running.engine.extensions.has('marathon-lb'), 10_000, 'marathon-lb attached');
      return running;
    };
    const lb = (e: Awaited<ReturnType<typeof start>>) =>
      e.engine.extensions.get('marathon-lb')!() as unknown as { pid: number | null; reloads: number; services: number };
    const api = (e: Awaited<ReturnType<typeof start>>, method: string, p: string, body?: unknown) =>
      fetch(e.url + p, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let second: Awaited<ReturnType<typeof start>> | undefined;
    try {
      const first = await start();
      await api(first, 'POST', '/v2/apps', {
        id: '/web',
        cmd: serverCmd(),
        cpus: 0.02,
        mem: 32,
        instances: 2,
        portDefinitions: [{ port: servicePort }],
        labels: { HAPROXY_GROUP: 'external' },
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
      const up = async (e: Awaited<ReturnType<typeof start>>) =>
        (
          (await (await api(e, 'GET', '/baton/v1/x/marathon-lb/groups/web')).json()) as {
            servers: { status: string }[];
          }
        ).servers.filter((x) => x.status === 'UP').length;
      await until(async () => (await up(first)) === 2, 20_000, 'both tasks served through HAProxy');
      const pid = lb(first).pid!;
      await first.close();
      expect(alive(pid)).toBe(true);
      expect(await get(servicePort)).toBe(200); // no engine, still served

      second = await start();
      expect(lb(second).pid).toBe(pid);
      // Served without a gap while the new engine learns its tasks' health again (marathon-lb's memory of alive tasks).
      const codes: number[] = [];
      for (let k = 0; k < 40; k++) {
        codes.push(await get(servicePort));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(lb(second).reloads).toBe(0);
      await api(second, 'PUT', '/v2/apps/web', { instances: 1 });
      await until(async () => lb(second!).reloads > 0, 20_000, 'a reload of the adopted HAProxy');
      const g = (await (await api(second, 'GET', '/baton/v1/x/marathon-lb/groups/web')).json()) as {
        servers: { status: string }[];
      };
      expect(g.servers.map((x) => x.status)).toEqual(['UP']);
      for (let k = 0; k < 20; k++) codes.push(await get(servicePort));
      expect(codes).toEqual(Array(60).fill(200));
      expect(lb(second).pid).toBe(pid);

      // With nothing left to serve, stopping the engine stops HAProxy.
      await api(second, 'DELETE', '/v2/apps/web');
      await until(() => second!.engine.state.instances.size === 0, 20_000, 'the app gone');
      await second.close();
      second = undefined;
      await until(() => !alive(pid), 10_000, 'HAProxy stopped');
    } finally {
      // Whatever failed, leave no task behind: an engine removes the app and waits for its tasks.
      if (second || existsSync(path.join(stateDir, 'engine.db'))) {
        const e = second ?? (await start());
        await api(e, 'DELETE', '/v2/apps/web?force=true').catch(() => undefined);
        await until(() => e.engine.state.instances.size === 0, 20_000, 'the tasks gone').catch(() => undefined);
        await e.close();
      }
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 90_000);
});
