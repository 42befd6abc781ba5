import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BATON, ROOT } from '../helpers/cli.js';
import { until } from '../helpers/engine.js';

describe('baton up: foreground engine, deploy, stream, Ctrl-C removes what it deployed', () => {
  let dir: string;
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('deploys recipes/hello, streams task events, and on SIGINT removes the apps and stops', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-up-'));
    const stateDir = path.join(dir, 'state');
    const child = spawn(process.execPath, [BATON, 'up', 'recipes/hello'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', BATON_STATE_DIR: stateDir, BATON_ENGINE_PORT: '0' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(() => existsSync(path.join(stateDir, 'engine.json')), 15_000, 'the engine');
    const { url, pid } = JSON.parse(readFileSync(path.join(stateDir, 'engine.json'), 'utf8'));
    expect(pid).toBe(child.pid); // in the foreground: this very process
    const tasks = await until(
      async () => {
        const t =
          ((await (await fetch(`${url}/v2/apps/hello/tasks`)).json()) as { tasks?: { state: string }[] }).tasks ?? [];
        return t.length === 3 && t.every((x) => x.state === 'TASK_RUNNING') ? t : undefined;
      },
      20_000,
      'three running tasks',
    );
    expect(tasks).toHaveLength(3);
    await until(
      () => (out.match(/TASK_RUNNING\s+\/hello 127\.0\.1\.\d:\d+/g) ?? []).length >= 3,
      5000,
      'streamed task events',
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/removing \/hello/);
    expect(existsSync(path.join(stateDir, 'engine.json'))).toBe(false);
  }, 60_000);
});
