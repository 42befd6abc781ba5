import { createRequire } from 'node:module';
import type Semver from 'semver';
import { BatonError } from './errors.js';
import type { BatonPlugin } from './plugin-api.js';

export type { BatonPlugin, PluginHost, PluginTools } from './plugin-api.js';

/** Identity helper that gives authors full typing of the contract, hooks and contexts. */
export function definePlugin<P extends BatonPlugin>(plugin: P): P {
  return plugin;
}

const require = createRequire(import.meta.url);
/** semver, loaded when a plugin states a range it requires (~30 ms to import; built-ins state none). */
const semver = (): typeof Semver => require('semver');
/** A semantic version, as semver.valid reads one (a leading v or = allowed). */
const VERSION =
  /^[v=]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

const NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** Check a plugin against the contract at registration; coded errors name what is wrong. */
export function checkPlugin(p: unknown, coreVersion: string, source = 'plugin'): asserts p is BatonPlugin {
  const fail = (
    msg: string,
    code: 'BATON_PLUGIN_INVALID' | 'BATON_PLUGIN_VERSION_MISMATCH' = 'BATON_PLUGIN_INVALID',
    plugin?: string,
  ) => {
    throw new BatonError(code, msg, { plugin: plugin ?? source });
  };
  if (typeof p !== 'object' || p === null)
    return fail(`${source} is not a plugin object (got ${p === null ? 'null' : typeof p})`);
  const o = p as Record<string, unknown>;
  if (typeof o.name !== 'string' || !NAME.test(o.name)) {
    return fail(`${source}: 'name' must be a lowercase name such as "my-plugin" (got ${JSON.stringify(o.name)})`);
  }
  const name = o.name;
  if (typeof o.apply !== 'function') fail(`plugin ${name}: 'apply' must be a function`, 'BATON_PLUGIN_INVALID', name);
  if (o.version !== undefined && (typeof o.version !== 'string' || !VERSION.test(o.version))) {
    fail(
      `plugin ${name}: 'version' must be a semver version (got ${JSON.stringify(o.version)})`,
      'BATON_PLUGIN_INVALID',
      name,
    );
  }
  for (const key of ['dependsOn', 'after'] as const) {
    if (o[key] !== undefined && !(Array.isArray(o[key]) && (o[key] as unknown[]).every((d) => typeof d === 'string'))) {
      fail(`plugin ${name}: '${key}' must be an array of plugin names`, 'BATON_PLUGIN_INVALID', name);
    }
  }
  if (o.requires !== undefined) {
    if (typeof o.requires !== 'string' || semver().validRange(o.requires) === null) {
      fail(
        `plugin ${name}: 'requires' must be a semver range (got ${JSON.stringify(o.requires)})`,
        'BATON_PLUGIN_INVALID',
        name,
      );
    } else if (!semver().satisfies(coreVersion, o.requires, { includePrerelease: true })) {
      fail(
        `plugin ${name} requires Baton core ${o.requires}, but this is ${coreVersion}`,
        'BATON_PLUGIN_VERSION_MISMATCH',
        name,
      );
    }
  }
}
