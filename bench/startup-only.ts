import { ensureEngine, stopEngine } from '../plugins/engine/daemon.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';
import { startupBench } from './startup.js';

/**
 * `npm run bench:startup`: how long each everyday command takes as a whole process, against
 * `node -e 0` (`status` against a running engine, on its own state directory).
 */
export async function startupRows(runs: number) {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-startup-'));
  const port = await freePort('127.0.0.1');
  const settings = { ...resolveSettings({ stateDir }), port };
  await ensureEngine(settings);
  const env = { ...process.env, BATON_STATE_DIR: stateDir, BATON_ENGINE_PORT: String(port) };
  try {
    return startupBench(
      runs,
      [
        { args: ['--version'], goal: 2 },
        { args: ['--help'], goal: 2 },
        { args: ['validate', 'recipes/hello'], goal: 3 },
        { args: ['schema'], goal: 3 },
        { args: ['plan', 'recipes/hello'], goal: 4 },
        { args: ['status'], goal: 4 },
      ],
      env,
    );
  } finally {
    await stopEngine(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('startup-only.js')) {
  const { nodeMs, rows } = await startupRows(Number(process.env.BATON_BENCH_RUNS ?? 9));
  console.log(`node -e 0: ${nodeMs} ms`);
  for (const r of rows)
    console.log(
      `${r.ratio <= r.goal ? '✓' : '✗'} ${r.command.padEnd(32)} ${String(r.ms).padStart(7)} ms  ${r.ratio}×  (goal ≤ ${r.goal}×)`,
    );
}
