import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../plugins/docker/index.js';
import { LABEL } from '../../plugins/docker/runtime.js';
import { serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

/*
 * Persistent local volumes on the embedded engine (marathon-semantics.md §5), with real process tasks and
 * real containers: each event of the survival list, then wipe, delete, disk and updates.
 */

type Task = {
  id: string;
  host: string;
  ports: number[];
  slaveId: string;
  state: string;
  localVolumes: { containerPath: string; persistenceId: string }[];
};

const RESIDENT = {
  container: {
    type: 'MESOS',
    volumes: [{ containerPath: 'data', mode: 'RW', persistent: { type: 'root', size: 64 } }],
  },
  cpus: 0.1,
  mem: 64,
  backoffSeconds: 1,
  backoffFactor: 1,
  portDefinitions: [{ port: 0, name: 'http' }],
};
/** Writes a token into the volume only when absent (the course's date demo), logs each start, serves HTTP. */
const WRITE_ONCE = `[ -f data/token ] || cat /proc/sys/kernel/random/uuid > data/token; echo "$MESOS_TASK_ID" >> data/starts; ${serverCmd()}`;

describe('persistent local volumes (process tasks)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => {
    await e?.destroy();
    rmSync(e.stateDir, { recursive: true, force: true }); // restarted on a given state dir: not removed by destroy
  });
  const tasks = async (id: string) => ((await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks ?? []) as Task[];
  const running = (id: string, n = 1) =>
    until(
      async () => {
        const ts = (await tasks(id)).filter((t) => t.state === 'TASK_RUNNING');
        return ts.length === n ? ts : undefined;
      },
      20_000,
      `${n} running task(s) of ${id}`,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; instances: ${JSON.stringify(e.engine.state.instancesOf(id).map((i) => [i.goal, i.condition, i.lastExit?.message]))}, queue: ${JSON.stringify(e.engine.queue.get(id))}`,
      );
    });
  /** The reservation's volume directory, as the engine recorded it. */
  const volumeDir = (appId: string) => {
    const insts = e.engine.state.instancesOf(appId);
    expect(insts).toHaveLength(1);
    return insts[0].reservation!.volumes[0].hostPath;
  };
  /** POST to a task once it listens (a task is running before its server binds). */
  const post = (t: Task, p: string) =>
    until(
      () =>
        fetch(`http://${t.host}:${t.ports[0]}${p}`, { method: 'POST' }).then(
          (r) => r.text(),
          () => '',
        ),
      10_000,
      `${p} answered`,
    );

  it('a crash, a health kill, a scale to 0 and back, an upgrade and an engine restart all keep the data, on the same agent', async () => {
    const id = '/pv/date';
    const created = await e.api('POST', '/v2/apps', {
      id,
      cmd: WRITE_ONCE,
      instances: 1,
      ...RESIDENT,
      // Failures count after the first success (or 10 s): a task is not killed before its server listens.
      healthChecks: [
        {
          protocol: 'HTTP',
          path: '/health',
          portIndex: 0,
          gracePeriodSeconds: 10,
          intervalSeconds: 2,
          timeoutSeconds: 1,
          maxConsecutiveFailures: 1,
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const [first] = await running(id);
    // Marathon's defaults for resident apps (marathon-semantics.md §5.2).
    const app = (await e.api('GET', `/v2/apps${id}`)).body.app;
    expect(app.upgradeStrategy).toEqual({ minimumHealthCapacity: 0.5, maximumOverCapacity: 0 });
    expect(app.unreachableStrategy).toBe('disabled');
    expect(first.localVolumes).toEqual([
      { containerPath: 'data', persistenceId: expect.stringMatching(/^pv_date#data#[0-9a-f-]{36}$/) },
    ]);
    const dir = volumeDir(id);
    // Under the agent's work directory, and what the task sees as $MESOS_SANDBOX/data.
    expect(dir).toBe(path.join(e.stateDir, 'agents', first.slaveId, 'volumes', first.localVolumes[0].persistenceId));
    const token = await until(
      () => (existsSync(path.join(dir, 'token')) ? readFileSync(path.join(dir, 'token'), 'utf8') : ''),
      10_000,
      'the token',
    );
    const instanceId = e.engine.state.instancesOf(id)[0].instanceId;
    const starts = () => readFileSync(path.join(dir, 'starts'), 'utf8').trim().split('\n');
    // A task is TASK_RUNNING from its spawn, before its shell appends to data/starts: wait for that line,
    // or the next step (a scale to 0 right after a relaunch) can kill the shell before it writes.
    const same = async (t: Task) => {
      expect(t.slaveId).toBe(first.slaveId);
      expect(t.localVolumes).toEqual(first.localVolumes);
      await until(() => starts().includes(t.id), 10_000, `the start of ${t.id} logged`);
      expect(readFileSync(path.join(dir, 'token'), 'utf8')).toBe(token);
      expect(e.engine.state.instancesOf(id).map((i) => i.instanceId)).toEqual([instanceId]);
    };
    const relaunched = (after: Task) =>
      until(async () => (await running(id)).find((t) => t.id !== after.id), 20_000, 'a relaunch');

    // 1. The task crashes: relaunched on its reservation (incarnation 2), same volume.
    await post(first, '/exit');
    const second = await relaunched(first);
    expect(second.id).toMatch(/\._app\.2$/);
    await same(second);

    // 2. Its health check fails: killed, relaunched there again.
    await until(() => e.engine.state.isHealthy(e.engine.state.instancesOf(id)[0]), 10_000, 'healthy');
    await post(second, '/fail');
    const third = await relaunched(second);
    await same(third);

    // 3. Scale to 0: the task stops, the reservation stays (suspended), its disk still counted.
    expect((await e.api('PUT', `/v2/apps${id}`, { instances: 0 })).status).toBe(200);
    await e.settle();
    expect(await tasks(id)).toEqual([]);
    const stopped = e.engine.state.instancesOf(id);
    expect(stopped.map((i) => [i.instanceId, i.goal])).toEqual([[instanceId, 'Stopped']]);
    expect(existsSync(path.join(dir, 'token'))).toBe(true);
    //    …and back to 1: the same instance takes its reservation back.
    expect((await e.api('PUT', `/v2/apps${id}`, { instances: 1 })).status).toBe(200);
    await e.settle();
    const [fourth] = await running(id);
    await same(fourth);

    // 4. A rolling upgrade (env change): stop first (maxOverCapacity 0), then the new version on the same reservation.
    const before = e.events.length;
    expect((await e.api('PUT', `/v2/apps${id}`, { env: { RELEASE: '2' } })).status).toBe(200);
    await e.settle();
    const [fifth] = await running(id);
    await same(fifth);
    const updates = e.events
      .slice(before)
      .filter((x) => x.eventType === 'status_update_event')
      .map((x) => `${x.taskStatus} ${x.taskId}`);
    const killed = updates.findIndex((u) => u.startsWith('TASK_KILLED') && u.endsWith(fourth.id));
    const started = updates.findIndex((u) => u.startsWith('TASK_RUNNING') && u.endsWith(fifth.id));
    expect(killed).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(killed);
    expect((await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks[0].version).toBe(
      (await e.api('GET', `/v2/apps${id}`)).body.app.version,
    );

    // Every start appended to the same file: five incarnations, one volume.
    const seen = [first.id, second.id, third.id, fourth.id, fifth.id];
    expect(starts().filter((t) => seen.includes(t))).toEqual(seen);
    // Only this instance ever wrote there (incarnations of the same instance id).
    for (const t of starts()) expect(t.startsWith(`${instanceId}._app.`)).toBe(true);
  });

  it('survives an engine restart: the task is adopted and a later crash relaunches on the same volume', async () => {
    const id = '/pv/adopt';
    const r = await e.api('POST', '/v2/apps', { id, cmd: WRITE_ONCE, instances: 1, ...RESIDENT });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const [t1] = await running(id);
    const dir = volumeDir(id);
    const token = await until(
      () => (existsSync(path.join(dir, 'token')) ? readFileSync(path.join(dir, 'token'), 'utf8') : ''),
      10_000,
      'the token',
    );
    // Stop this engine (tasks keep running) and start another on the same state.
    await e.close();
    e = await startTestEngine({ stateDir: e.stateDir });
    const [adopted] = await running(id);
    expect(adopted.id).toBe(t1.id);
    await post(adopted, '/exit');
    const t2 = await until(async () => (await running(id)).find((t) => t.id !== t1.id), 20_000, 'a relaunch');
    expect(t2.slaveId).toBe(t1.slaveId);
    expect(t2.localVolumes).toEqual(t1.localVolumes);
    expect(readFileSync(path.join(dir, 'token'), 'utf8')).toBe(token);
    await until(
      () => readFileSync(path.join(dir, 'starts'), 'utf8').trim().split('\n').length === 2,
      10_000,
      'the second start logged',
    );
    expect(readFileSync(path.join(dir, 'starts'), 'utf8').trim().split('\n')).toEqual([t1.id, t2.id]);
  });

  it('wipe=true destroys the volume and schedules a fresh instance; deleting the app destroys the rest', async () => {
    const id = '/pv/wipe';
    await e.api('POST', '/v2/apps', { id, cmd: WRITE_ONCE, instances: 1, ...RESIDENT });
    const [t1] = await running(id);
    const dir = volumeDir(id);
    await until(() => existsSync(path.join(dir, 'token')), 10_000, 'the token');
    // Without wipe a kill is a relaunch on the same volume.
    expect((await e.api('DELETE', `/v2/apps${id}/tasks/${t1.id}`)).status).toBe(200);
    const t2 = await until(async () => (await running(id)).find((t) => t.id !== t1.id), 20_000, 'a relaunch');
    expect(t2.localVolumes).toEqual(t1.localVolumes);
    expect(existsSync(dir)).toBe(true);
    // With wipe: gone, and a new instance with a new volume takes its place.
    expect((await e.api('DELETE', `/v2/apps${id}/tasks/${t2.id}?wipe=true`)).status).toBe(200);
    const t3 = await until(
      async () => (await running(id)).find((t) => t.localVolumes[0].persistenceId !== t1.localVolumes[0].persistenceId),
      20_000,
      'a fresh instance',
    );
    await until(() => !existsSync(dir), 10_000, 'the wiped volume gone');
    const fresh = volumeDir(id);
    expect(fresh).not.toBe(dir);
    await until(() => existsSync(path.join(fresh, 'token')), 10_000, 'a new token');
    expect(
      await until(
        () => (existsSync(path.join(fresh, 'starts')) ? readFileSync(path.join(fresh, 'starts'), 'utf8').trim() : ''),
        10_000,
        'a start logged',
      ),
    ).toBe(t3.id);
    // Deleting the app is the other way volumes go.
    expect((await e.api('DELETE', `/v2/apps${id}`)).status).toBe(200);
    await e.settle();
    await until(() => !existsSync(fresh), 10_000, 'the volume gone with its app');
  });

  it("volume sizes count against the agent's disk, also while the instance is stopped", async () => {
    const agent = e.engine.settings.agents.find((a) => a.role === '*')!;
    const id = '/pv/disk';
    // Every private agent has `disk` MiB: each instance reserving more than half fits once per agent.
    const privates = e.engine.settings.agents.filter((a) => a.role === '*').length;
    const size = Math.floor(agent.disk * 0.6);
    await e.api('POST', '/v2/apps', {
      id,
      cmd: 'sleep 600',
      instances: privates + 1,
      ...RESIDENT,
      container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size } }] },
    });
    await running(id, privates);
    const q = await until(
      async () => (await e.api('GET', '/v2/queue')).body.queue.find((x: { app: { id: string } }) => x.app.id === id),
      10_000,
      'a queue entry',
    );
    expect(q.count).toBe(1);
    expect(q.processedOffersSummary.rejectSummaryLastOffers).toContainEqual(
      expect.objectContaining({ reason: 'InsufficientDisk', declined: privates }),
    );
    // Scaling down keeps the reservations: a new app of the same size still finds no room.
    await e.api('PUT', `/v2/apps${id}?force=true`, { instances: 0 });
    await e.settle();
    await e.api('POST', '/v2/apps', {
      id: '/pv/disk2',
      cmd: 'sleep 600',
      instances: 1,
      ...RESIDENT,
      container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size } }] },
    });
    const q2 = await until(
      async () =>
        (await e.api('GET', '/v2/queue?embed=baton')).body.queue.find(
          (x: { app: { id: string } }) => x.app.id === '/pv/disk2',
        ),
      10_000,
      'a queue entry',
    );
    expect(q2.baton.why).toMatch(/InsufficientDisk on 3 of 4 agent/);
    await e.api('DELETE', '/v2/apps/pv/disk2?force=true');
    // Deleting the first app frees the disk.
    await e.api('DELETE', `/v2/apps${id}?force=true`);
    await e.settle();
    await until(() => e.engine.state.instancesOf(id).length === 0, 10_000, 'reservations released');
  });

  it('refuses changes a reservation cannot follow (422 naming the field), and accepts the rest', async () => {
    const id = '/pv/update';
    await e.api('POST', '/v2/apps', { id, cmd: 'sleep 600', instances: 1, ...RESIDENT });
    await running(id);
    await e.settle();
    const r = await e.api('PUT', `/v2/apps${id}`, { mem: 128 });
    expect(r.status).toBe(422);
    expect(r.body.details).toEqual([
      {
        path: '/mem',
        errors: [
          expect.stringMatching(/persistent volumes configured may not change resource requirements.*mem 64 → 128/),
        ],
      },
    ]);
    const v = await e.api('PUT', `/v2/apps${id}`, {
      container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 128 } }] },
    });
    expect(v.status).toBe(422);
    expect(v.body.details[0].path).toBe('/container/volumes');
    expect((await e.api('PUT', `/v2/apps${id}`, { cmd: 'sleep 601' })).status).toBe(200);
    await e.settle();
  });
});

