import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../core/index.js';
import { median, round } from './stats.js';

const BATON = process.env.BATON_BIN ?? path.join(PACKAGE_ROOT, 'dist/cli/baton.js');

/** One CLI command's whole-process time against `node -e 0`, the floor any Node CLI starts from. */
export interface StartupRow {
  command: string;
  ms: number;
  ratio: number;
  goal: number;
}

/** Wall time of one whole process (spawned and waited for), in milliseconds. */
function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: PACKAGE_ROOT, env, stdio: 'ignore' });
  if (r.error) throw r.error;
  return performance.now() - t0;
}

/**
 * Each command's median whole-process time (after one warm-up run: the schema validator cache and
 * the OS file cache are warm, as they are for a user's second command), as a ratio to the median
 * of `node -e 0` measured in the same rounds. Rounds interleave the commands so drift favours none.
 */
export function startupBench(
  runs: number,
  commands: { args: string[]; goal: number; label?: string }[],
  env: NodeJS.ProcessEnv = process.env,
): { nodeMs: number; rows: StartupRow[] } {
  const base = ['-e', '0'];
  for (const c of commands) timeOnce([BATON, ...c.args], env); // warm-up
  const node: number[] = [];
  const samples = commands.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    node.push(timeOnce(base, env));
    commands.forEach((c, i) => samples[i].push(timeOnce([BATON, ...c.args], env)));
  }
  const nodeMs = median(node);
  return {
    nodeMs: round(nodeMs, 1),
    rows: commands.map((c, i) => ({
      command: c.label ?? `baton ${c.args.join(' ')}`,
      ms: round(median(samples[i]), 1),
      ratio: round(median(samples[i]) / nodeMs, 2),
      goal: c.goal,
    })),
  };
}
