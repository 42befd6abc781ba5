import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../core/schema-cache.js';
import { CORE_VERSION } from '../core/version.js';

/**
 * Answers given before the CLI and its plugins load (~200 ms of modules): `--version`, and
 * `--help` and `schema` as the last full run of this very build printed them (kubectl and nomad
 * answer these in well under 100 ms). What is cached is keyed by Baton's version, this build (its
 * files' time) and the terminal's width, so a rebuilt or upgraded Baton never prints a stale one.
 */
const key = () => {
  const built = Math.round(statSync(fileURLToPath(import.meta.url)).mtimeMs);
  return `${CORE_VERSION}-${built}-${Math.min(110, process.stdout.columns ?? 100)}`;
};

/** Where the full CLI keeps the outputs the fast path reads (the default plugin set's). */
export function outputCache(): { help: string; schema: string } {
  const dir = cacheDir();
  return { help: path.join(dir, `help-${key()}.txt`), schema: path.join(dir, `schema-${key()}.json`) };
}

/** Keep an output for the fast path (a cache that cannot be written only costs speed). */
export function keepOutput(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}`, text);
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    /* read-only cache directory */
  }
}

/** Answer `argv` here if it can be; false: the full CLI must. */
export function fastPath(argv: string[]): boolean {
  if (argv.length !== 1) return false;
  if (argv[0] === '--version') {
    process.stdout.write(CORE_VERSION + '\n');
    return true;
  }
  const file =
    argv[0] === '--help' || argv[0] === '-h' ? outputCache().help : argv[0] === 'schema' ? outputCache().schema : '';
  if (!file) return false;
  try {
    process.stdout.write(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false; // not kept yet: the full CLI answers, and keeps it
  }
}
