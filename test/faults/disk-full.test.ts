import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningEngine, stopEngine } from '../../plugins/engine/daemon.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { batonAsync } from '../helpers/cli.js';
import { hit, pidAlive, serverCmd, until } from '../helpers/engine.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

type Task = { id: string; host: string; ports: number[]; state: string };
type AppJson = { instances: number; tasksRunning: number; tasks: Task[]; lastTaskFailure?: { message: string } };

/**
 * The disk where the engine keeps its state fills up (an 8 MB tmpfs made for the test): changes
 * are refused with Marathon's 503 and nothing is half-applied, the daemon stays up, running tasks
 * keep running, and once space returns the engine records what happened meanwhile and carries on.
 */
describe('disk full where the state lives', () => {
  let dir: string;
  let disk: ReturnType<typeof mountTmpfs>;
  let url: string;
  let pid: number;
  let settings: ReturnType<typeof resolveSettings>;
  const api = async <T>(method: string, p: string, body?: unknown) => {
    const r = await fetch(url + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as T };
  };
  const app = async () =>
    (await api<{ app: AppJson }>('GET', '/v2/apps/full?embed=app.tasks&embed=app.lastTaskFailure')).body.app;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-disk-full-'));
    disk = mountTmpfs(path.join(dir, 'disk'), 8);
    settings = { ...resolveSettings({ stateDir: path.join(dir, 'disk', 'state') }), port: 0 };
    const recipe = path.join(dir, 'full.json');
    await writeFile(
      recipe,
      JSON.stringify({
        id: '/full',
        cmd: serverCmd(),
        cpus: 0.02,
        mem: 32,
        instances: 2,
        portDefinitions: [{ port: 0 }],
      }),
    );
    const r = await batonAsync(['deploy', recipe], {
      env: { BATON_STATE_DIR: settings.stateDir, BATON_ENGINE_PORT: '0' },
    });
    expect(r.code, r.stderr).toBe(0);
    const info = (await runningEngine(settings.stateDir))!;
    url = info.url;
    pid = info.pid;
  }, 60_000);

  afterAll(async () => {
    disk?.free();
    if (url) {
      await fetch(`${url}/v2/apps/full?force=true`, { method: 'DELETE' }).catch(() => undefined);
      const tasks = async () =>
        ((await fetch(`${url}/v2/tasks`).then((r) => r.json())) as { tasks: unknown[] }).tasks.length;
      await until(async () => (await tasks()) === 0, 20_000).catch(() => undefined);
      await stopEngine(settings.stateDir);
    }
    disk?.unmount();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses changes with 503 and says why; nothing is applied; the daemon and its tasks stay up', async () => {
    disk.fill();
    const scale = await api<{ message: string }>('PUT', '/v2/apps/full', { instances: 3 });
    expect(scale.status).toBe(503);
    expect(scale.body.message).toMatch(
      /cannot write its state to .*engine\.db: database or disk is full; nothing was changed/,
    );
    const before = await app();
    const kill = await api<{ message: string }>(
      'DELETE',
      `/v2/apps/full/tasks/${encodeURIComponent(before.tasks[0].id)}`,
    );
    expect(kill.status).toBe(503);
    const status = (await api<{ stateUnwritableSince: string | null }>('GET', '/baton/v1/status')).body;
    expect(status.stateUnwritableSince).not.toBeNull();
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^baton_state_writable 0$/m);
    // A task crashes meanwhile: nothing can be recorded, and nothing is acted on.
    const [crash, other] = before.tasks;
    await fetch(`http://${crash.host}:${crash.ports[0]}/exit`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(pidAlive(pid)).toBe(true);
    const during = await app();
    expect(during.instances).toBe(2);
    expect(during.tasks.map((t) => t.id).sort()).toEqual(before.tasks.map((t) => t.id).sort());
    expect(await hit(other.host, other.ports[0])).toMatch(/^ok /);
  }, 60_000);

  it('once space returns: the crash is recorded with its exit code and replaced, and changes are taken again', async () => {
    disk.free();
    await until(
      async () => /^exited with code 3/.test((await app()).lastTaskFailure?.message ?? ''),
      30_000,
      'the crash recorded',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await app())}`);
    });
    const scale = await api('PUT', '/v2/apps/full', { instances: 3 });
    expect(scale.status).toBe(200);
    const after = await until(
      async () => {
        const a = await app();
        return a.tasks.filter((t) => t.state === 'TASK_RUNNING').length === 3 && a;
      },
      30_000,
      'three running',
    );
    expect(after.instances).toBe(3);
    for (const t of after.tasks) expect(await hit(t.host, t.ports[0])).toMatch(/^ok /);
    expect(
      (await api<{ stateUnwritableSince: string | null }>('GET', '/baton/v1/status')).body.stateUnwritableSince,
    ).toBeNull();
    expect(pidAlive(pid)).toBe(true);
  }, 60_000);
});
