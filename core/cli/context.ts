import type { BatonPlugin } from '../plugin-api.js';
import type { RenderTarget } from '../report/target.js';

export interface CliEnv {
  /** The built-in (default-set) plugins; a recipe can switch them off or add third-party ones. */
  builtins: readonly BatonPlugin[];
  io?: RenderTarget;
  cwd?: string;
}

/** What a command handler gets to do its job. */
export interface CliContext {
  builtins: readonly BatonPlugin[];
  io: RenderTarget;
  cwd: string;
  /** Set the process exit code (the last call wins). */
  exit(code: number): void;
}
