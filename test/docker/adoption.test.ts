import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../plugins/docker/index.js';
import { LABEL } from '../../plugins/docker/runtime.js';
import { ensureEngine, runningEngine, stopEngine } from '../../plugins/engine/daemon.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { hit, until } from '../helpers/engine.js';

const docker = dockerClient();

describe('containers outlive the engine: SIGKILL, restart, adopt; strays removed', () => {
  let stateDir: string;
  let engineId = '';
  afterAll(async () => {
    const info = await runningEngine(stateDir);
    if (info) {
      await fetch(`${info.url}/v2/apps/adopt-c`, { method: 'DELETE' }).catch(() => undefined);
      await until(
        async () => ((await (await fetch(`${info.url}/v2/apps`)).json()) as { apps: unknown[] }).apps.length === 0,
        20_000,
        'apps removed',
      ).catch(() => undefined);
    }
    await stopEngine(stateDir);
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL.engine}=${engineId}`] } }))
      await docker.getContainer(c.Id).remove({ force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  it('adopts its containers (none duplicated) and removes a stray labelled one', async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-adopt-docker-'));
    const settings = { ...resolveSettings({ stateDir }), port: 0 };
    let url = (await ensureEngine(settings)).url;
    engineId = ((await (await fetch(`${url}/baton/v1/status`)).json()) as { engineId: string }).engineId;
    const post = await fetch(`${url}/v2/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: '/adopt-c',
        instances: 2,
        cpus: 0.1,
        mem: 32,
        container: { docker: { image: 'baton/minitwit:1' }, portMappings: [{ containerPort: 80, hostPort: 0 }] },
        networks: [{ mode: 'container/bridge' }],
      }),
    });
    expect(post.status).toBe(201);
    const tasksOf = async () =>
      (
        (await (await fetch(`${url}/v2/apps/adopt-c/tasks`)).json()) as {
          tasks: { id: string; host: string; ports: number[]; state: string }[];
        }
      ).tasks;
    const before = await until(
      async () => {
        const t = await tasksOf();
        return t.length === 2 && t.every((x) => x.state === 'TASK_RUNNING') ? t : undefined;
      },
      20_000,
      'two running containers',
    );
    const containers = async () =>
      (await docker.listContainers({ filters: { label: [`${LABEL.engine}=${engineId}`, `${LABEL.app}=/adopt-c`] } }))
        .map((c) => c.Id)
        .sort();
    const ids = await containers();
    expect(ids).toHaveLength(2);

    const info = await runningEngine(stateDir);
    process.kill(info!.pid, 'SIGKILL');
    await until(
      () => {
        try {
          process.kill(info!.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      5000,
      'the engine to die',
    );
    // While no engine runs: a container claiming to be this engine's, which no task knows.
    const stray = await docker.createContainer({
      Image: 'baton-test/busybox:1',
      Cmd: ['sleep', '300'],
      Labels: { [LABEL.engine]: engineId, [LABEL.task]: 'stray.instance-x._app.1' },
    });
    await stray.start();

    url = (await ensureEngine(settings)).url;
    await until(
      async () => !(await docker.listContainers({ all: true, filters: { id: [stray.id] } })).length,
      10_000,
      'the stray to be removed',
    );
    const after = await tasksOf();
    expect(after.map((t) => t.id).sort()).toEqual(before.map((t) => t.id).sort());
    expect(await containers()).toEqual(ids); // the same containers, none added
    for (const t of after)
      expect(await until(() => hit(t.host, t.ports[0]).catch(() => ''), 5000, 'an answer')).toContain('MiniTwit');
  }, 60_000);
});
