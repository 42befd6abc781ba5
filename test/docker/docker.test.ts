import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../plugins/docker/index.js';
import { LABEL } from '../../plugins/docker/runtime.js';
import { hit, readIf, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

const BUSYBOX = 'baton-test/busybox:1';
type Task = { id: string; host: string; ports: number[]; state: string };
const docker = dockerClient();

/** Containers of an engine (all states), by the labels Baton puts on them. */
const containersOf = async (engineId: string) =>
  docker.listContainers({ all: true, filters: { label: [`${LABEL.engine}=${engineId}`] } });

describe('Docker containers on the embedded engine (dockerode, real dockerd)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => {
    await e.destroy();
    for (const c of await containersOf(e.engine.id)) await docker.getContainer(c.Id).remove({ force: true });
  });
  const tasks = async (id: string) => (await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks as Task[];

  it("bridge networking: containerPort 80 published on the agent's loopback address only; every instance answers", async () => {
    const r = await e.api('POST', '/v2/apps', {
      id: '/minitwit',
      instances: 3,
      cpus: 0.1,
      mem: 64,
      container: {
        type: 'DOCKER',
        docker: { image: 'baton/minitwit:1' },
        portMappings: [{ containerPort: 80, hostPort: 0, servicePort: 10004, name: 'http' }],
      },
      networks: [{ mode: 'container/bridge' }],
    });
    expect(r.status).toBe(201);
    await e.settle();
    const ts = await tasks('/minitwit');
    expect(ts).toHaveLength(3);
    for (const t of ts)
      expect(await until(() => hit(t.host, t.ports[0]).catch(() => ''), 10_000, 'an answer')).toContain(
        '<h1>MiniTwit</h1>',
      );
    const cs = (await containersOf(e.engine.id)).filter((c) => c.Labels[LABEL.app] === '/minitwit');
    expect(cs).toHaveLength(3);
    for (const c of cs) {
      const t = ts.find((x) => x.id === c.Labels[LABEL.task])!;
      expect(c.Ports).toEqual([
        expect.objectContaining({ IP: t.host, PrivatePort: 80, PublicPort: t.ports[0], Type: 'tcp' }),
      ]);
      expect(c.Names[0]).toBe(`/baton-${e.engine.id}-${t.id}`);
    }
    expect((await e.api('GET', '/v2/apps/minitwit')).body.app.container.portMappings[0].servicePort).toBe(10004);
  });

  it('host networking, env vars and volumes inside the container; cmd runs through sh -c', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-vol-'));
    writeFileSync(path.join(dir, 'greeting'), 'hello from the host\n');
    await e.api('POST', '/v2/apps', {
      id: '/hostnet',
      instances: 1,
      cpus: 0.1,
      mem: 32,
      env: { COLOR: 'blue' },
      labels: { tier: 'web' },
      cmd: 'env > $MESOS_SANDBOX/env.txt; cat /data/greeting > $MESOS_SANDBOX/seen.txt; mkdir -p /www; echo hostnet > /www/index.html; exec httpd -f -p $HOST:$PORT0 -h /www',
      container: {
        type: 'DOCKER',
        docker: { image: BUSYBOX },
        volumes: [{ hostPath: dir, containerPath: '/data', mode: 'RO' }],
      },
    });
    await e.settle();
    const [t] = await tasks('/hostnet');
    expect(await until(() => hit(t.host, t.ports[0]).catch(() => ''), 10_000, 'httpd')).toBe('hostnet\n');
    const sandbox = [...e.engine.state.instances.values()].find((i) => i.appId === '/hostnet')!.sandbox!;
    const env = Object.fromEntries(
      readFileSync(path.join(sandbox, 'env.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      HOST: t.host,
      PORT0: String(t.ports[0]),
      MESOS_TASK_ID: t.id,
      MARATHON_APP_ID: '/hostnet',
      MARATHON_APP_DOCKER_IMAGE: BUSYBOX,
      MARATHON_APP_LABEL_TIER: 'web',
      COLOR: 'blue',
      MESOS_SANDBOX: '/mnt/mesos/sandbox',
      PATH: '/bin',
    });
    expect(readFileSync(path.join(sandbox, 'seen.txt'), 'utf8')).toBe('hello from the host\n');
    const info = await docker.getContainer(`baton-${e.engine.id}-${t.id}`).inspect();
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', Memory: 32 * 1024 * 1024, CpuShares: 102 });
  });

  it('kill grace: SIGTERM, then SIGKILL after taskKillGracePeriodSeconds; the exit is TASK_KILLED', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/stubborn-c',
      instances: 1,
      cpus: 0.1,
      mem: 32,
      cmd: 'trap "echo ignoring TERM" TERM; while true; do sleep 1; done',
      taskKillGracePeriodSeconds: 2,
      container: { docker: { image: BUSYBOX } },
    });
    await e.settle();
    const t0 = Date.now();
    await e.api('DELETE', '/v2/apps/stubborn-c');
    await e.settle();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(6000);
    expect(
      e.events.some(
        (ev) => ev.eventType === 'status_update_event' && ev.appId === '/stubborn-c' && ev.taskStatus === 'TASK_KILLED',
      ),
    ).toBe(true);
  });

  it('a crashing container relaunches with backoff; its output reaches the sandbox logs', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/crash-c',
      instances: 1,
      cpus: 0.1,
      mem: 32,
      cmd: 'echo about to fail; echo oops >&2; exit 3',
      backoffSeconds: 1,
      backoffFactor: 2,
      container: { docker: { image: BUSYBOX } },
    });
    const stagings = await until(
      () => {
        const s = e.events.filter(
          (ev) => ev.eventType === 'status_update_event' && ev.appId === '/crash-c' && ev.taskStatus === 'TASK_STAGING',
        );
        return s.length >= 3 ? s : undefined;
      },
      20_000,
      'three launches',
    );
    const t = stagings.map((s) => Date.parse(s.timestamp));
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(1000);
    expect(t[2] - t[1]).toBeGreaterThanOrEqual(2000);
    const failed = e.events.find(
      (ev) => ev.eventType === 'status_update_event' && ev.appId === '/crash-c' && ev.taskStatus === 'TASK_FAILED',
    )!;
    // The message carries the cause the container wrote to stderr, as the engine reads it there.
    expect(failed.message).toBe('exited with code 3: oops');
    const sandbox = path.join(e.stateDir, 'agents', String(failed.slaveId), 'sandboxes', String(failed.taskId));
    await until(() => readIf(path.join(sandbox, 'stderr')).includes('oops'), 5000, 'stderr in the sandbox');
    expect(readIf(path.join(sandbox, 'stdout'))).toBe('about to fail\n');
    await e.api('DELETE', '/v2/apps/crash-c');
    await e.settle();
  }, 30_000);

  it('an image that is not here and cannot be pulled fails within seconds with a clear reason', async () => {
    const t0 = Date.now();
    await e.api('POST', '/v2/apps', {
      id: '/noimage',
      instances: 1,
      cpus: 0.1,
      mem: 32,
      container: { docker: { image: 'baton-test/does-not-exist:1' } },
      backoffSeconds: 60,
    });
    const failed = await until(
      () =>
        e.events.find(
          (ev) => ev.eventType === 'status_update_event' && ev.appId === '/noimage' && ev.taskStatus === 'TASK_FAILED',
        ),
      10_000,
      'the launch failure',
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(failed.message).toMatch(
      /^Failed to launch container: image baton-test\/does-not-exist:1 is not on this machine and cannot be pulled: /,
    );
    // As on Marathon: the failed launch is the app's last task failure, and what waits says why.
    const app = (await e.api('GET', '/v2/apps/noimage')).body.app;
    expect(app.lastTaskFailure).toMatchObject({ state: 'TASK_FAILED', message: failed.message, appId: '/noimage' });
    const queued = (await e.api('GET', '/v2/queue?embed=baton')).body.queue.find(
      (q: { app: { id: string } }) => q.app.id === '/noimage',
    );
    expect(queued.baton.why).toMatch(/^backoff, \d+s left$/);
    expect(queued.baton.after).toBe(failed.message);
    await e.api('DELETE', '/v2/apps/noimage');
    await e.settle();
  });

  it('an OOM kill is a failed task with that reason', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/hog-c',
      instances: 1,
      cpus: 0.1,
      mem: 16,
      backoffSeconds: 60,
      cmd: 'x=a; while true; do x="$x$x"; done',
      container: { docker: { image: BUSYBOX } },
    });
    const failed = await until(
      () =>
        e.events.find(
          (ev) => ev.eventType === 'status_update_event' && ev.appId === '/hog-c' && ev.taskStatus === 'TASK_FAILED',
        ),
      20_000,
      'the OOM kill',
    );
    expect(failed.message).toBe('out of memory: killed at its 16 MiB limit');
    await e.api('DELETE', '/v2/apps/hog-c');
    await e.settle();
  }, 30_000);
});
