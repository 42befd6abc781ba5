import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import constraints from '../../plugins/constraints/index.js';
import docker from '../../plugins/docker/index.js';
import engine from '../../plugins/engine/index.js';
import { startEngineWith, type PluginEntry } from '../../plugins/engine/build.js';
export type { PluginEntry } from '../../plugins/engine/build.js';
import type { MarathonEvent } from '../../plugins/engine/events.js';
import type { RunningEngine } from '../../plugins/engine/serve.js';
import { resolveSettings, type AgentSpec, type EngineSettings } from '../../plugins/engine/settings.js';
import health from '../../plugins/health/index.js';
import marathon from '../../plugins/marathon/index.js';
import mesos from '../../plugins/mesos/index.js';
import persistence from '../../plugins/persistence/index.js';
import pods from '../../plugins/pods/index.js';
import { ROOT } from './cli.js';
import { endLeftovers } from './leftovers.js';

export const SERVER = path.join(ROOT, 'test/fixtures/server.mjs');
/** Whether a process with this pid runs (a zombie, dead but not yet reaped, does not). */
export const pidAlive = (pid: number) => {
  const stat = readIf(`/proc/${pid}/stat`);
  return stat !== '' && !/\) Z /.test(stat);
};

/** A file's text, '' when it does not exist (yet). */
export const readIf = (f: string) => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};

/** `cmd` that runs the fixture HTTP server. */
export const serverCmd = (env = '') => `${env ? env + ' ' : ''}exec ${process.execPath} ${SERVER}`;

export interface TestEngine extends RunningEngine {
  stateDir: string;
  events: MarathonEvent[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api<T = any>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  /** Wait until no deployment runs (or throw after `ms`). */
  settle(ms?: number): Promise<void>;
  /** Remove every app, wait for its tasks to end, stop the engine, delete its state. */
  destroy(): Promise<void>;
}

/** The plugins a test engine runs with unless told otherwise: runtimes, placement, volumes, health. */
export const ENGINE_PLUGINS: PluginEntry[] = [marathon, engine, mesos, docker, pods, persistence, health, constraints];

/**
 * An engine in this process built as the daemon builds its own: the given plugins tap the engine's
 * hooks (runtimes, placement, volumes, probes, extensions), and `startEngine` serves it.
 */
export function engineWith(plugins: readonly PluginEntry[], settings: EngineSettings): Promise<RunningEngine> {
  return startEngineWith(plugins, settings);
}

/** A real engine in this process on a free loopback port and a temp state dir, with real process tasks. */
export async function startTestEngine(
  opts: { agents?: Partial<AgentSpec>[]; stateDir?: string } = {},
): Promise<TestEngine> {
  const stateDir = opts.stateDir ?? (await mkdtemp(path.join(os.tmpdir(), 'baton-engine-test-')));
  const settings = { ...resolveSettings({ stateDir, ...(opts.agents ? { agents: opts.agents } : {}) }), port: 0 };
  // The real Docker runtime runs against the local daemon (CI installs and starts it).
  const running = await engineWith(ENGINE_PLUGINS, settings);
  const events: MarathonEvent[] = [];
  running.engine.state.events.on((e) => events.push(e));
  const api = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(running.url + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
  };
  const settle = async (ms = 30_000) => {
    const end = Date.now() + ms;
    while (running.engine.state.deployments.size > 0) {
      if (Date.now() > end)
        throw new Error(
          `deployments still running after ${ms}ms: ${[...running.engine.state.deployments.keys()].join(', ')}`,
        );
      await sleep(50);
    }
  };
  return {
    ...running,
    stateDir,
    events,
    api,
    settle,
    async destroy() {
      for (const id of [...running.engine.state.apps.keys()])
        running.engine.driver.deploy({ target: new Map([[id, null]]), force: true });
      const end = Date.now() + 20_000;
      while (running.engine.state.instances.size > 0 && Date.now() < end) await sleep(50);
      await running.close();
      if (!opts.stateDir) {
        await endLeftovers(stateDir);
        await rm(stateDir, { recursive: true, force: true });
      }
    },
  };
}

/** What `until` returns: `fn`'s value, never a falsy one. */
type Truthy<T> = Exclude<T, undefined | null | false | '' | 0>;

/** Poll until `fn` returns a truthy value (bounded). */
export async function until<T>(fn: () => T | Promise<T>, ms = 20_000, what = 'condition'): Promise<Truthy<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(50);
  }
}

/** GET a task's address and return the body (throws when it does not answer). */
export async function hit(host: string, port: number, p = '/'): Promise<string> {
  const r = await fetch(`http://${host}:${port}${p}`, { signal: AbortSignal.timeout(3000) });
  return r.text();
}
