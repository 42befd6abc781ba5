import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { TaskRuntime } from '../../core/index.js';
import type { Instance } from './types.js';

/**
 * A failed exit's message with the cause the task wrote to stderr (`exited with code 127: sh: 1:
 * nosuch: not found`): it is usually there, and Marathon's UIs show only this message.
 */
export function withStderr(message: string, rt: TaskRuntime, i: Instance): string {
  const file = i.handle && i.sandbox ? rt.logFiles(i.handle, i.sandbox)?.stderr : undefined;
  const cause = file ? causeIn(tailLines(file)) : '';
  return cause ? `${message}: ${cause.length > 200 ? cause.slice(0, 200) + '…' : cause}` : message;
}

// Lines that are never the cause: stack frames, carets, a runtime's version banner.
const NOISE = /^(at\s|\^+$|Node\.js v\d|throw\s|\}|\{$)/;
// An error's own line (`Error: listen EADDRINUSE ...`, `sh: 1: x: not found`) before a mere mention.
const ERROR_LINE = /^([A-Za-z]*Error|error|fatal|panic)\b|: (not found|permission denied|no such file)/i;
const CAUSE = /\b(error|not found|denied|refused|failed|cannot|unable)\b/i;

/** The last line that reads like an error, else the last meaningful line ('' when there is none). */
function causeIn(lines: string[]): string {
  const meaningful = lines.filter((l) => !NOISE.test(l));
  return (
    meaningful.findLast((l) => ERROR_LINE.test(l)) ??
    meaningful.findLast((l) => CAUSE.test(l)) ??
    meaningful.at(-1) ??
    ''
  );
}

/** The non-empty lines of a file's last 4 KiB ([] when it cannot be read). */
function tailLines(file: string): string[] {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, 4096));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf
        .toString('utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}
