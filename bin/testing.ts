import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Reporter,
  Runner,
  type BatonPlugin,
  type Phase,
  type RawRecipe,
  type RunOptions,
  type RunResult,
  type TimedEvent,
} from '../core/index.js';
import { toRecipeShape } from '../core/internal.js';
import { startEngine } from '../plugins/engine/build.js';
import type { RunningEngine } from '../plugins/engine/serve.js';
import { resolveSettings, type AgentSpec, type EngineSettings } from '../plugins/engine/settings.js';
import { defaultPlugins } from './default-plugins.js';

/**
 * Baton's test harness for plugin authors: `import { createTestRunner } from 'baton/testing'`.
 * It runs real pipelines (validate, plan, deploy) with your plugin beside the built-in ones,
 * against an embedded engine in the test's own process, on a temporary state directory, and hands
 * back every event the run emitted. Real tasks run; `close()` removes them and the directory.
 */

export type PluginEntry = BatonPlugin | [BatonPlugin, Record<string, unknown>];

export interface TestRunnerOptions {
  /** The plugins under test (with options), used in every run. */
  plugins?: PluginEntry[];
  /** Also use the built-in plugins (default true: engine, runtimes, health, constraints, ...). */
  builtins?: boolean;
  /** Engine agents (default: 3 private, 1 public, as `baton engine start`). */
  agents?: Partial<AgentSpec>[];
}

export interface TestRun extends RunResult {
  /** Every event of the run, in order (what `--json` prints, one per line). */
  events: TimedEvent[];
}

export interface TestRunner {
  /** The engine's Marathon API (http://127.0.0.1:<port>). */
  readonly url: string;
  readonly stateDir: string;
  readonly engine: RunningEngine['engine'];
  /** `baton deploy`: validate, plan, apply, wait, verify, finalize (options as the CLI's flags). */
  deploy(recipe: RawRecipe, options?: RunOptions): Promise<TestRun>;
  /** `baton plan` (dry run up to preflight). */
  plan(recipe: RawRecipe, options?: RunOptions): Promise<TestRun>;
  /** `baton validate`. */
  validate(recipe: RawRecipe): Promise<TestRun>;
  /** Call the engine's API directly. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Remove every app, wait for its tasks to end, stop the engine, delete the state directory. */
  close(): Promise<void>;
}

/** A runner with the built-ins and the plugins under test, plus a recorder of its events. */
function makeRunner(opts: TestRunnerOptions): { runner: Runner; events: TimedEvent[] } {
  const reporter = new Reporter();
  const events: TimedEvent[] = [];
  reporter.on((e) => events.push(e));
  const runner = new Runner({ reporter });
  if (opts.builtins !== false) for (const p of defaultPlugins()) runner.use(p);
  for (const entry of opts.plugins ?? []) {
    const [plugin, options] = Array.isArray(entry) ? entry : [entry, {}];
    runner.use(plugin, options);
  }
  runner.applyPlugins();
  return { runner, events };
}

export async function createTestRunner(opts: TestRunnerOptions = {}): Promise<TestRunner> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-test-runner-'));
  const settings: EngineSettings = {
    ...resolveSettings({ stateDir, ...(opts.agents ? { agents: opts.agents } : {}) }),
    port: 0,
  };
  // The engine gets its runtimes, placement policies and extensions through the engine plugin's
  // hooks, exactly as `baton engine serve` does, so plugins that tap them are part of the test.
  const { runner: host } = makeRunner({ ...opts, builtins: true });
  const running = await startEngine(host.hooksOf('engine'), settings);

  const run = async (
    raw: RawRecipe,
    command: string,
    until: Phase,
    dryRun: boolean,
    options: RunOptions = {},
  ): Promise<TestRun> => {
    const { runner, events } = makeRunner(opts);
    const { recipe } = toRecipeShape(raw);
    // The recipe deploys to this engine: same state directory, so the engine plugin finds it running.
    const withEngine = {
      ...recipe,
      target: 'embedded',
      engine: { ...((recipe.engine as object) ?? {}), stateDir, ...(opts.agents ? { agents: opts.agents } : {}) },
    };
    const result = await runner.run({ command, until, dryRun, raw: withEngine, defaultName: 'test', options });
    return { ...result, events };
  };

  return {
    url: running.url,
    stateDir,
    engine: running.engine,
    deploy: (recipe, options) => run(recipe, 'deploy', 'finalize', false, options),
    plan: (recipe, options) => run(recipe, 'plan', 'preflight', true, options),
    validate: (recipe) => run(recipe, 'validate', 'validate', true),
    async api<T>(method: string, p: string, body?: unknown) {
      const r = await fetch(running.url + p, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      const e = running.engine;
      for (const id of [...e.state.apps.keys()]) e.driver.deploy({ target: new Map([[id, null]]), force: true });
      const end = Date.now() + 20_000;
      while (e.state.instances.size > 0 && Date.now() < end) await sleep(50);
      await running.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
