import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../plugins/docker/index.js';
import { createDockerRuntime } from '../../plugins/docker/runtime.js';
import { serveEngine, type RunningEngine } from '../../plugins/engine/serve.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { until } from '../helpers/engine.js';

/**
 * A dockerd of the test's own: its own socket, data and exec roots, and its own network namespace
 * (`unshare -n`) — a second daemon in the host's namespace would tear down the main daemon's docker0
 * bridge. Restarting it touches nothing else on the machine.
 */
function startDockerd(root: string): ChildProcess {
  return spawn('unshare', ['-n', 'dockerd',
    '--host', `unix://${root}/docker.sock`, '--data-root', `${root}/data`, '--exec-root', `${root}/exec`,
    '--pidfile', `${root}/dockerd.pid`, '--bridge', 'none', '--iptables=false', '--ip-masq=false',
  ], { stdio: 'ignore' });
}

describe('dockerd restart: the engine reconciles', () => {
  let root: string;
  let dockerd: ChildProcess;
  let running: RunningEngine;
  let endpoint: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join('/tmp', 'bd-')); // short: unix socket paths are limited
    endpoint = `unix://${root}/docker.sock`;
    dockerd = startDockerd(root);
    const d = dockerClient(endpoint);
    await until(() => d.ping().then(() => true, () => false), 30_000, 'the test dockerd');
    // The offline busybox image, copied from the main daemon.
    execFileSync('sh', ['-c', `docker save baton-test/busybox:1 | docker -H ${endpoint} load -q`], { stdio: 'ignore' });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    const d = dockerClient(endpoint);
    for (const c of await d.listContainers({ all: true }).catch(() => [])) await d.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    dockerd.kill('SIGTERM');
    await new Promise((r) => (dockerd.exitCode !== null ? r(null) : dockerd.once('exit', r)));
    // dockerd leaves its default network namespace mounted under the exec root.
    try {
      execFileSync('umount', ['-l', `${root}/exec/netns/default`], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('containers stopped by a dockerd restart are relaunched once it is back; the engine stays up meanwhile', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'baton-dockerd-restart-'));
    const settings = { ...resolveSettings({ stateDir }), port: 0 };
    running = await serveEngine(settings, (id) => [createDockerRuntime({ engineId: id, dockerFor: () => dockerClient(endpoint), allDockers: () => [dockerClient(endpoint)] })]);
    const api = async (m: string, p: string, body?: unknown) => (await fetch(running.url + p, { method: m, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })).json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    // Host networking in the test daemon's own namespace: the tasks need no network to prove the point.
    await api('POST', '/v2/apps', { id: '/web-c', instances: 2, cpus: 0.1, mem: 32, backoffSeconds: 1, portDefinitions: [], cmd: 'exec sleep 100000', container: { docker: { image: 'baton-test/busybox:1' } } });
    const running2 = async () => ((await api('GET', '/v2/apps/web-c/tasks')).tasks as { id: string; state: string }[]).filter((t) => t.state === 'TASK_RUNNING');
    const before = await until(async () => ((await running2()).length === 2 ? running2() : undefined), 20_000, 'two containers');

    dockerd.kill('SIGTERM');
    await new Promise((r) => dockerd.once('exit', r));
    // The daemon is down: the engine answers and reports what it knows.
    expect((await api('GET', '/v2/apps/web-c')).app.instances).toBe(2);
    dockerd = startDockerd(root);
    await until(() => dockerClient(endpoint).ping().then(() => true, () => false), 30_000, 'dockerd back');

    const after = await until(async () => {
      const t = await running2();
      return t.length === 2 && t.every((x) => !before.map((b) => b.id).includes(x.id)) ? t : undefined;
    }, 30_000, 'two relaunched containers');
    expect(after).toHaveLength(2);
    await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
  }, 90_000);
});
