import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import {
  httpRequest,
  DEPLOY_DEFAULTS,
  EXIT,
  deadlineSignal,
  RECIPE_LABEL,
  createLogger,
  formatDuration,
  Reporter,
  toBatonError,
  type CommandRegistry,
  durationFlag,
  loadRecipeFile,
  redactSecrets,
  reportEarlyError,
  runPipelineCommand,
} from '../../core/index.js';
import { waitForDeployments } from './wait.js';
import { waitingReason } from './explain.js';
import type { MarathonCluster } from './cluster.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- yargs' parsed arguments
type AnyArgs = Record<string, any>;

type Args = {
  recipe?: string;
  json?: boolean;
  renderer?: string;
  verbose?: boolean;
  strict?: boolean;
  timeout?: number;
  force?: boolean;
  detach?: boolean;
  'on-failure'?: 'rollback' | 'pause' | 'leave';
  'progress-deadline'?: number;
  'healthy-deadline'?: number;
  'allow-pending'?: boolean;
};

/** Deploy flags become run options only when given, so the recipe's `deploy` section and the defaults apply otherwise. */
function deployOptions(a: Args) {
  return {
    ...(a.timeout !== undefined ? { timeoutMs: a.timeout * 1000 } : {}),
    ...(a['progress-deadline'] !== undefined ? { progressDeadlineSeconds: a['progress-deadline'] } : {}),
    ...(a['healthy-deadline'] !== undefined ? { healthyDeadlineSeconds: a['healthy-deadline'] } : {}),
    ...(a['on-failure'] !== undefined ? { onFailure: a['on-failure'] } : {}),
    force: a.force === true,
    detach: a.detach === true,
    allowPending: a['allow-pending'] === true,
  };
}

export interface CommandDeps {
  /** A cluster for a recipe's target (resolving the embedded engine as `deploy` would). */
  cluster: (recipe: string | undefined) => Promise<MarathonCluster>;
}

