import type { BatonPlugin } from '../plugin-api.js';
import type { RenderTarget } from '../report/target.js';

export interface CliEnv {
  /** The built-in (default-set) plugins; a recipe can switch them off or add third-party ones. */
  builtins: readonly BatonPlugin[];
  io?: RenderTarget;
  cwd?: string;
  /** Where to keep the default `--help` and `schema` outputs for a faster next answer (bin/fast-path.ts). */
  keep?: { files: { help: string; schema: string }; write(file: string, text: string): void };
}

/** What a command handler gets to do its job. */
export interface CliContext {
  builtins: readonly BatonPlugin[];
  io: RenderTarget;
  cwd: string;
  /** Set the process exit code (the last call wins). */
  exit(code: number): void;
  keep?: CliEnv['keep'];
}
