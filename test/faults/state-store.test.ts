import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { runningEngine } from '../../plugins/engine/daemon.js';
import { batonAsync } from '../helpers/cli.js';
import { hit, serverCmd, until } from '../helpers/engine.js';

type Task = { id: string; host: string; ports: number[]; state: string };

/** Overwrite `length` bytes of a file at `offset` (a damaged disk, a bad copy). */
function scribble(file: string, offset: number, length: number): void {
  const buf = readFileSync(file);
  buf.fill(0xff, offset, offset + length);
  writeFileSync(file, buf);
}

/**
 * The engine's state store damaged or gone: the engine refuses to start over it (naming the file
 * and the way back), never starts empty as if nothing had run; a backup made while it ran brings
 * it back, and its tasks, still running, are adopted.
 */
describe('a damaged or missing state store', () => {
  let dir: string;
  let env: Record<string, string>;
  let db: string;
  let backup: string;
  let tasks: Task[];
  const run = (args: string[]) => batonAsync(args, { env });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-state-store-'));
    env = { BATON_STATE_DIR: path.join(dir, 'state'), BATON_ENGINE_PORT: '0' };
    db = path.join(env.BATON_STATE_DIR, 'engine.db');
    backup = path.join(dir, 'backup.db');
    const recipe = path.join(dir, 'kept.json');
    writeFileSync(
      recipe,
      JSON.stringify({
        id: '/kept',
        cmd: serverCmd(),
        cpus: 0.02,
        mem: 32,
        instances: 2,
        portDefinitions: [{ port: 0 }],
      }),
    );
    const r = await run(['deploy', recipe]);
    expect(r.code, r.stderr).toBe(0);
    const info = (await runningEngine(env.BATON_STATE_DIR))!;
    tasks = ((await (await fetch(`${info.url}/v2/apps/kept/tasks`)).json()) as { tasks: Task[] }).tasks;
  }, 60_000);

  afterAll(async () => {
    await run(['destroy', '/kept']);
    await run(['engine', 'stop']);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("`engine backup` copies the running engine's store; `restore` refuses while it runs", async () => {
    const b = await run(['engine', 'backup', '--to', backup]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain(`backup of the running engine's state: ${backup}`);
    expect(statSync(backup).size).toBeGreaterThan(4096);
    const r = await run(['engine', 'restore', '--from', backup]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toMatch(/BATON_CONFIG_INVALID: .* is running: stop it first/);
    expect((await run(['engine', 'stop'])).code).toBe(0);
  }, 60_000);

  it('a store with a damaged page is refused at start, naming the file and the way back; the file is kept', async () => {
    scribble(db, 4096, 4096);
    const size = statSync(db).size;
    const r = await run(['engine', 'start']);
    expect(r.code).toBe(EXIT.TARGET_UNAVAILABLE);
    expect(r.stderr).toContain(`BATON_STATE_DAMAGED: the engine's state store ${db} failed SQLite's integrity check`);
    expect(r.stderr).toContain('baton engine restore --from <file>');
    expect(await runningEngine(env.BATON_STATE_DIR)).toBeUndefined();
    expect(statSync(db).size).toBe(size);
  }, 30_000);

  it('a file that is not a database at all is refused the same way', async () => {
    scribble(db, 0, 100);
    const r = await run(['engine', 'start']);
    expect(r.code).toBe(EXIT.TARGET_UNAVAILABLE);
    expect(r.stderr).toMatch(/BATON_STATE_DAMAGED: .*engine\.db is damaged \(file is not a database\)/);
  }, 30_000);

  it('restore puts the backup back (the damaged store kept aside) and the engine adopts the running tasks', async () => {
    const r = await run(['engine', 'restore', '--from', backup]);
    expect(r.code, r.stderr).toBe(0);
    const kept = /kept as (\S+engine\.db\.replaced-\S+?)\)/.exec(r.stdout)?.[1];
    expect(kept && existsSync(kept)).toBe(true);
    expect((await run(['engine', 'start'])).code).toBe(0);
    const info = (await runningEngine(env.BATON_STATE_DIR))!;
    const now = await until(
      async () => {
        const t = ((await (await fetch(`${info.url}/v2/apps/kept/tasks`)).json()) as { tasks: Task[] }).tasks;
        return t.length === 2 && t.every((x) => x.state === 'TASK_RUNNING') && t;
      },
      20_000,
      'the tasks adopted',
    );
    expect(now.map((t) => t.id).sort()).toEqual(tasks.map((t) => t.id).sort());
    for (const t of now) expect(await hit(t.host, t.ports[0])).toMatch(/^ok /);
  }, 60_000);

  it('a store that is gone from a directory an engine used is refused, not replaced by an empty one', async () => {
    expect((await run(['engine', 'stop'])).code).toBe(0);
    renameSync(db, db + '.away');
    const r = await run(['engine', 'start']);
    expect(r.code).toBe(EXIT.TARGET_UNAVAILABLE);
    expect(r.stderr).toContain(`BATON_STATE_DAMAGED: the engine's state store ${db} is missing`);
    expect(existsSync(db)).toBe(false);
    renameSync(db + '.away', db);
    expect((await run(['engine', 'start'])).code).toBe(0);
  }, 60_000);
});
