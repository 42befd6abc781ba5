import type { BatonPlugin } from '../core/index.js';

/**
 * The built-in plugins, on by default (a recipe switches one off with `plugins: { name: false }`).
 * This list is the only place that knows them all: core never imports plugins/.
 */
export function defaultPlugins(): BatonPlugin[] {
  return [];
}
