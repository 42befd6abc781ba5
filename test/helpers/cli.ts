import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { endLeftovers } from './leftovers.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BATON = path.join(ROOT, 'dist/cli/baton.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Engines the tests start serve DNS on a free port: test files run side by side (override per test). */
const TEST_ENV = {
  NO_COLOR: '1',
  BATON_DNS: '127.0.3.1:0',
  // The run's own default state dir (test/global-setup.ts), never the user's; any free port.
  ...(process.env.BATON_TEST_STATE_DIR
    ? { BATON_STATE_DIR: process.env.BATON_TEST_STATE_DIR, BATON_ENGINE_PORT: '0' }
    : {}),
};

/** Run the compiled CLI as a user would: a real process, no TTY, NO_COLOR unless overridden. */
export function baton(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, ...TEST_ENV, ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BATON, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Parse NDJSON output into events. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function events(stdout: string): Array<Record<string, any>> {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** The CLI as a child process that runs while the test does other things (e.g. a load loop). */
export function batonAsync(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, ...TEST_ENV, ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BATON, ...args], { cwd: opts.cwd ?? ROOT, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The CLI against an engine daemon of the describe block's own (temp state dir, any free port).
 * Afterwards: `destroy` each of `cleanup` (app ids or recipes), stop the engine, delete the dir.
 */
export function cliDaemon(prefix: string, cleanup: string[], extraEnv: Record<string, string> = {}) {
  const s = {
    dir: '',
    env: {} as Record<string, string>,
    run: (args: string[]) => baton(args, { env: s.env }),
  };
  beforeAll(async () => {
    s.dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    s.env = { BATON_STATE_DIR: path.join(s.dir, 'state'), BATON_ENGINE_PORT: '0', ...extraEnv };
  });
  afterAll(async () => {
    for (const c of cleanup) s.run(['destroy', c]);
    await new Promise((r) => setTimeout(r, 1500));
    s.run(['engine', 'stop']);
    await endLeftovers(s.dir);
    await rm(s.dir, { recursive: true, force: true });
  });
  return s;
}
