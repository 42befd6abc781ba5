import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatonError } from './errors.js';
import type { BatonPlugin } from './plugin-api.js';
import type { PluginSetting } from './recipe/types.js';
import type { Runner } from './runner.js';

/**
 * Put the plugins of a run on a runner: the built-in default set (minus those the recipe switches
 * off with `false`), then every other key of the recipe's `plugins` section, loaded by npm name
 * (resolved from the recipe's directory) or by relative path.
 */
export async function usePlugins(
  runner: Runner,
  builtins: readonly BatonPlugin[],
  settings: Record<string, PluginSetting>,
  fromDir: string,
): Promise<void> {
  const byName = new Map(builtins.map((p) => [p.name, p]));
  for (const p of builtins) {
    const s = settings[p.name];
    const on = s === undefined ? p.enabledByDefault !== false : s !== false;
    if (on) runner.use(p, typeof s === 'object' ? s : {}, `built-in plugin ${p.name}`);
  }
  for (const [spec, s] of Object.entries(settings)) {
    if (byName.has(spec) || s === false) continue;
    const plugin = await loadPlugin(spec, fromDir, typeof s === 'object' ? s : {});
    runner.use(plugin, typeof s === 'object' ? s : {}, spec);
  }
}

/** Load one plugin module. Its export may be the plugin, or a factory called with the options. */
export async function loadPlugin(
  spec: string,
  fromDir: string,
  options: Record<string, unknown> = {},
): Promise<unknown> {
  let file: string;
  try {
    file = spec.startsWith('.') || path.isAbsolute(spec) ? path.resolve(fromDir, spec) : resolvePackage(spec, fromDir);
  } catch (err) {
    throw new BatonError('BATON_PLUGIN_NOT_FOUND', `Cannot find plugin '${spec}' from ${fromDir}`, {
      plugin: spec,
      cause: err,
      details: 'Install it next to the recipe (npm install), or give a path starting with ./',
    });
  }
  if (!existsSync(file))
    throw new BatonError('BATON_PLUGIN_NOT_FOUND', `Plugin file ${file} does not exist`, { plugin: spec });
  let mod: Record<string, unknown>;
  try {
    mod = /\.[mc]?ts$/.test(file) ? await importTypeScript(file) : await import(pathToFileURL(file).href);
  } catch (err) {
    throw new BatonError('BATON_PLUGIN_INVALID', `Plugin '${spec}' failed to load: ${(err as Error).message}`, {
      plugin: spec,
      cause: err,
    });
  }
  const exported = (mod.default as Record<string, unknown> | undefined)?.default ?? mod.default ?? mod.plugin ?? mod;
  return typeof exported === 'function' ? (exported as (o: object) => unknown)(options) : exported;
}

/** Resolve an npm package's entry from `fromDir`, honouring ESM-only `exports` (import/default). */
function resolvePackage(name: string, fromDir: string): string {
  const req = createRequire(path.join(fromDir, 'noop.js'));
  try {
    return req.resolve(name);
  } catch (err) {
    // ESM-only packages have no "require" condition: find the package.json and read "exports".
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const pkgDir = path.join(dir, 'node_modules', name);
      const pkgFile = path.join(pkgDir, 'package.json');
      if (existsSync(pkgFile)) {
        const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: unknown; main?: string; module?: string };
        const entry = exportsEntry(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
        return path.join(pkgDir, entry);
      }
      if (path.dirname(dir) === dir) throw err;
    }
  }
}

function exportsEntry(exp: unknown): string | undefined {
  if (typeof exp === 'string') return exp;
  if (!exp || typeof exp !== 'object') return undefined;
  const o = exp as Record<string, unknown>;
  const dot = '.' in o ? o['.'] : o;
  if (typeof dot === 'string') return dot;
  if (dot && typeof dot === 'object') {
    const d = dot as Record<string, unknown>;
    for (const k of ['import', 'node', 'default']) {
      const v = d[k];
      if (typeof v === 'string') return v;
      const nested = exportsEntry(v);
      if (nested) return nested;
    }
  }
  return undefined;
}

/**
 * TypeScript plugins: transpiled (not type-checked) with the `typescript` package into a temporary
 * .mjs beside the source, so its relative imports still resolve, imported, then removed.
 */
async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  const ts = (await import('typescript')).default;
  const source = await readFile(file, 'utf8');
  const out = ts
    .transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    })
    .outputText.replace(/(from\s+['"]\.{1,2}\/[^'"]+?)\.ts(['"])/g, '$1.js$2');
  const tmp = `${file}.${process.pid}.${Date.now()}.mjs`;
  await writeFile(tmp, out);
  try {
    return await import(pathToFileURL(tmp).href);
  } finally {
    await rm(tmp, { force: true });
  }
}
