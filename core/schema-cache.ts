import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type * as AjvModule from 'ajv';
import type { ValidateFunction } from 'ajv';
import { CORE_VERSION } from './version.js';

const require = createRequire(import.meta.url);

/** Where compiled validators are kept: $BATON_CACHE_DIR, else the user's cache directory (XDG). */
export function cacheDir(env = process.env): string {
  if (env.BATON_CACHE_DIR) return env.BATON_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'baton');
}

/** Ajv's options for the recipe schema: every error at once, unions, the parent schema for "did you mean". */
const OPTIONS = { allErrors: true, strict: false, allowUnionTypes: true, verbose: true } as const;

/**
 * A validator for a schema, compiled once per machine rather than once per command: compiling the
 * recipe schema with Ajv took ~200 ms of every `validate`, `plan` and `deploy`. The compiled code
 * (Ajv's standalone output) is kept in the cache directory under a hash of the schema, Ajv's and
 * Baton's versions, and loaded on later runs; any problem with the cache only costs a compile.
 */
export function cachedValidator(schema: object, dir = cacheDir()): ValidateFunction {
  const { $id: _id, ...anonymous } = schema as Record<string, unknown>;
  const text = JSON.stringify(anonymous);
  const ajvPackage = require.resolve('ajv/package.json');
  const ajvVersion = (require(ajvPackage) as { version: string }).version;
  const key = createHash('sha256')
    .update(`${CORE_VERSION}\0${ajvVersion}\0${ajvPackage}\0${text}`)
    .digest('hex')
    .slice(0, 24);
  const file = path.join(dir, `schema-${key}.cjs`);
  try {
    return load(file);
  } catch {
    /* not cached yet, or unreadable: compile */
  }
  const { Ajv } = require('ajv') as typeof AjvModule;
  const standaloneCode = (
    require('ajv/dist/standalone/index.js') as { default: (ajv: unknown, v: ValidateFunction) => string }
  ).default;
  const ajv = new Ajv({ ...OPTIONS, code: { source: true } });
  const validate = ajv.compile(anonymous);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    // The code requires Ajv's runtime helpers by package name, which would not resolve from the
    // cache directory: point them at this installation's files.
    const code = standaloneCode(ajv, validate).replace(
      /require\("(ajv\/[^"]+)"\)/g,
      (_m, spec: string) => `require(${JSON.stringify(require.resolve(spec))})`,
    );
    writeFileSync(tmp, code);
    renameSync(tmp, file); // whole or not at all: another process may be loading it
  } catch {
    /* a read-only home: every run compiles, as before */
  }
  return validate;
}

/**
 * Load a cached validator with V8's code cache beside it (`.v8`): the validator is a large
 * function (~800 KB of code for the recipe schema), and parsing and compiling it again on every
 * run cost more than running it. The code cache is made after the first validation, so the lazily
 * compiled parts are in it; a cache V8 rejects (another Node version) is simply remade.
 */
function load(file: string): ValidateFunction {
  const source = readFileSync(file, 'utf8');
  const codeCache = `${file}.v8`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    /* none yet */
  }
  const script = new vm.Script(`(function (module, exports, require) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (m: object, e: unknown, r: NodeJS.Require) => void)(mod, mod.exports, require);
  const validate = mod.exports as ValidateFunction;
  if (!cachedData || script.cachedDataRejected) {
    // After one run, so the code cache holds the functions that run compiled, not only their shells.
    const make = () => {
      try {
        writeFileSync(`${codeCache}.${process.pid}`, script.createCachedData());
        renameSync(`${codeCache}.${process.pid}`, codeCache);
      } catch {
        /* read-only cache: compile each time */
      }
    };
    const wrapped = ((...args: Parameters<ValidateFunction>) => {
      const ok = validate(...args);
      wrapped.errors = validate.errors;
      if (!made) {
        made = true;
        make();
      }
      return ok;
    }) as ValidateFunction;
    let made = false;
    return wrapped;
  }
  return validate;
}
