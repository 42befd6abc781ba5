import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, PACKAGE_ROOT, httpRequest, type Logger } from '../../core/index.js';
import { checkSettings, type EngineSettings } from './settings.js';

/** What a running engine writes into its state directory (and removes when it stops). */
export interface EngineFile {
  pid: number;
  url: string;
  startedAt: string;
}

export const engineFile = (stateDir: string) => path.join(stateDir, 'engine.json');
export const settingsFile = (stateDir: string) => path.join(stateDir, 'settings.json');
/** What a starter asks the daemon to run with; it becomes settings.json once the engine accepted it. */
export const requestedSettingsFile = (stateDir: string) => path.join(stateDir, 'settings.requested.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string, token?: string): Promise<boolean> {
  try {
    const r = await httpRequest(`${url}/ping`, {
      signal: AbortSignal.timeout(1000),
      headers: token ? { authorization: `token=${token}` } : {},
    });
    return r.ok;
  } catch {
    return false;
  }
}

/** The engine running on this state directory, if any. */
export async function runningEngine(stateDir: string, token?: string): Promise<EngineFile | undefined> {
  const f = engineFile(stateDir);
  if (!existsSync(f)) return undefined;
  try {
    const info = JSON.parse(readFileSync(f, 'utf8')) as EngineFile;
    if (alive(info.pid) && (await answers(info.url, token))) return info;
  } catch {
    /* unreadable: treat as not running */
  }
  return undefined;
}

/**
 * Start the engine daemon unless one runs (idempotent): `baton engine serve` detached from this
 * process, logging to engine.log in the state directory. Returns its URL.
 */
export async function ensureEngine(settings: EngineSettings, log?: Logger): Promise<{ url: string; started: boolean }> {
  const running = await runningEngine(settings.stateDir, settings.token);
  if (running) return { url: running.url, started: false };
  checkSettings(settings); // refused here, before a daemon is started to refuse it
  mkdirSync(settings.stateDir, { recursive: true });
  writeFileSync(
    requestedSettingsFile(settings.stateDir),
    JSON.stringify({ host: settings.host, port: settings.port, agents: settings.agents }, null, 2),
  );
  const out = openSync(path.join(settings.stateDir, 'engine.log'), 'a');
  const child = spawn(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'dist/bin/baton.js'), 'engine', 'serve', '--state-dir', settings.stateDir],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: process.env,
    },
  );
  child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const info = await runningEngine(settings.stateDir, settings.token);
    if (info) {
      log?.info(
        `started the embedded engine at ${info.url} (pid ${info.pid}, state in ${settings.stateDir}); dashboard ${info.url}/ui/`,
      );
      return { url: info.url, started: true };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  const tail = existsSync(path.join(settings.stateDir, 'engine.log'))
    ? readFileSync(path.join(settings.stateDir, 'engine.log'), 'utf8').split('\n').slice(-8).join('\n')
    : '';
  // The daemon refused its settings (agents its tasks are not on, a bad port): that is invalid
  // input, reported as the daemon reported it, not an unreachable target.
  // A damaged or lost state store is refused the same way, with its own code.
  // (The log keeps earlier runs' lines: the last refusal is this one's.)
  const refused = [
    ...tail.matchAll(/Error (BATON_CONFIG_INVALID|BATON_STATE_DAMAGED): (.*?)(?: \(plugin [^)]*\))?$/gm),
  ].at(-1);
  if (refused)
    throw new BatonError(refused[1] as 'BATON_CONFIG_INVALID' | 'BATON_STATE_DAMAGED', refused[2], {
      details: `engine log: ${settings.stateDir}/engine.log`,
    });
  throw new BatonError(
    'BATON_TARGET_UNAVAILABLE',
    `The embedded engine did not start (state dir ${settings.stateDir})`,
    { details: tail },
  );
}

/** Stop the engine daemon (SIGTERM; tasks keep running and are adopted by the next engine). */
export async function stopEngine(stateDir: string): Promise<EngineFile | undefined> {
  const f = engineFile(stateDir);
  if (!existsSync(f)) return undefined;
  const info = JSON.parse(readFileSync(f, 'utf8')) as EngineFile;
  if (!alive(info.pid)) {
    rmSync(f, { force: true });
    return undefined;
  }
  process.kill(info.pid, 'SIGTERM');
  for (let i = 0; i < 200 && alive(info.pid); i++) await sleep(50);
  if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
  rmSync(f, { force: true });
  return info;
}

/**
 * The ids a running engine knows — apps, pods and groups — for the shell's completion; none when
 * no engine runs (completion never starts one) or it does not answer within a second.
 */
export async function knownIds(settings: Pick<EngineSettings, 'stateDir' | 'token'>): Promise<string[]> {
  const info = await runningEngine(settings.stateDir, settings.token);
  if (!info) return [];
  const get = async <T>(p: string): Promise<T | undefined> => {
    try {
      const r = await httpRequest(info.url + p, {
        signal: AbortSignal.timeout(1000),
        headers: settings.token ? { authorization: `token=${settings.token}` } : {},
      });
      return r.ok ? ((await r.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  };
  type Group = { id: string; groups?: Group[] };
  const [apps, pods, root] = await Promise.all([
    get<{ apps: { id: string }[] }>('/v2/apps'),
    get<{ id: string }[]>('/v2/pods'),
    get<Group>('/v2/groups?embed=group.groups'),
  ]);
  const groups = (g: Group | undefined): string[] =>
    g ? [...(g.id !== '/' ? [g.id] : []), ...(g.groups ?? []).flatMap(groups)] : [];
  return [...(apps?.apps ?? []).map((a) => a.id), ...(pods ?? []).map((p) => p.id), ...groups(root)];
}
