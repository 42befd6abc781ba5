import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupMode } from '../../plugins/mesos/cgroups.js';
import { pidAlive as alive, readIf, serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

describe('task lifecycle on the embedded engine', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  it('a crashing task relaunches with Marathon backoff: 1s, then ×2 each failure (marathon-semantics.md §1.10)', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/crash',
      cmd: 'echo starting; exit 3',
      instances: 1,
      cpus: 0.05,
      mem: 16,
      backoffSeconds: 1,
      backoffFactor: 2,
      maxLaunchDelaySeconds: 60,
    });
    const stagings = await until(
      () => {
        const s = e.events.filter(
          (ev) => ev.eventType === 'status_update_event' && ev.appId === '/crash' && ev.taskStatus === 'TASK_STAGING',
        );
        return s.length >= 4 ? s : undefined;
      },
      15_000,
      'four launches',
    );
    const t = stagings.map((s) => Date.parse(s.timestamp));
    const gaps = [t[1] - t[0], t[2] - t[1], t[3] - t[2]];
    // Delay after each counted failure: 1s, 2s, 4s (plus the engine's tick and the task's run time).
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps[0]).toBeLessThan(1700);
    expect(gaps[1]).toBeGreaterThanOrEqual(2000);
    expect(gaps[1]).toBeLessThan(2700);
    expect(gaps[2]).toBeGreaterThanOrEqual(4000);
    expect(gaps[2]).toBeLessThan(4700);
    const failed = e.events.filter(
      (ev) => ev.eventType === 'status_update_event' && ev.appId === '/crash' && ev.taskStatus === 'TASK_FAILED',
    );
    expect(failed[0].message).toBe('exited with code 3');
    // The queue says why it waits; the app shows the last failure; the API stays responsive.
    const q = await until(
      async () =>
        (await e.api('GET', '/v2/queue')).body.queue.find((x: { app: { id: string } }) => x.app.id === '/crash'),
      9000,
      'the app to wait in the queue',
    );
    expect(q).toMatchObject({ count: 1, delay: { overdue: false } });
    expect(q.delay.timeLeftSeconds).toBeGreaterThan(0);
    const app = (await e.api('GET', '/v2/apps/crash')).body.app;
    expect(app.lastTaskFailure).toMatchObject({ appId: '/crash', state: 'TASK_FAILED', message: 'exited with code 3' });
    // DELETE /v2/queue/{id}/delay resets the backoff.
    expect((await e.api('DELETE', '/v2/queue/crash/delay')).status).toBe(204);
    await e.api('DELETE', '/v2/apps/crash');
    await e.settle();
  }, 30_000);

  it('a command that is not found and a port that is taken are failed tasks with the cause from stderr', async () => {
    // Someone else holds the port the app asks for on its agent.
    const squatter = (await import('node:net')).createServer().listen(31_111, '127.0.1.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      await e.api('POST', '/v2/apps', {
        id: '/notfound',
        cmd: 'no-such-command-here --flag',
        instances: 1,
        cpus: 0.05,
        mem: 16,
        backoffSeconds: 30,
      });
      await e.api('POST', '/v2/apps', {
        id: '/taken',
        cmd: serverCmd(),
        instances: 1,
        cpus: 0.05,
        mem: 32,
        portDefinitions: [{ port: 31_111 }],
        requirePorts: true,
        constraints: [['hostname', 'CLUSTER', '127.0.1.1']],
        backoffSeconds: 30,
      });
      const failure = (id: string) =>
        until(async () => (await e.api('GET', `/v2/apps${id}`)).body.app.lastTaskFailure, 15_000, `${id} to fail`);
      const notFound = await failure('/notfound');
      expect(notFound).toMatchObject({ state: 'TASK_FAILED', appId: '/notfound' });
      expect(notFound.message).toMatch(/^exited with code 127: .*no-such-command-here.*not found/);
      const taken = await failure('/taken');
      expect(taken.message).toMatch(/^exited with code 1: .*EADDRINUSE/);
      // The status update carries the same message, as Marathon's does.
      expect(
        e.events.some(
          (ev) =>
            ev.eventType === 'status_update_event' &&
            ev.appId === '/taken' &&
            ev.taskStatus === 'TASK_FAILED' &&
            ev.message === taken.message,
        ),
      ).toBe(true);
    } finally {
      squatter.close();
      await e.api('DELETE', '/v2/apps/notfound');
      await e.api('DELETE', '/v2/apps/taken');
      await e.settle();
    }
  }, 30_000);

  it('kill: SIGTERM to the whole process group, SIGKILL after taskKillGracePeriodSeconds; no orphans', async () => {
    // The task ignores SIGTERM and has a child of its own in the same process group.
    await e.api('POST', '/v2/apps', {
      id: '/stubborn',
      cmd: `sleep 300 & ${serverCmd('IGNORE_TERM=1')}`,
      instances: 1,
      cpus: 0.05,
      mem: 64,
      taskKillGracePeriodSeconds: 1,
    });
    await e.settle();
    const inst = [...e.engine.state.instances.values()].find((i) => i.appId === '/stubborn')!;
    const pgid = (inst.handle!.data as { pid: number }).pid;
    await until(() => readIf(path.join(inst.sandbox!, 'stdout')).includes('listening'), 5000, 'the server to start');
    const t0 = Date.now();
    await e.api('DELETE', '/v2/apps/stubborn');
    await e.settle();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1000); // waited the grace period...
    expect(took).toBeLessThan(3500); // ...then SIGKILL
    expect(readFileSync(path.join(inst.sandbox!, 'stdout'), 'utf8')).toContain('ignoring SIGTERM');
    expect(alive(pgid)).toBe(false);
    // The backgrounded `sleep 300` died with it (a zombie left for a non-reaping init is dead).
    const members = execSync('ps -eo pid=,pgid=,stat=')
      .toString()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => Number(f[1]) === pgid && !f[2]?.startsWith('Z'));
    expect(members).toEqual([]);
    const killed = e.events.find(
      (ev) => ev.eventType === 'status_update_event' && ev.appId === '/stubborn' && ev.taskStatus === 'TASK_KILLED',
    );
    expect(killed).toBeTruthy();
  });

  it('args run without a shell; cmd runs through /bin/sh -c', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/args',
      args: ['/bin/echo', '$HOME is not expanded'],
      instances: 1,
      cpus: 0.05,
      mem: 16,
    });
    await e.api('POST', '/v2/apps', {
      id: '/cmd',
      cmd: 'echo "$MARATHON_APP_ID is expanded"; sleep 300',
      instances: 1,
      cpus: 0.05,
      mem: 16,
    });
    const sandbox = (id: string) =>
      [...e.engine.state.instances.values()].find((i) => i.appId === id && i.sandbox)?.sandbox;
    await until(
      () => sandbox('/args') && readIf(path.join(sandbox('/args')!, 'stdout')).length > 0,
      5000,
      'args output',
    );
    expect(readFileSync(path.join(sandbox('/args')!, 'stdout'), 'utf8')).toBe('$HOME is not expanded\n');
    await until(() => sandbox('/cmd') && readIf(path.join(sandbox('/cmd')!, 'stdout')).length > 0, 5000, 'cmd output');
    expect(readFileSync(path.join(sandbox('/cmd')!, 'stdout'), 'utf8')).toBe('/cmd is expanded\n');
    await e.api('DELETE', '/v2/apps/args');
    await e.api('DELETE', '/v2/apps/cmd');
    await e.settle();
  });

  it('memory isolation: with cgroups an OOM kill is a failed task with that reason; without, the engine says it runs unconfined', async () => {
    const status = (await e.api('GET', '/baton/v1/status')).body;
    if (cgroupMode() === 'none') {
      expect(status.isolation.mesos).toMatch(/^none: tasks run unconfined/);
      return;
    }
    expect(status.isolation.mesos).toMatch(/^cgroups v[12]: memory limit = mem/);
    const hog = `exec ${process.execPath} -e "const a=[]; for(;;) a.push(Buffer.alloc(8<<20, 1))"`;
    await e.api('POST', '/v2/apps', { id: '/hog', cmd: hog, instances: 1, cpus: 0.05, mem: 64, backoffSeconds: 60 });
    const failed = await until(
      () =>
        e.events.find(
          (ev) => ev.eventType === 'status_update_event' && ev.appId === '/hog' && ev.taskStatus === 'TASK_FAILED',
        ),
      15_000,
      'the OOM kill',
    );
    expect(failed.message).toBe('out of memory: killed at its 64 MiB limit');
    await e.api('DELETE', '/v2/apps/hog');
    await e.settle();
  }, 30_000);
});
