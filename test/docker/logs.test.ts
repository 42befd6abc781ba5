import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, BATON, ROOT } from '../helpers/cli.js';
import { until } from '../helpers/engine.js';

describe('baton logs for containers', () => {
  let dir: string;
  let env: Record<string, string>;
  afterAll(async () => {
    baton(['destroy', '/ticker'], { env });
    await new Promise((r) => setTimeout(r, 1500));
    baton(['engine', 'stop'], { env });
    await rm(dir, { recursive: true, force: true });
  });

  it('prints what the container wrote, and -f follows new lines', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-logs-'));
    env = { BATON_STATE_DIR: path.join(dir, 'state'), BATON_ENGINE_PORT: '0' };
    const f = path.join(dir, 'ticker.json');
    await writeFile(
      f,
      JSON.stringify({
        id: '/ticker',
        instances: 1,
        cpus: 0.1,
        mem: 32,
        cmd: 'i=0; while true; do echo "tick $i"; echo "err $i" >&2; i=$((i+1)); sleep 0.3; done',
        container: { docker: { image: 'baton-test/busybox:1' } },
      }),
    );
    expect(baton(['deploy', f], { env }).code).toBe(0);
    await until(() => /tick 2/.test(baton(['logs', '/ticker'], { env }).stdout), 10_000, 'three ticks');
    expect(baton(['logs', '/ticker', '--stderr'], { env }).stdout).toMatch(/^err 0$/m);

    const follow = spawn(process.execPath, [BATON, 'logs', '/ticker', '-f'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = '';
    follow.stdout.on('data', (d) => (out += d));
    const lastTick = () => /tick (\d+)\s*$/.exec(out)?.[1];
    const start = Number(await until(lastTick, 10_000, 'followed output'));
    await until(() => new RegExp(`tick ${start + 3}`).test(out), 10_000, 'new lines while following');
    follow.kill('SIGTERM');
  }, 40_000);
});
