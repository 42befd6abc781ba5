import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Runner, type BatonPlugin, type TaskRuntime } from '../../core/index.js';
import { startServer } from './api/server.js';
import type { EngineHooks, RuntimeRegistry } from './contract.js';
import { Engine } from './engine.js';
import { extensionApi } from './extension-api.js';
import type { PlacementPolicy } from './placement-policy.js';
import { serveEngine, settingsFor, type RunningEngine } from './serve.js';
import type { EngineSettings } from './settings.js';

/**
 * What an engine gets from the plugins that tap the engine's hooks: its task runtimes, its
 * placement policies, and — once started — its volume provider, its health prober and the
 * extensions that work beside it (which see it through the extension API, never the Engine).
 */
export function engineParts(hooks: EngineHooks) {
  return {
    runtimes(engineId: string, settings?: EngineSettings): TaskRuntime[] {
      const list: TaskRuntime[] = [];
      const registry: RuntimeRegistry = {
        engineId,
        offeredCpus: (settings?.agents ?? []).reduce((n, a) => n + a.cpus, 0) || 1,
        agents: settings?.agents ?? [],
        ...(settings ? { stateDir: settings.stateDir } : {}),
        add: (rt) => list.push(rt),
        runtimes: list,
      };
      hooks.runtimes.call(registry);
      return list;
    },
    policies(settings: EngineSettings): PlacementPolicy[] {
      const list: PlacementPolicy[] = [];
      hooks.placement.call({ agents: settings.agents, add: (p) => list.push(p) });
      return list;
    },
    attach(engine: Engine): void {
      hooks.volumes.call({ add: (p) => (engine.volumes = p) });
      const api = extensionApi(engine);
      hooks.probes.call(api);
      hooks.started.call(api);
    },
  };
}

/**
 * Build an engine with everything the plugins contribute and serve it on `settings`: the one way
 * an engine is made — the daemon (`baton engine serve`), `baton up`, the test harness and tests.
 */
export function startEngine(hooks: EngineHooks, settings: EngineSettings): Promise<RunningEngine> {
  const parts = engineParts(hooks);
  return serveEngine(
    settings,
    (id, s) => parts.runtimes(id, s),
    parts.policies(settings),
    (e) => parts.attach(e),
  );
}

/** A plugin, or a plugin with its options. */
export type PluginEntry = BatonPlugin | readonly [BatonPlugin, Record<string, unknown>];

/**
 * An engine built from a set of plugins (the engine plugin among them), as the daemon builds its
 * own from the default set: for tests and benchmarks that choose which runtimes, probes and
 * extensions an engine gets.
 */
export function startEngineWith(plugins: readonly PluginEntry[], settings: EngineSettings): Promise<RunningEngine> {
  const runner = new Runner();
  for (const entry of plugins) {
    const [plugin, options] = Array.isArray(entry) ? entry : [entry, {}];
    runner.use(plugin, options);
  }
  runner.applyPlugins();
  return startEngine(runner.hooksOf('engine'), settings);
}

/** A stopped engine's state served read-only, or an empty engine: what a plan or status asked. */
export interface ReadOnlyEngine {
  url: string;
  /** `state`: the stopped engine's state directory as it is on disk; `empty`: no engine has run there. */
  source: 'state' | 'empty';
  close(): Promise<void>;
}

/**
 * What `plan` and `status` ask when no engine runs: read-only commands leave nothing running, so
 * instead of starting the daemon they read the stopped engine's state from disk — served by an
 * engine that is never started (no task is touched, nothing is written) on an ephemeral loopback
 * port — or, when no engine ever ran on that state directory, an empty engine in a temporary one.
 */
export async function readOnlyEngine(hooks: EngineHooks, settings: EngineSettings): Promise<ReadOnlyEngine> {
  const parts = engineParts(hooks);
  const stored = existsSync(path.join(settings.stateDir, 'engine.db'));
  const dir = stored ? undefined : await mkdtemp(path.join(os.tmpdir(), 'baton-plan-'));
  // A stopped engine's tasks are on the agents it ran with (settings.json), whatever the recipe says.
  const s = dir ? { ...settings, stateDir: dir } : { ...settingsFor(settings.stateDir), token: settings.token };
  const engine = new Engine(s, () => [], parts.policies(s), stored);
  // Unmeasured: prom-client would be loaded for a process that answers one plan and exits.
  const { server, url } = await startServer(engine, '127.0.0.1', 0, settings.token, false);
  return {
    url,
    source: stored ? 'state' : 'empty',
    async close() {
      await server.close();
      await engine.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
