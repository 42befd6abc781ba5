import type { JsonPath } from '../validation.js';
import type { App, Pod } from '../marathon/types.js';

/** A spec with where it came from in the recipe, so every finding can name its JSON path. */
export interface Located<T> {
  spec: T;
  /** JSON path of the definition in the recipe file, e.g. ['groups', 0, 'apps', 1]. */
  path: JsonPath;
  /** The definition as written (before normalisation). */
  raw: Record<string, unknown>;
}

export interface RecipeGroup {
  id: string;
  dependencies: string[];
  path: JsonPath;
}

/**
 * Where to deploy. `embedded` (the default) is the engine on this machine; `marathon` a real
 * Marathon/DC/OS. Target plugins read their own settings from `settings`.
 */
export interface TargetSpec {
  kind: string;
  url?: string;
  settings: Record<string, unknown>;
}

/** A plugin named in the recipe: `false` switches a built-in off; an object is its options. */
export type PluginSetting = boolean | Record<string, unknown>;

export interface Recipe {
  name: string;
  /** The file it was loaded from (absent for recipes built in code). */
  file?: string;
  /** Base directory for relative paths (plugins, host volumes). */
  dir: string;
  target: TargetSpec;
  plugins: Record<string, PluginSetting>;
  /** Treat unknown fields as errors instead of warnings. */
  strict: boolean;
  apps: Located<App>[];
  pods: Located<Pod>[];
  groups: RecipeGroup[];
  /** The whole recipe object as loaded (plugins read their own sections from it). */
  raw: Record<string, unknown>;
}