describe('persistent local volumes (Docker tasks)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => {
    await e?.destroy();
    const docker = dockerClient();
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL.engine}=${e.engine.id}`] } }))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}); // may be on its way out already
  });

  it('bind-mounts the volume at $MESOS_SANDBOX/<containerPath> and at a host volume naming it; a crashed container comes back to the same data', async () => {
    const id = '/pv/docker';
    const r = await e.api('POST', '/v2/apps', {
      id,
      instances: 1,
      cpus: 0.1,
      mem: 32,
      backoffSeconds: 1,
      backoffFactor: 1,
      // The course's demo: write the date only if absent, print it, exit after a while.
      cmd: '[ -f /data/date ] || date > /data/date; cat $MESOS_SANDBOX/data/date; sleep 1; exit 1',
      container: {
        type: 'DOCKER',
        docker: { image: 'baton-test/busybox:1' },
        volumes: [
          { containerPath: 'data', mode: 'RW', persistent: { size: 16 } },
          { containerPath: '/data', hostPath: 'data', mode: 'RW' },
        ],
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const inst = await until(
      () => e.engine.state.instancesOf(id).find((i) => i.reservation && i.incarnation >= 3),
      30_000,
      'three incarnations',
    );
    const dir = inst.reservation!.volumes[0].hostPath;
    const date = readFileSync(path.join(dir, 'date'), 'utf8');
    expect(date).toMatch(/^\S.*\d{4}\n$/); // e.g. "Sat Nov 21 12:03:05 UTC 2026"
    // Every incarnation printed the same date, and ran on the reserved agent.
    const sandboxes = path.dirname(inst.sandbox!);
    for (let n = 1; n < inst.incarnation; n++) {
      const out = readFileSync(path.join(sandboxes, `${inst.instanceId}._app.${n}`, 'stdout'), 'utf8');
      expect(out).toBe(date);
    }
    expect(inst.agentId).toBe(inst.reservation!.agentId);
  });
});