/** deploy, status, scale, restart, destroy: the same on the embedded engine and a real Marathon. */
export function registerCommands(reg: CommandRegistry, { cluster }: CommandDeps): void {
  const deps = { builtins: reg.builtins, io: reg.io, exit: (c: number) => reg.exit(c), cluster };
  const deploy: CommandModule<object, Args> = {
    command: 'deploy [recipe]',
    describe: 'Deploy a recipe and block until the deployment ends (or its deadline passes)',
    builder: (y) =>
      y
        .positional('recipe', { type: 'string', describe: 'Recipe file or directory' })
        .option(
          'timeout',
          durationFlag('timeout', `Deadline for the whole deploy (default ${DEPLOY_DEFAULTS.timeoutSeconds}s)`),
        )
        .option(
          'progress-deadline',
          durationFlag(
            'progress-deadline',
            `Fail after this long without progress (default ${DEPLOY_DEFAULTS.progressDeadlineSeconds}s)`,
          ),
        )
        .option(
          'healthy-deadline',
          durationFlag(
            'healthy-deadline',
            `Fail when a new instance is not healthy this long after it was scheduled (default ${DEPLOY_DEFAULTS.healthyDeadlineSeconds}s)`,
          ),
        )
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'Override deployment locks (cancels the blocking deployment)',
        })
        .option('detach', {
          type: 'boolean',
          default: false,
          describe: 'Start the deployment and return without waiting',
        })
        .option('allow-pending', {
          type: 'boolean',
          default: false,
          describe: 'Deploy even when plan predicts instances that cannot be placed (they wait, as in Marathon)',
        })
        .option('on-failure', {
          choices: ['rollback', 'pause', 'leave'] as const,
          describe:
            'On failure after changes began: roll back to the last good version (default), pause the deployment where it is, or leave it running',
        })
        .example('$0 deploy recipes/hello', 'deploy to the embedded engine (started if not running)')
        .example('$0 deploy --timeout 5m --json app.json', 'a CI step: blocking, with a deadline and NDJSON output'),
    handler: async (a) => {
      deps.exit(
        await runPipelineCommand({
          ...a,
          command: 'deploy',
          until: a.detach ? 'apply' : 'finalize',
          dryRun: false,
          builtins: deps.builtins,
          io: deps.io,
          options: deployOptions(a),
        }),
      );
    },
  };

  const status: CommandModule<object, { id?: string; recipe?: string; json?: boolean; probe?: boolean }> = {
    command: 'status [id]',
    describe: 'Apps and their instances: agent, host:ports, state',
    builder: (y) =>
      y
        .positional('id', { type: 'string', describe: 'An app id (default: all)' })
        .option('recipe', { type: 'string', describe: "Use this recipe's target" })
        .option('probe', {
          type: 'boolean',
          describe: "HTTP GET each instance's first port and show the first line of the answer",
        }),
    handler: async (a) => {
      try {
        const c = await deps.cluster(a.recipe);
        const within = (id: string) => !a.id || id === a.id || id.startsWith(a.id.replace(/\/?$/, '/'));
        const apps = (await c.apps(true)).filter((x) => within(x.id));
        const pods = (await c.podStatuses()).filter((p) => within(p.id));
        // What waits to be placed, and why (constraints, resources, backoff after a failure).
        const queue = apps.some((x) => x.tasksRunning + x.tasksStaged < x.instances)
          ? await c.queue().catch(() => [])
          : [];
        if (a.id && apps.length === 0 && pods.length === 0) {
          deps.io.stderr.write(`No app ${a.id} on ${c.description}\n`);
          return deps.exit(EXIT.INVALID_INPUT);
        }
        // Names and VIPs the engine's extensions know per app (nothing on a plain Marathon).
        const extras = Object.values(await c.extensions()).map((x) => x.perApp ?? {});
        const extraLines = (id: string) => extras.flatMap((x) => x[id] ?? []);
        const probes = new Map<string, string>();
        if (a.probe) {
          await Promise.all(
            apps.flatMap((app) =>
              (app.tasks ?? []).map(async (t) => {
                try {
                  const r = await httpRequest(`http://${t.host}:${t.ports[0]}/`, { signal: AbortSignal.timeout(2000) });
                  probes.set(t.id, `HTTP ${r.status} ${(await r.text()).split('\n')[0].slice(0, 60)}`);
                } catch (err) {
                  probes.set(
                    t.id,
                    `no answer (${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message})`,
                  );
                }
              }),
            ),
          );
        }
        if (a.json) {
          // Secret-looking env values are masked: no recipe told a reporter what to hide here.
          deps.io.stdout.write(
            JSON.stringify(
              redactSecrets({
                type: 'status',
                target: c.description,
                pods,
                apps: apps.map((x) => ({
                  ...x,
                  ...(extraLines(x.id).length ? { baton: extraLines(x.id) } : {}),
                  tasks: x.tasks?.map((t) => ({ ...t, ...(probes.has(t.id) ? { probe: probes.get(t.id) } : {}) })),
                })),
              }),
            ) + '\n',
          );
          return;
        }
        const lines = [`${c.description}`];
        for (const app of apps) {
          lines.push(
            `${app.id}  ${app.tasksRunning}/${app.instances} running${(app.healthChecks?.length ?? 0) > 0 ? `, ${app.tasksHealthy} healthy` : ''}${app.deployments.length ? `  (deploying: ${app.deployments.map((d) => d.id).join(', ')})` : ''}`,
          );
          const checked = (app.healthChecks?.length ?? 0) > 0;
          for (const t of app.tasks ?? []) {
            const hc = t.healthCheckResults ?? [];
            const health = !checked
              ? ''
              : hc.length > 0 && hc.every((h) => h.alive)
                ? 'healthy'
                : hc.some((h) => h.lastFailureCause)
                  ? `unhealthy (${hc.find((h) => h.lastFailureCause)!.lastFailureCause})`
                  : 'health unknown';
            lines.push(
              `  ${t.state.replace('TASK_', '').padEnd(9)} ${`${t.host}:${t.ports.join(',')}`.padEnd(24)} ${t.slaveId.padEnd(18)} ${health ? `${health}  ` : ''}${t.id}${probes.has(t.id) ? `  → ${probes.get(t.id)}` : ''}`,
            );
          }
          for (const l of extraLines(app.id)) lines.push(`  ${l}`);
          const q = queue.find((x) => x.app.id === app.id && x.count > 0);
          if (q) lines.push(`  ${q.count} waiting: ${waitingReason(q, false)}`); // the failure is the next line
          if (app.lastTaskFailure)
            lines.push(
              `  last failure: ${app.lastTaskFailure.message} (${app.lastTaskFailure.taskId}, ${app.lastTaskFailure.timestamp})`,
            );
        }
        for (const p of pods) {
          const stable = p.instances.filter((i) => i.status === 'STABLE').length;
          lines.push(`${p.id} (pod)  ${stable}/${p.spec.scaling?.instances ?? p.instances.length} stable  ${p.status}`);
          for (const i of p.instances) {
            const eps = i.containers.flatMap((x) =>
              x.endpoints.map(
                (ep) =>
                  `${ep.name}=${i.agentHostname}:${ep.allocatedHostPort}${ep.healthy === false ? ' (unhealthy)' : ''}`,
              ),
            );
            lines.push(
              `  ${i.status.padEnd(9)} ${(i.agentId ?? '').padEnd(18)} ${i.containers.map((x) => `${x.name}:${x.status.replace('TASK_', '').toLowerCase()}`).join(' ')}${eps.length ? `  ${eps.join(' ')}` : ''}  ${i.id}`,
            );
            for (const v of i.localVolumes ?? []) lines.push(`    volume ${v.containerPath} = ${v.persistenceId}`);
          }
        }
        deps.io.stdout.write(lines.join('\n') + '\n');
      } catch (err) {
        deps.exit(reportEarlyError(toBatonError(err), { io: deps.io, json: a.json }));
      }
    },
  };

  const simple = (
    command: string,
    describe: string,
    run: (c: MarathonCluster, a: AnyArgs) => Promise<{ deploymentId: string }>,
  ): CommandModule<object, AnyArgs> => ({
    command,
    describe,
    builder: (y) =>
      y
        .option('recipe', { type: 'string', describe: "Use this recipe's target" })
        .option('force', { type: 'boolean', default: false, describe: 'Override deployment locks' }),
    handler: async (a) => {
      try {
        const c = await deps.cluster(a.recipe);
        const ref = await run(c, a);
        if (a.json) deps.io.stdout.write(JSON.stringify({ type: 'deployment', ...ref }) + '\n');
        else deps.io.stdout.write(`deployment ${ref.deploymentId} started\n`);
      } catch (err) {
        deps.exit(reportEarlyError(toBatonError(err), { io: deps.io, json: a.json }));
      }
    },
  });

  const history: CommandModule<object, { id: string; recipe?: string; json?: boolean }> = {
    command: 'history <id>',
    describe: "An app's versions, newest first, and how each one's deployments ended",
    builder: (y) =>
      y
        .positional('id', { type: 'string', demandOption: true })
        .option('recipe', { type: 'string', describe: "Use this recipe's target" }),
    handler: async (a) => {
      try {
        const h = await (await deps.cluster(a.recipe)).history(a.id);
        if (a.json) return void deps.io.stdout.write(JSON.stringify({ type: 'history', id: a.id, ...h }) + '\n');
        const lines = [`${a.id}`];
        for (const v of h.versions) {
          lines.push(
            `  ${v.version === h.current ? '*' : ' '} ${v.version}  ${v.outcomes.map((x) => x.outcome).join(', ')}`.trimEnd(),
          );
        }
        deps.io.stdout.write(lines.join('\n') + '\n');
      } catch (err) {
        deps.exit(reportEarlyError(toBatonError(err), { io: deps.io, json: a.json }));
      }
    },
  };

  const rollback: CommandModule<
    object,
    { id: string; to?: string; recipe?: string; json?: boolean; force?: boolean; timeout?: number }
  > = {
    command: 'rollback <id>',
    describe: 'Deploy an earlier version of an app and wait for it: --to <version>, else its last successful version',
    builder: (y) =>
      y
        .positional('id', { type: 'string', demandOption: true })
        .option('to', { type: 'string', describe: 'The version (see baton history)' })
        .option('force', { type: 'boolean', default: false, describe: 'Override a deployment lock' })
        .option('timeout', durationFlag('timeout', 'Deadline', { default: DEPLOY_DEFAULTS.timeoutSeconds }))
        .option('recipe', { type: 'string', describe: "Use this recipe's target" }),
    handler: async (a) => {
      try {
        const c = await deps.cluster(a.recipe);
        const h = await c.history(a.id);
        const to =
          a.to ??
          (await c.lastGoodVersion(a.id, h.current ?? undefined)) ??
          h.versions
            .map((v) => v.version)
            .filter((v) => v !== h.current)
            .sort()
            .pop();
        if (!to) {
          deps.io.stderr.write(`${a.id} has no earlier version to roll back to\n`);
          return deps.exit(EXIT.INVALID_INPUT);
        }
        const ref = await c.rollbackTo(a.id, to, a.force === true);
        deps.io.stderr.write(`rolling ${a.id} back to ${to} (deployment ${ref.deploymentId})\n`);
        const reporter = new Reporter();
        reporter.on((ev) => {
          if (ev.type === 'progress') deps.io.stderr.write(`  ${ev.item}: ${ev.message}\n`);
        });
        await waitForDeployments(c, [ref.deploymentId], [a.id], {
          log: createLogger(reporter, 'marathon'),
          signal: deadlineSignal(
            (a.timeout ?? DEPLOY_DEFAULTS.timeoutSeconds) * 1000,
            `the rollback did not finish within ${a.timeout}s`,
          ),
        });
        if (a.json)
          deps.io.stdout.write(
            JSON.stringify({ type: 'rollback', id: a.id, version: to, deploymentId: ref.deploymentId }) + '\n',
          );
        else deps.io.stdout.write(`${a.id} is back at version ${to}\n`);
      } catch (err) {
        deps.exit(reportEarlyError(toBatonError(err), { io: deps.io, json: a.json }));
      }
    },
  };

  reg.add(deploy);
  reg.add(history);
  reg.add(rollback);
  reg.add(status);
  reg.add(
    simple('scale <id> <instances>', 'Scale an app (a deployment; does not wait)', (c, a) =>
      c.scaleApp(a.id, Number(a.instances), a.force),
    ),
  );
  reg.add(
    simple('restart <id>', 'Rolling restart of an app (a deployment; does not wait)', (c, a) =>
      c.restartApp(a.id, a.force),
    ),
  );
  const destroy: CommandModule<object, { target: string; json?: boolean; timeout?: number; detach?: boolean }> = {
    command: 'destroy <target>',
    describe:
      'Remove an app or pod (by id), or every app and pod a recipe deployed (by recipe path), with its instances; waits until they are gone',
    builder: (y) =>
      y
        .positional('target', {
          type: 'string',
          describe: 'An app id (/hello) or a recipe file or directory',
          demandOption: true,
        })
        .option('timeout', durationFlag('timeout', 'Deadline for the removal', { default: 300 }))
        .option('detach', {
          type: 'boolean',
          default: false,
          describe: 'Start the removal and return without waiting',
        }),
    handler: async (a) => {
      try {
        const byId = a.target.startsWith('/') && !existsSync(a.target);
        const c = await deps.cluster(byId ? undefined : a.target);
        const state = await c.state();
        let ids = [a.target];
        let podIds = state.pods.some((p) => p.id === a.target) ? [a.target] : [];
        if (podIds.length) ids = [];
        if (!byId) {
          const loaded = await loadRecipeFile(a.target);
          const name = typeof loaded.raw.name === 'string' ? loaded.raw.name : loaded.defaultName;
          ids = state.apps.filter((x) => x.labels[RECIPE_LABEL] === name).map((x) => x.id);
          podIds = state.pods.filter((x) => x.labels[RECIPE_LABEL] === name).map((x) => x.id);
        }
        const refs = [];
        for (const id of ids) refs.push({ app: id, ...(await c.deleteApp(id, true)) });
        for (const id of podIds) refs.push({ app: id, ...(await c.deletePod(id, true)) });
        const t0 = Date.now();
        if (!a.json) for (const r of refs) deps.io.stderr.write(`removing ${r.app} (deployment ${r.deploymentId})\n`);
        // Like deploy, destroy blocks until what it removes is gone (its instances ended, the
        // definitions deleted), so a script can rely on the ports and names being free.
        if (refs.length && !a.detach) {
          const reporter = new Reporter();
          reporter.on((ev) => {
            if (ev.type === 'progress' && !a.json) deps.io.stderr.write(`  ${ev.item}: ${ev.message}\n`);
          });
          await waitForDeployments(
            c,
            refs.map((r) => r.deploymentId),
            ids,
            {
              log: createLogger(reporter, 'marathon'),
              signal: deadlineSignal(
                (a.timeout ?? 300) * 1000,
                `the removal did not finish within ${formatDuration(a.timeout ?? 300)}`,
              ),
            },
          );
        }
        const took = formatDuration((Date.now() - t0) / 1000);
        if (a.json)
          deps.io.stdout.write(
            JSON.stringify({ type: 'destroy', deployments: refs, waited: !a.detach, durationMs: Date.now() - t0 }) +
              '\n',
          );
        else
          deps.io.stdout.write(
            refs.length === 0
              ? 'nothing to remove\n'
              : a.detach
                ? `removal of ${refs.map((r) => r.app).join(', ')} started (not waiting: --detach)\n`
                : `✔ removed ${refs.map((r) => r.app).join(', ')} in ${took}\n`,
          );
      } catch (err) {
        deps.exit(reportEarlyError(toBatonError(err), { io: deps.io, json: a.json }));
      }
    },
  };
  reg.add(destroy);
}
