import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * A small filesystem made for a test (a size-limited tmpfs, labelled baton-test), so a full disk
 * is real without touching the machine's own. Needs root, as CI and this machine run the tests.
 */
export function mountTmpfs(
  dir: string,
  sizeMb: number,
): { filler: string; fill(): void; free(): void; unmount(): void } {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'baton-test', dir]);
  const filler = path.join(dir, 'filler');
  return {
    filler,
    /** Write until the filesystem refuses (ENOSPC), in ever smaller pieces: nothing is left. */
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const size of [1 << 16, 1 << 10, 64, 1]) {
          const buf = Buffer.alloc(size);
          try {
            for (;;) writeSync(fd, buf);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount: () => execFileSync('umount', [dir]),
  };
}
