import type { Writable } from 'node:stream';

/** Where a command's output goes: the process's streams, or a test's. */
export interface RenderTarget {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}
