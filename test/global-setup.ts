import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CLI tests run the compiled `baton` (as users do); build it once before any test file runs.
 * CLI calls that bring up the embedded engine without a state dir of their own (`baton plan
 * recipes/hello`) get one made here, never the user's: its engine is stopped and the directory
 * removed when the run ends.
 */
export default function setup(): () => void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
    { stdio: 'inherit' },
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-test-default-'));
  process.env.BATON_TEST_STATE_DIR = path.join(dir, 'state');
  return () => {
    if (!process.env.BATON_MARATHON_DATA)
      process.stdout.write(
        "\nSkipped: the tests against Marathon's published schema and examples (BATON_MARATHON_DATA is not set; docs/compatibility.md).\n",
      );
    try {
      execFileSync(process.execPath, [path.join(root, 'dist/bin/baton.js'), 'engine', 'stop'], {
        env: { ...process.env, BATON_STATE_DIR: process.env.BATON_TEST_STATE_DIR },
        stdio: 'ignore',
        timeout: 30_000,
      });
    } catch {
      /* no engine was started there */
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
