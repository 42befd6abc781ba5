import type { CommandModule } from 'yargs';
import {
  httpRequest,
  type HttpAnswer,
  BatonError,
  EXIT,
  RECIPE_LABEL,
  toBatonError,
  type CommandRegistry,
  loadRecipeFile,
  numberFlag,
  reportEarlyError,
  runPipelineCommand,
} from '../../core/index.js';
import { startEngine } from './build.js';
import type { EngineHooks } from './contract.js';
import { backupEngine, restoreEngine } from './backup.js';
import { ensureEngine, runningEngine, stopEngine } from './daemon.js';
import { savedAgents, settingsFor } from './serve.js';
import { profileOnSignal } from './profile.js';
import { resolveSettings, type EngineSettings } from './settings.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- /baton/v1/status sections are open-ended JSON
type StatusJson = Record<string, any>;

const stateDirOpt = {
  type: 'string',
  describe: 'Engine state directory (default: $BATON_STATE_DIR or ~/.local/state/baton/engine)',
} as const;

/**
 * The engine's settings from the flags: a recipe's `engine` section when given, else what the state
 * directory's engine last ran with (its agents are where its tasks are), else the defaults.
 */
async function settingsFromArgs(a: Record<string, unknown>): Promise<EngineSettings> {
  const stateDir = a['state-dir'] ? { stateDir: a['state-dir'] } : {};
  const port = a.port ? { port: a.port } : {};
  if (!a.recipe) return resolveSettings({ ...savedAgents(resolveSettings(stateDir).stateDir), ...stateDir, ...port });
  const section = ((await loadRecipeFile(String(a.recipe))).raw.engine as Record<string, unknown> | undefined) ?? {};
  return resolveSettings({ ...section, ...stateDir, ...port });
}

