import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../plugins/docker/index.js';
import { LABEL } from '../../plugins/docker/runtime.js';
import { ROOT } from '../helpers/cli.js';
import { hit, serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

/*
 * Pods on the embedded engine (marathon-semantics.md §6) through /v2/pods, with real processes and real
 * containers: containers of an instance together on one agent, localhost between them, shared
 * volumes, per-container health, the instance failing as a whole, persistent volumes, adoption.
 */

type Container = {
  name: string;
  status: string;
  containerId: string;
  endpoints: { name: string; allocatedHostPort: number; healthy?: boolean }[];
};
type Instance = {
  id: string;
  status: string;
  agentId: string;
  agentHostname: string;
  containers: Container[];
  localVolumes: { containerPath: string; persistenceId: string }[];
};
type Status = { id: string; status: string; instances: Instance[] };

const recipePod = () =>
  (
    JSON.parse(readFileSync(path.join(ROOT, 'recipes/pod/baton.config.json'), 'utf8')) as {
      pods: Record<string, unknown>[];
    }
  ).pods[0];

describe('pods on the embedded engine', { timeout: 90_000 }, () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => {
    const dir = e?.stateDir;
    await e?.destroy();
    if (dir) (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    const docker = dockerClient();
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL.engine}=${e.engine.id}`] } }))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
  });
  const status = async (id: string) => (await e.api('GET', `/v2/pods${id}::status`)).body as Status;
  const stable = (id: string, n: number, also: (s: Status) => boolean = () => true) =>
    until(
      async () => {
        const s = await status(id);
        return s.status === 'STABLE' && s.instances.filter((i) => i.status === 'STABLE').length === n && also(s)
          ? s
          : undefined;
      },
      30_000,
      `${n} stable instance(s) of pod ${id}`,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(await status(id))}; queue ${JSON.stringify(e.engine.queue.get(id))}`,
      );
    });
  const sandboxOf = (instanceId: string, taskId: string) => {
    const i = e.engine.state.instances.get(instanceId)!;
    return path.join(i.sandbox!, 'tasks', taskId);
  };

  it('recipes/pod: web and sidecar on one agent, sharing a volume and reaching each other on localhost', async () => {
    const created = await e.api('POST', '/v2/pods', recipePod());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get('marathon-deployment-id')).toBeTruthy();
    expect(created.body).toMatchObject({
      id: '/web-with-sidecar',
      version: expect.any(String),
      scaling: { instances: 2 },
    });
    const s = await stable('/web-with-sidecar', 2);
    // Pods are not apps, and apps are not pods.
    expect((await e.api('GET', '/v2/apps')).body.apps.map((a: { id: string }) => a.id)).not.toContain(
      '/web-with-sidecar',
    );
    expect((await e.api('GET', '/v2/apps/web-with-sidecar')).status).toBe(404);
    expect((await e.api('GET', '/v2/pods')).body.map((p: { id: string }) => p.id)).toEqual(['/web-with-sidecar']);
    expect((await fetch(`${e.url}/v2/pods`, { method: 'HEAD' })).status).toBe(200);
    for (const inst of s.instances) {
      expect(inst.containers.map((c) => c.name)).toEqual(['web', 'sidecar']);
      expect(inst.containers[0].containerId).toBe(`${inst.id}.web.1`);
      const port = inst.containers[0].endpoints[0].allocatedHostPort;
      expect(inst.containers[0].endpoints[0]).toEqual({ name: 'http', allocatedHostPort: port, healthy: true });
      // The page the sidecar writes into the shared volume is what web serves (per instance: its own volume).
      const page = await until(
        async () => {
          const t = await hit(inst.agentHostname, port).catch(() => '');
          return t.startsWith('page written by the sidecar') ? t : undefined;
        },
        15_000,
        "the sidecar's page",
      );
      expect(page).toContain(`instance-${inst.id}`);
      // The sidecar reached web on localhost.
      const out = path.join(sandboxOf(inst.id, inst.containers[1].containerId), 'stdout');
      await until(
        () =>
          existsSync(out) &&
          readFileSync(out, 'utf8').includes('web answered on localhost: page written by the sidecar'),
        15_000,
        'the sidecar reaching web on localhost',
      );
    }
    // Marathon's pod variables in each container (its pid from the supervisor's pid file: the
    // engine reads that file only when it needs the pid).
    const webPid = readFileSync(
      path.join(sandboxOf(s.instances[0].id, s.instances[0].containers[0].containerId), '.baton', 'task.pid'),
      'utf8',
    ).trim();
    const env = readFileSync(`/proc/${webPid}/environ`, 'utf8').split('\0');
    expect(env).toEqual(
      expect.arrayContaining([
        `ENDPOINT_HTTP=${s.instances[0].containers[0].endpoints[0].allocatedHostPort}`,
        'MARATHON_CONTAINER_ID=web',
        'MARATHON_APP_ID=/web-with-sidecar',
        `MESOS_TASK_ID=${s.instances[0].id}.web.1`,
      ]),
    );
  });

  it('a failing container health check kills the instance as a whole; it is relaunched with every container', async () => {
    const id = '/pod/health';
    const r = await e.api('POST', '/v2/pods', {
      id,
      scaling: { kind: 'fixed', instances: 1 },
      scheduling: { backoff: { backoff: 1, backoffFactor: 1 } },
      containers: [
        {
          name: 'app',
          resources: { cpus: 0.05, mem: 32 },
          endpoints: [{ name: 'http', hostPort: 0 }],
          exec: { command: { shell: serverCmd() } },
          healthCheck: {
            http: { endpoint: 'http', path: '/health' },
            gracePeriodSeconds: 5,
            delaySeconds: 0,
            intervalSeconds: 2,
            timeoutSeconds: 1,
            maxConsecutiveFailures: 1,
          },
        },
        { name: 'helper', resources: { cpus: 0.05, mem: 16 }, exec: { command: { shell: 'sleep 600' } } },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const [first] = (await stable(id, 1)).instances;
    const port = first.containers[0].endpoints[0].allocatedHostPort;
    // The helper of incarnation 1 (our own task's pid, read from its supervisor's pid file).
    const helperPidFile = path.join(sandboxOf(first.id, first.containers[1].containerId), '.baton', 'task.pid');
    const oldHelper = Number(
      await until(
        () => (existsSync(helperPidFile) ? readFileSync(helperPidFile, 'utf8').trim() : ''),
        10_000,
        "the helper's pid",
      ),
    );
    await until(
      () =>
        fetch(`http://${first.agentHostname}:${port}/fail`, { method: 'POST' }).then(
          (r) => r.ok,
          () => false,
        ),
      10_000,
      'POST /fail',
    );
    const again = await stable(id, 1, (s) => s.instances[0].containers[0].containerId.endsWith('.2'));
    expect(again.instances[0].id).toBe(first.id);
    expect(again.instances[0].containers.map((c) => c.containerId)).toEqual([
      `${first.id}.app.2`,
      `${first.id}.helper.2`,
    ]);
    // The helper of incarnation 1 was stopped with its instance, not left behind.
    expect(oldHelper).toBeGreaterThan(0);
    await until(
      () => !existsSync(`/proc/${oldHelper}`) || readFileSync(`/proc/${oldHelper}/stat`, 'utf8').split(' ')[2] === 'Z',
      10_000,
      'the old helper stopped',
    );
    const failure = e.events.find(
      (x) =>
        x.eventType === 'status_update_event' && x.taskId === `${first.id}._app.1` && x.taskStatus === 'TASK_KILLED',
    );
    expect(failure).toBeTruthy();
  });

  it('one container exiting ends the instance: the others are stopped and all relaunch together', async () => {
    const id = '/pod/exit';
    await e.api('POST', '/v2/pods', {
      id,
      scaling: { kind: 'fixed', instances: 1 },
      scheduling: { backoff: { backoff: 1, backoffFactor: 1 } },
      volumes: [{ name: 'v' }],
      containers: [
        {
          name: 'long',
          resources: { cpus: 0.05, mem: 16 },
          exec: { command: { shell: 'echo $$ > v/long.pid; exec sleep 600' } },
          volumeMounts: [{ name: 'v', mountPath: 'v' }],
        },
        { name: 'short', resources: { cpus: 0.05, mem: 16 }, exec: { command: { shell: 'sleep 1; exit 3' } } },
      ],
    });
    const [first] = (await stable(id, 1)).instances;
    const pidFile = path.join(e.engine.state.instances.get(first.id)!.sandbox!, 'volumes', 'v', 'long.pid');
    const pid = Number(
      await until(
        () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : ''),
        10_000,
        "the long container's pid",
      ),
    );
    await until(
      () =>
        e.events.some(
          (x) =>
            x.eventType === 'status_update_event' &&
            x.taskId === `${first.id}._app.1` &&
            x.taskStatus === 'TASK_FAILED',
        ),
      15_000,
      'the instance failing',
    );
    const failed = e.events.find(
      (x) =>
        x.eventType === 'status_update_event' && x.taskId === `${first.id}._app.1` && x.taskStatus === 'TASK_FAILED',
    )!;
    expect(failed.message).toMatch(/^container short: exited with code 3/);
    // The long-running container of that instance is gone too (it was our own child's pid).
    await until(
      () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z',
      10_000,
      'the long container stopped',
    );
    await until(
      () => e.engine.state.instances.get(first.id)!.incarnation >= 2,
      15_000,
      'a relaunch of the whole instance',
    );
  });

  it('a persistent volume in a pod keeps its data across relaunches of the instance; the pod survives an engine restart', async () => {
    const id = '/pod/pv';
    const r = await e.api('POST', '/v2/pods', {
      id,
      scaling: { kind: 'fixed', instances: 1 },
      scheduling: { backoff: { backoff: 1, backoffFactor: 1 } },
      volumes: [{ name: 'data', persistent: { size: 16 } }],
      containers: [
        {
          name: 'db',
          resources: { cpus: 0.05, mem: 16 },
          exec: {
            command: {
              shell:
                '[ -f data/token ] || cat /proc/sys/kernel/random/uuid > data/token; echo $MESOS_TASK_ID >> data/starts; exec sleep 600',
            },
          },
          volumeMounts: [{ name: 'data', mountPath: 'data' }],
        },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.scheduling.upgrade).toEqual({ minimumHealthCapacity: 0.5, maximumOverCapacity: 0 });
    const [first] = (await stable(id, 1)).instances;
    expect(first.localVolumes).toEqual([
      { runSpecId: id, containerPath: 'data', persistenceId: expect.stringMatching(/^pod_pv#data#/) },
    ]);
    const dir = e.engine.state.instances.get(first.id)!.reservation!.volumes[0].hostPath;
    const token = await until(
      () => (existsSync(path.join(dir, 'token')) ? readFileSync(path.join(dir, 'token'), 'utf8') : ''),
      10_000,
      'the token',
    );
    // Kill the instance (no wipe): same agent, same volume.
    expect((await e.api('DELETE', `/v2/pods${id}::instances/${first.id}`)).status).toBe(200);
    const second = (await stable(id, 1, (s) => s.instances[0].containers[0].containerId.endsWith('.2'))).instances[0];
    expect(second.agentId).toBe(first.agentId);
    expect(readFileSync(path.join(dir, 'token'), 'utf8')).toBe(token);
    // Engine restart: the pod's containers are adopted, not restarted.
    await e.close();
    e = await startTestEngine({ stateDir: e.stateDir });
    const adopted = (await stable(id, 1)).instances[0];
    expect(adopted.containers[0].containerId).toBe(second.containers[0].containerId);
    expect(readFileSync(path.join(dir, 'starts'), 'utf8').trim().split('\n')).toEqual([
      `${first.id}.db.1`,
      `${first.id}.db.2`,
    ]);
    // An upgrade (new command) reuses the reservation: stop first, then the new version on the same volume.
    const put = await e.api('PUT', `/v2/pods${id}`, { ...r.body, version: undefined, labels: { release: '2' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const upgraded = (await stable(id, 1, (s) => s.instances[0].containers[0].containerId.endsWith('.3'))).instances[0];
    expect(upgraded.id).toBe(first.id);
    expect(readFileSync(path.join(dir, 'token'), 'utf8')).toBe(token);
    // Deleting the pod destroys its volume.
    expect((await e.api('DELETE', `/v2/pods${id}`)).status).toBe(202);
    await until(() => !existsSync(dir), 15_000, 'the volume gone with its pod');
  });

  it('a container with an image and a command container share a volume in one instance', async () => {
    const id = '/pod/mixed';
    const r = await e.api('POST', '/v2/pods', {
      id,
      scaling: { kind: 'fixed', instances: 1 },
      volumes: [{ name: 'shared' }],
      containers: [
        {
          name: 'writer',
          resources: { cpus: 0.05, mem: 16 },
          image: { kind: 'DOCKER', id: 'baton-test/busybox:1' },
          exec: {
            command: {
              shell: 'echo "from the container $MARATHON_CONTAINER_ID" > $MESOS_SANDBOX/shared/note; exec sleep 600',
            },
          },
          volumeMounts: [{ name: 'shared', mountPath: 'shared' }],
        },
        {
          name: 'reader',
          resources: { cpus: 0.05, mem: 16 },
          exec: { command: { shell: 'exec sleep 600' } },
          volumeMounts: [{ name: 'shared', mountPath: 'shared' }],
        },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const [inst] = (await stable(id, 1)).instances;
    // The reader's sandbox sees what the container wrote: one directory, two mounts.
    const note = path.join(sandboxOf(inst.id, inst.containers[1].containerId), 'shared', 'note');
    expect(await until(() => (existsSync(note) ? readFileSync(note, 'utf8') : ''), 15_000, 'the note')).toBe(
      'from the container writer\n',
    );
    const cs = await dockerClient().listContainers({
      filters: { label: [`${LABEL.engine}=${e.engine.id}`, `${LABEL.task}=${inst.containers[0].containerId}`] },
    });
    expect(cs).toHaveLength(1);
    expect((await e.api('DELETE', `/v2/pods${id}`)).status).toBe(202);
    await until(
      async () =>
        (
          await dockerClient().listContainers({
            filters: { label: [`${LABEL.task}=${inst.containers[0].containerId}`] },
          })
        ).length === 0,
      20_000,
      'the container removed',
    );
  });

  it('a container/bridge pod: an infrastructure container holds the namespace, the containers reach each other on localhost, endpoints are published on the agent', async () => {
    const id = '/pod/bridge';
    const r = await e.api('POST', '/v2/pods', {
      id,
      scaling: { kind: 'fixed', instances: 1 },
      networks: [{ mode: 'container/bridge' }],
      volumes: [{ name: 'www' }],
      containers: [
        {
          name: 'web',
          resources: { cpus: 0.05, mem: 16 },
          image: { kind: 'DOCKER', id: 'baton-test/busybox:1' },
          endpoints: [{ name: 'http', containerPort: 8080 }],
          exec: { command: { shell: 'exec httpd -f -p 8080 -h $MESOS_SANDBOX/www' } },
          volumeMounts: [{ name: 'www', mountPath: 'www' }],
          healthCheck: {
            http: { endpoint: 'http', path: '/' },
            gracePeriodSeconds: 10,
            delaySeconds: 1,
            intervalSeconds: 2,
            timeoutSeconds: 1,
          },
        },
        {
          name: 'sidecar',
          resources: { cpus: 0.05, mem: 16 },
          image: { kind: 'DOCKER', id: 'baton-test/busybox:1' },
          exec: {
            command: {
              shell:
                'echo "hello from the sidecar, web listens on $ENDPOINT_HTTP" > $MESOS_SANDBOX/www/index.html; while :; do wget -q -O - http://localhost:8080/ && sleep 600; sleep 1; done',
            },
          },
          volumeMounts: [{ name: 'www', mountPath: 'www' }],
        },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const [inst] = (await stable(id, 1)).instances;
    const port = inst.containers[0].endpoints[0].allocatedHostPort;
    // Published on the agent's loopback address only (the infra container's binding).
    expect(
      await until(() => hit(inst.agentHostname, port).catch(() => ''), 15_000, 'web through the published port'),
    ).toBe('hello from the sidecar, web listens on 8080\n');
    // The sidecar reached web on localhost inside the shared namespace.
    const out = path.join(sandboxOf(inst.id, inst.containers[1].containerId), 'stdout');
    await until(
      () => existsSync(out) && readFileSync(out, 'utf8').includes('hello from the sidecar'),
      15_000,
      'the sidecar reaching web on localhost',
    );
    const cs = await dockerClient().listContainers({
      filters: { label: [`${LABEL.engine}=${e.engine.id}`, `${LABEL.instance}=${inst.id}`] },
    });
    expect(cs).toHaveLength(3);
    const infra = cs.find((c) => c.Labels[LABEL.task] === `${inst.id}._app.1`)!;
    expect(infra.Ports).toEqual([
      expect.objectContaining({ IP: inst.agentHostname, PrivatePort: 8080, PublicPort: port }),
    ]);
    for (const c of cs.filter((x) => x !== infra)) expect(c.HostConfig.NetworkMode).toBe(`container:${infra.Id}`); // docker shows the joined container by id
    expect((await e.api('DELETE', `/v2/pods${id}`)).status).toBe(202);
    await until(
      async () =>
        (await dockerClient().listContainers({ filters: { label: [`${LABEL.instance}=${inst.id}`] } })).length === 0,
      20_000,
      "the pod's containers removed",
    );
  });
});
