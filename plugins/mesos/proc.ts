import { readFileSync } from 'node:fs';

/** Start time of a process (clock ticks since boot, /proc/<pid>/stat field 22); undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined; // a zombie has exited
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is the same process as recorded (guards against pid reuse). */
export function isSameProcess(pid: number | undefined, startTime: string | undefined): boolean {
  if (!pid) return false;
  const now = processStartTime(pid);
  return now !== undefined && (startTime === undefined || now === startTime);
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  6: 'SIGABRT',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};
export const signalName = (n: number) => SIGNALS[n] ?? `signal ${n}`;
