import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import docker, { dockerClient } from '../../plugins/docker/index.js';
import engine from '../../plugins/engine/index.js';
import { startEngineWith } from '../../plugins/engine/build.js';
import type { RunningEngine } from '../../plugins/engine/serve.js';
import { defaultAgents, resolveSettings } from '../../plugins/engine/settings.js';
import marathon from '../../plugins/marathon/index.js';
import persistence from '../../plugins/persistence/index.js';
import { readIf, until } from '../helpers/engine.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers read field by field
type Json = any;

/**
 * A dockerd of the test's own: its own socket, data and exec roots, and its own network namespace
 * (`unshare -n`) — a second daemon in the host's namespace would tear down the main daemon's docker0
 * bridge. Restarting it touches nothing else on the machine.
 */
function startDockerd(root: string): ChildProcess {
  return spawn(
    'unshare',
    [
      '-n',
      'dockerd',
      '--host',
      `unix://${root}/docker.sock`,
      '--data-root',
      `${root}/data`,
      '--exec-root',
      `${root}/exec`,
      '--pidfile',
      `${root}/dockerd.pid`,
      '--bridge',
      'none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    { stdio: 'ignore' },
  );
}

describe('dockerd restart: the engine reconciles', () => {
  let root: string;
  let dockerd: ChildProcess;
  let running: RunningEngine;
  let endpoint: string;
  let stateDir: string;
  const api = async (m: string, p: string, body?: unknown) =>
    (
      await fetch(running.url + p, {
        method: m,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json() as Promise<Json>;
  const runningTasks = async (id: string) =>
    ((await api('GET', `/v2/apps${id}/tasks`)).tasks as { id: string; state: string; slaveId: string }[]).filter(
      (t) => t.state === 'TASK_RUNNING',
    );
  const restartDockerd = async () => {
    dockerd.kill('SIGTERM');
    await new Promise((r) => dockerd.once('exit', r));
    return async () => {
      dockerd = startDockerd(root);
      await until(
        () =>
          dockerClient(endpoint)
            .ping()
            .then(
              () => true,
              () => false,
            ),
        30_000,
        'dockerd back',
      );
    };
  };
  beforeAll(async () => {
    root = mkdtempSync(path.join('/tmp', 'bd-')); // short: unix socket paths are limited
    endpoint = `unix://${root}/docker.sock`;
    dockerd = startDockerd(root);
    const d = dockerClient(endpoint);
    await until(
      () =>
        d.ping().then(
          () => true,
          () => false,
        ),
      30_000,
      'the test dockerd',
    );
    // The offline busybox image, copied from the main daemon.
    execFileSync('sh', ['-c', `docker save baton-test/busybox:1 | docker -H ${endpoint} load -q`], { stdio: 'ignore' });
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'baton-dockerd-restart-'));
    // Every agent's containers run on the test's dockerd (engine.agents[].docker).
    const agents = defaultAgents().map((a) => ({ ...a, docker: endpoint }));
    const settings = { ...resolveSettings({ stateDir, agents }), port: 0 };
    running = await startEngineWith([marathon, engine, docker, persistence], settings);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    const d = dockerClient(endpoint);
    for (const c of await d.listContainers({ all: true }).catch(() => []))
      await d
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    dockerd.kill('SIGTERM');
    await new Promise((r) => (dockerd.exitCode !== null ? r(null) : dockerd.once('exit', r)));
    // dockerd leaves its default network namespace mounted under the exec root.
    try {
      execFileSync('umount', ['-l', `${root}/exec/netns/default`], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
    await rm(root, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
  }, 60_000);

  it('containers stopped by a dockerd restart are relaunched once it is back; the engine stays up meanwhile', async () => {
    // Host networking in the test daemon's own namespace: the tasks need no network to prove the point.
    await api('POST', '/v2/apps', {
      id: '/web-c',
      instances: 2,
      cpus: 0.1,
      mem: 32,
      backoffSeconds: 1,
      portDefinitions: [],
      cmd: 'exec sleep 100000',
      container: { docker: { image: 'baton-test/busybox:1' } },
    });
    const running2 = () => runningTasks('/web-c');
    const before = await until(
      async () => ((await running2()).length === 2 ? running2() : undefined),
      20_000,
      'two containers',
    );

    const restart = await restartDockerd();
    // The daemon is down: the engine answers and reports what it knows.
    expect((await api('GET', '/v2/apps/web-c')).app.instances).toBe(2);
    await restart();

    const after = await until(
      async () => {
        const t = await running2();
        return t.length === 2 && t.every((x) => !before.map((b) => b.id).includes(x.id)) ? t : undefined;
      },
      30_000,
      'two relaunched containers',
    );
    expect(after).toHaveLength(2);
    await api('DELETE', '/v2/apps/web-c');
  }, 90_000);

  it('a persistent volume survives a dockerd restart: the same instance comes back on its agent to the same data', async () => {
    // The volume survival matrix's last row (crash, health kill, scale, upgrade, engine restart: test/persistence).
    const id = '/pv-c';
    await api('POST', '/v2/apps', {
      id,
      instances: 1,
      cpus: 0.1,
      mem: 32,
      backoffSeconds: 1,
      backoffFactor: 1,
      portDefinitions: [],
      cmd: 'cd $MESOS_SANDBOX/data && { [ -f token ] || cat /proc/sys/kernel/random/uuid > token; }; echo "$MESOS_TASK_ID $(cat token)" >> starts; exec sleep 100000',
      container: {
        type: 'DOCKER',
        docker: { image: 'baton-test/busybox:1' },
        volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 16 } }],
      },
    });
    const [first] = await until(
      async () => ((await runningTasks(id)).length === 1 ? runningTasks(id) : undefined),
      20_000,
      'the resident container',
    );
    const inst = running.engine.state.instancesOf(id)[0];
    const dir = inst.reservation!.volumes[0].hostPath;
    const token = await until(() => readIf(path.join(dir, 'token')).trim() || undefined, 10_000, 'the token written');

    const restart = await restartDockerd();
    await restart();
    const [second] = await until(
      async () => {
        const t = await runningTasks(id);
        return t.length === 1 && t[0].id !== first.id ? t : undefined;
      },
      30_000,
      'the container relaunched',
    );
    // Same instance (only the incarnation moved), same agent, same volume directory, same data.
    expect(second.id.replace(/\.\d+$/, '')).toBe(first.id.replace(/\.\d+$/, ''));
    expect(second.slaveId).toBe(first.slaveId);
    expect(running.engine.state.instancesOf(id)[0].reservation!.volumes[0].hostPath).toBe(dir);
    const starts = await until(
      () => {
        const lines = readIf(path.join(dir, 'starts')).trim().split('\n');
        return lines.length === 2 ? lines : undefined;
      },
      10_000,
      'the second start recorded',
    );
    expect(starts).toEqual([`${first.id} ${token}`, `${second.id} ${token}`]);
    await api('DELETE', `/v2/apps${id}`);
  }, 90_000);
});
