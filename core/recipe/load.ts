import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { cosmiconfig as Cosmiconfig } from 'cosmiconfig';
import { BatonError } from '../errors.js';
import { toRecipeShape, type RawRecipe } from './shape.js';

export const MODULE_NAME = 'baton';

const require = createRequire(import.meta.url);

/** Where a recipe is looked for in a directory, first match wins (cosmiconfig search places). */
export const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.ts`,
  `.${MODULE_NAME}rc.mjs`,
  `.${MODULE_NAME}rc.cjs`,
  `.config/${MODULE_NAME}rc`,
  `.config/${MODULE_NAME}rc.json`,
  `.config/${MODULE_NAME}rc.yaml`,
  `.config/${MODULE_NAME}rc.yml`,
  `.config/${MODULE_NAME}rc.js`,
  `.config/${MODULE_NAME}rc.ts`,
  `.config/${MODULE_NAME}rc.mjs`,
  `.config/${MODULE_NAME}rc.cjs`,
  `${MODULE_NAME}.config.json`,
  `${MODULE_NAME}.config.yaml`,
  `${MODULE_NAME}.config.yml`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.ts`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.cjs`,
];

export interface LoadedRecipe {
  raw: RawRecipe;
  file: string;
  /** What the file held: a Baton recipe, or plain Marathon JSON (app, pod, group). */
  shape: 'recipe' | 'app' | 'pod' | 'group';
  /** Default name: the directory of a config file, or the file's base name. */
  defaultName: string;
}

/**
 * Load a recipe. `where` may be a file (any name; JSON, YAML, JS or TS by extension), a directory
 * (searched with SEARCH_PLACES, that directory only), or absent (search from `cwd` up to the
 * nearest package.json).
 */
export async function loadRecipeFile(where: string | undefined, cwd = process.cwd()): Promise<LoadedRecipe> {
  // Loaded on use: ~25 ms that --version, --help and every recipe-less command need not pay.
  const { cosmiconfig } = require('cosmiconfig') as { cosmiconfig: typeof Cosmiconfig };
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: where === undefined ? 'project' : 'none',
    cache: false,
  });
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  const target = where === undefined ? cwd : path.resolve(cwd, where);
  let isDir = true;
  try {
    isDir = (await stat(target)).isDirectory();
  } catch {
    throw new BatonError('BATON_RECIPE_NOT_FOUND', `No recipe at ${target}`, {
      details:
        'Give a recipe file or a directory holding baton.config.{json,yaml,yml,js,mjs,cjs,ts}, .batonrc* or a package.json "baton" key.',
    });
  }
  try {
    result = isDir ? await explorer.search(target) : await explorer.load(target);
  } catch (err) {
    throw new BatonError(
      'BATON_RECIPE_UNREADABLE',
      `Cannot read recipe ${isDir ? 'in ' + target : target}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!result || result.isEmpty || result.config === undefined || result.config === null) {
    throw new BatonError('BATON_RECIPE_NOT_FOUND', `No recipe found in ${target}`, {
      details: `Looked for: ${SEARCH_PLACES.join(', ')}`,
    });
  }
  const config = (result.config as { default?: unknown }).default ?? result.config;
  const { recipe, shape } = toRecipeShape(config);
  const base = path.basename(result.filepath).replace(/\.(json|ya?ml|[cm]?js|ts)$/, '');
  const fromConfigFile = SEARCH_PLACES.some((p) => result!.filepath.endsWith('/' + p));
  const configDir = path.dirname(result.filepath);
  const projectDir = path.basename(configDir) === '.config' ? path.dirname(configDir) : configDir;
  const defaultName = sanitizeName(fromConfigFile ? path.basename(projectDir) : base);
  return { raw: recipe, file: result.filepath, shape, defaultName };
}

function sanitizeName(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'recipe'
  );
}