/** `baton engine start|stop|status|serve`, `baton up`, `baton logs`. */
export function registerEngineCommands(reg: CommandRegistry, hooks: EngineHooks): void {
  const fail = (err: unknown, json?: boolean) => reg.exit(reportEarlyError(toBatonError(err), { io: reg.io, json }));
  const out = (s: string): void => void reg.io.stdout.write(s + '\n');

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const engine: CommandModule<object, any> = {
    command: 'engine <action>',
    describe:
      'Manage the embedded engine daemon: start | stop | status | dashboard (its URL) | backup | restore (its state store)',
    builder: (y) =>
      y
        .positional('action', {
          choices: ['start', 'stop', 'status', 'dashboard', 'backup', 'restore', 'serve'],
          describe:
            "start (idempotent), stop (tasks keep running), status, dashboard (print the dashboard's URL), backup (a consistent copy of the state store), restore (a backup back, the engine stopped)",
        })
        .option('state-dir', stateDirOpt)
        .option(
          'port',
          numberFlag('port', 'API port on 127.0.0.1 (default 8480)', { integer: true, min: 0, max: 65535 }),
        )
        .option('recipe', { type: 'string', describe: "Take agents and port from this recipe's engine section" })
        .option('to', { type: 'string', describe: 'backup: also copy the backup to this file' })
        .option('from', { type: 'string', describe: 'restore: the backup file to restore' }),
    handler: async (a) => {
      try {
        const settings = await settingsFromArgs(a);
        if (a.action === 'serve') {
          // The daemon itself (what `start` runs detached); also usable under a process supervisor.
          const s = settingsFor(settings.stateDir, a.port ? { port: a.port } : {});
          const running = await startEngine(hooks, s);
          profileOnSignal();
          process.stderr.write(`baton engine ${running.engine.id} serving ${running.url} (state ${s.stateDir})\n`);
          await new Promise<void>((resolve) => {
            const stop = () => void running.close().then(resolve);
            process.once('SIGTERM', stop);
            process.once('SIGINT', stop);
          });
          return;
        }
        if (a.action === 'start') {
          const { url, started } = await ensureEngine(settings);
          out(`${started ? 'engine started' : 'engine already running'}: ${url} (dashboard ${url}/ui/)`);
          return;
        }
        if (a.action === 'backup') {
          const r = await backupEngine(settings.stateDir, settings.token, a.to as string | undefined);
          if (a.json) return out(JSON.stringify({ type: 'engine-backup', ...r }));
          return out(`backup of the ${r.engineRunning ? 'running' : 'stopped'} engine's state: ${r.file}`);
        }
        if (a.action === 'restore') {
          if (!a.from)
            throw new BatonError(
              'BATON_BAD_ARGUMENT',
              'restore needs --from <backup file> (made by baton engine backup)',
            );
          const r = await restoreEngine(settings.stateDir, settings.token, String(a.from));
          return out(
            `restored ${a.from} into ${settings.stateDir}${r.replaced ? ` (the store it replaced is kept as ${r.replaced})` : ''}; start the engine: baton engine start`,
          );
        }
        if (a.action === 'stop') {
          const info = await stopEngine(settings.stateDir);
          out(
            info
              ? `engine stopped (pid ${info.pid}); its tasks keep running and are adopted by the next engine`
              : 'engine is not running',
          );
          return;
        }
        const info = await runningEngine(settings.stateDir, settings.token);
        if (!info) {
          out(`engine is not running (state dir ${settings.stateDir})`);
          return reg.exit(EXIT.TARGET_UNAVAILABLE);
        }
        if (a.action === 'dashboard') return out(`${info.url}/ui/`);
        const st = (await (
          await httpRequest(`${info.url}/baton/v1/status`, { headers: authHeader(settings.token) })
        ).json()) as StatusJson;
        if (a.json) return out(JSON.stringify({ type: 'engine-status', ...st }));
        const lines = [
          `engine ${st.engineId} at ${st.url} (pid ${st.pid}, since ${st.startedAt})`,
          `dashboard: ${st.url}/ui/   metrics: ${st.url}/metrics`,
          `state: ${st.stateDir}`,
        ];
        for (const [rt, iso] of Object.entries(st.isolation)) lines.push(`isolation (${rt}): ${iso}`);
        lines.push(
          `apps: ${st.apps}, deployments: ${st.deployments}, tasks: ${st.tasks.running} running, ${st.tasks.staging} staging, ${st.tasks.waiting} waiting`,
        );
        lines.push('agents:');
        for (const ag of st.agents) {
          lines.push(
            `  ${ag.id.padEnd(18)} ${ag.address.padEnd(11)} role ${ag.role.padEnd(12)} tasks ${String(ag.tasks).padStart(3)}  cpus ${ag.used.cpus}/${ag.resources.cpus}  mem ${ag.used.mem}/${ag.resources.mem}  disk ${ag.used.disk}/${ag.resources.disk}  ports ${ag.resources.ports} (${ag.used.ports} used)`,
          );
        }
        for (const q of st.queue) lines.push(`waiting: ${q.appId} ×${q.count}: ${q.why}`);
        for (const [name, ext] of Object.entries(st.extensions ?? {}) as [string, { summary: string[] }][]) {
          lines.push(`${name}:`, ...ext.summary.map((l) => `  ${l}`));
        }
        out(lines.join('\n'));
      } catch (err) {
        fail(err, a.json);
      }
    },
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const logs: CommandModule<object, any> = {
    command: 'logs <id>',
    describe:
      "A task's stdout (or stderr); for an app id, every task's; for a pod id, every instance's containers', prefixed",
    builder: (y) =>
      y
        .positional('id', { type: 'string', describe: 'App or pod id (/hello), task id or pod instance id' })
        .option('container', {
          alias: 'c',
          type: 'string',
          describe: "A pod's container (default: all of them; for an instance id: its first)",
        })
        .option('follow', { alias: 'f', type: 'boolean', describe: 'Keep streaming' })
        .option('stderr', { type: 'boolean', describe: 'stderr instead of stdout' })
        .option('state-dir', stateDirOpt),
    handler: async (a) => {
      try {
        const settings = await settingsFromArgs(a);
        const info = await runningEngine(settings.stateDir, settings.token);
        if (!info) throw toBatonError(Object.assign(new Error('the embedded engine is not running'), {}));
        const get = (p: string, stream = false) =>
          httpRequest(`${info.url}${p}`, { headers: authHeader(settings.token), stream });
        const sources = await logSources(get, String(a.id), a.container as string | undefined);
        if (sources.length === 0) {
          reg.io.stderr.write(`no tasks for ${a.id}${a.container ? ` with a container ${a.container}` : ''}\n`);
          return reg.exit(EXIT.INVALID_INPUT);
        }
        await Promise.all(
          sources.map(async (src) => {
            const q = new URLSearchParams({
              stream: a.stderr ? 'stderr' : 'stdout',
              follow: a.follow ? 'true' : 'false',
              ...(src.container ? { container: src.container } : {}),
            });
            const r = await get(`/baton/v1/tasks/${encodeURIComponent(src.task)}/logs?${q}`, true);
            if (!r.ok) {
              await r.body.cancel();
              throw new Error(`no logs for task ${src.task} (HTTP ${r.status})`);
            }
            const prefix = sources.length > 1 ? `${src.label} | ` : '';
            let rest = '';
            for await (const chunk of r.body) {
              const lines = (rest + Buffer.from(chunk).toString()).split('\n');
              rest = lines.pop() ?? '';
              for (const l of lines) reg.io.stdout.write(prefix + l + '\n');
            }
            if (rest) reg.io.stdout.write(prefix + rest + '\n');
          }),
        );
      } catch (err) {
        fail(err);
      }
    },
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const up: CommandModule<object, any> = {
    command: 'up [recipe]',
    describe: 'Run the engine in the foreground, deploy the recipe, stream events; Ctrl-C removes what it deployed',
    builder: (y) =>
      y
        .positional('recipe', { type: 'string' })
        .option('state-dir', stateDirOpt)
        .option('port', numberFlag('port', 'API port (default 8480)', { integer: true, min: 0, max: 65535 })),
    handler: async (a) => {
      try {
        // Ctrl-C is ours from the start: during the deploy it aborts it, later it ends the session;
        // either way what the recipe deployed is removed before the engine stops.
        const interrupt = new AbortController();
        const onSigint = () => interrupt.abort();
        process.once('SIGINT', onSigint);
        const settings = await settingsFromArgs(a);
        const running = await startEngine(hooks, settings);
        reg.io.stderr.write(
          `engine serving ${running.url} in the foreground (Ctrl-C to remove the recipe's apps and stop)\n`,
        );
        const offEvents = running.engine.state.events.on((ev) => {
          if (ev.eventType === 'status_update_event')
            out(
              `${ev.timestamp} ${String(ev.taskStatus).padEnd(13)} ${ev.appId} ${ev.host}:${(ev.ports as number[]).join(',')} ${ev.taskId}${ev.message ? ` (${ev.message})` : ''}`,
            );
          else if (ev.eventType.startsWith('deployment_'))
            out(`${ev.timestamp} ${ev.eventType} ${(ev as { id?: string }).id ?? ''}`);
        });
        const code = await runPipelineCommand({
          ...a,
          command: 'deploy',
          until: 'finalize',
          dryRun: false,
          builtins: reg.builtins,
          io: reg.io,
          signal: interrupt.signal,
          options: { onFailure: 'leave' },
        });
        if (code === EXIT.OK && !interrupt.signal.aborted)
          await new Promise((resolve) => interrupt.signal.addEventListener('abort', resolve, { once: true }));
        const deployed = [...running.engine.state.apps.values()]
          .filter((s) => s.app.labels[RECIPE_LABEL])
          .map((s) => s.app.id);
        reg.io.stderr.write(`\nremoving ${deployed.join(', ') || 'nothing'} ...\n`);
        for (const id of deployed) running.engine.driver.deploy({ target: new Map([[id, null]]), force: true });
        for (let i = 0; i < 600 && deployed.some((id) => running.engine.state.apps.has(id)); i++)
          await new Promise((r) => setTimeout(r, 100));
        offEvents();
        await running.close();
        process.off('SIGINT', onSigint);
        if (code !== EXIT.OK && code !== EXIT.INTERRUPTED) reg.exit(code);
      } catch (err) {
        fail(err);
      }
    },
  };

  reg.add(engine);
  reg.add(logs);
  reg.add(up);
}

const authHeader = (token: string | undefined): Record<string, string> =>
  token ? { authorization: `token=${token}` } : {};
const short = (id: string) => id.split('.instance-')[1]?.slice(0, 8) ?? id;

/** What `baton logs <id>` reads: a task or pod instance; an app's tasks; a pod's instances × containers. */
async function logSources(
  get: (p: string) => Promise<HttpAnswer>,
  id: string,
  container: string | undefined,
): Promise<{ task: string; container?: string; label: string }[]> {
  if (!id.startsWith('/')) return [{ task: id, ...(container ? { container } : {}), label: short(id) }];
  const app = await get(`/v2/apps${id}/tasks`);
  if (app.ok)
    return (((await app.json()) as { tasks?: { id: string }[] }).tasks ?? []).map((t) => ({
      task: t.id,
      label: short(t.id),
    }));
  const pod = await get(`/v2/pods${id}::status`);
  if (!pod.ok) return [];
  const st = (await pod.json()) as { instances?: { id: string; containers?: { name: string }[] }[] };
  return (st.instances ?? []).flatMap((i) =>
    (i.containers ?? [])
      .filter((c) => !container || c.name === container)
      .map((c) => ({ task: i.id, container: c.name, label: `${short(i.id)} ${c.name}` })),
  );
}
