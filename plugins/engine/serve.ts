import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TaskRuntime } from '../../core/index.js';
import { startServer } from './api/server.js';
import { engineFile, requestedSettingsFile, runningEngine, settingsFile } from './daemon.js';
import { Engine } from './engine.js';
import type { PlacementPolicy } from './placement-policy.js';
import { resolveSettings, type EngineSettings } from './settings.js';

export interface RunningEngine {
  engine: Engine;
  server: FastifyInstance;
  url: string;
  /** Stop serving and stop the engine loop. Tasks keep running (a later engine adopts them). */
  close(): Promise<void>;
}

/** Settings for `engine serve`: the settings file a starter wrote, then flags/env. */
export function settingsFor(stateDir: string, overrides: Partial<EngineSettings> = {}): EngineSettings {
  const requested = requestedSettingsFile(stateDir);
  const f = existsSync(requested) ? requested : settingsFile(stateDir);
  const fromFile = existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) : {};
  return { ...resolveSettings({ ...fromFile, stateDir }), ...overrides };
}

/** The agents an engine last ran with on this state directory (its tasks are on them), if any. */
export function savedAgents(stateDir: string): { agents?: unknown } {
  const f = settingsFile(stateDir);
  if (!existsSync(f)) return {};
  const saved = JSON.parse(readFileSync(f, 'utf8')) as { agents?: unknown };
  return saved.agents ? { agents: saved.agents } : {};
}

/** Run an engine in this process: open its state, adopt tasks, serve the API, write engine.json. */
export async function serveEngine(
  settings: EngineSettings,
  runtimes: (engineId: string, settings: EngineSettings) => TaskRuntime[],
  policies: PlacementPolicy[] = [],
  /** Extensions that attach to the started engine (health probing); they register onStop. */
  attach: (engine: Engine) => void = () => {},
): Promise<RunningEngine> {
  const other = await runningEngine(settings.stateDir, settings.token);
  if (other && other.pid !== process.pid)
    throw new Error(`an engine (pid ${other.pid}) already serves ${settings.stateDir} at ${other.url}`);
  const requested = requestedSettingsFile(settings.stateDir);
  let engine: Engine;
  try {
    engine = new Engine(settings, runtimes, policies);
  } catch (err) {
    rmSync(requested, { force: true }); // refused: the settings it ran with stay the default
    throw err;
  }
  // Accepted (its state fits these agents): what a later `engine start` runs with by default.
  if (existsSync(requested)) renameSync(requested, settingsFile(settings.stateDir));
  await engine.start();
  attach(engine);
  let server: FastifyInstance;
  let url: string;
  try {
    ({ server, url } = await startServer(engine, settings.host, settings.port, settings.token));
  } catch (err) {
    await engine.stop();
    throw err;
  }
  writeFileSync(engineFile(settings.stateDir), JSON.stringify({ pid: process.pid, url, startedAt: engine.startedAt }));
  let closed = false;
  return {
    engine,
    server,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await engine.stop();
      rmSync(engineFile(settings.stateDir), { force: true });
    },
  };
}
