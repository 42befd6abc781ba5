import semver from 'semver';
import { BatonError } from './errors.js';
import type { Logger } from './report/events.js';
import type { Runner } from './runner.js';

/** What a plugin's `apply` gets besides the runner. */
export interface PluginTools {
  /** A logger scoped to this plugin. */
  log: Logger;
  /** The plugin's options: the object given in the recipe's `plugins` section, or {}. */
  options: Record<string, unknown>;
  /** Core's version, e.g. "0.1.0". */
  coreVersion: string;
}

/**
 * The plugin contract (fastify-style metadata, webpack-style apply). `apply` taps hooks and must
 * not do I/O: it runs for every command, including `--help`.
 */
export interface BatonPlugin {
  /** Unique name: lowercase, e.g. "mesos" or "baton-plugin-slack". Errors and logs carry it. */
  name: string;
  version?: string;
  /** The core versions it works with, as a semver range (e.g. "^0.1"). */
  requires?: string;
  /** Plugins that must be present (their hooks are reached through `runner.hooksOf`). */
  dependsOn?: string[];
  /**
   * Plugins to apply before this one when they are loaded, without needing them: for tapping the
   * hooks an optional partner publishes (`runner.hasHooks(name)` says whether it is there).
   */
  after?: string[];
  /** False: only used when a recipe switches it on (built-ins default to on). */
  enabledByDefault?: boolean;
  apply(runner: Runner, tools: PluginTools): void;
}

/** Identity helper that gives authors full typing of the contract, hooks and contexts. */
export function definePlugin<P extends BatonPlugin>(plugin: P): P {
  return plugin;
}

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
  if (o.version !== undefined && (typeof o.version !== 'string' || !semver.valid(o.version))) {
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
    if (typeof o.requires !== 'string' || semver.validRange(o.requires) === null) {
      fail(
        `plugin ${name}: 'requires' must be a semver range (got ${JSON.stringify(o.requires)})`,
        'BATON_PLUGIN_INVALID',
        name,
      );
    } else if (!semver.satisfies(coreVersion, o.requires, { includePrerelease: true })) {
      fail(
        `plugin ${name} requires Baton core ${o.requires}, but this is ${coreVersion}`,
        'BATON_PLUGIN_VERSION_MISMATCH',
        name,
      );
    }
  }
}
