import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Processes other than this one whose command line names `dir`, with that command line. */
function processesUnder(dir: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (cmd.includes(dir) && !/\) Z /.test(stat)) found.set(pid, cmd);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/**
 * The last step of a test's cleanup: processes still running from its own temp directory (tasks,
 * their supervisors, HAProxy — each names that directory on its command line) a second after the
 * graceful cleanup (destroy the apps, let marathon-lb stop HAProxy, stop the engine) are ended by
 * pid and named on stderr, so a cleanup that misses something shows in the run instead of piling up.
 * (A killed task's supervisor is still recording its exit for a moment: hence the second.)
 */
export async function endLeftovers(dir: string): Promise<number[]> {
  if (!dir.startsWith('/tmp/')) return []; // only our own temp directories, never a shared path
  let left = processesUnder(dir);
  for (let i = 0; i < 20 && left.size > 0; i++) {
    await sleep(50);
    left = processesUnder(dir);
  }
  for (const [pid, cmd] of left) {
    try {
      process.kill(pid, 'SIGKILL');
      process.stderr.write(`[cleanup] ended a process left behind under ${dir}: ${pid} ${cmd.slice(0, 160)}\n`);
    } catch {
      /* already gone */
    }
  }
  return [...left.keys()];
}
