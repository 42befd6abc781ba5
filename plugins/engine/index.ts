import { SyncHook } from 'tapable';
import { BatonError, STAGE, definePlugin, httpRequest, isResident, owned, type App } from '../../core/index.js';
import { engineParts, readOnlyEngine, type ReadOnlyEngine } from './build.js';
import { registerEngineCommands } from './commands.js';
import type { EngineApi, RuntimeRegistry } from './contract.js';
import { ensureEngine, knownIds, runningEngine } from './daemon.js';
import { predictPlacement, type Prediction } from './predict.js';
import type { PlacementRegistry } from './placement-policy.js';
import type { VolumeRegistry } from './volumes.js';
import { ENGINE_SECTION_SCHEMA, resolveSettings, type EngineSettings } from './settings.js';

export const PLUGIN = 'engine';

/** A plugin tapped the hook (tapable's isUsed() also counts the runner's own interceptors). */
const tapped = (hook: { taps: unknown[] }) => hook.taps.length > 0;

/**
 * The embedded engine: a Marathon-compatible daemon on this machine (simulated loopback agents,
 * real tasks). Serves the "embedded" target through the marathon plugin's client.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['marathon'],
  apply(runner, { log }) {
    const hooks = runner.publishHooks(PLUGIN, {
      runtimes: new SyncHook<[RuntimeRegistry]>(['registry'], 'engine.runtimes'),
      placement: new SyncHook<[PlacementRegistry]>(['registry'], 'engine.placement'),
      volumes: new SyncHook<[VolumeRegistry]>(['registry'], 'engine.volumes'),
      probes: new SyncHook<[EngineApi]>(['engine'], 'engine.probes'),
      started: new SyncHook<[EngineApi]>(['engine'], 'engine.started'),
    });
    const parts = engineParts(hooks);
    const runtimes = parts.runtimes;
    const policies = parts.policies;

    runner.hooks.recipeSchema.tap(PLUGIN, (s) => ({
      ...s,
      properties: { ...s.properties, engine: ENGINE_SECTION_SCHEMA },
    }));

    // A dry run (plan) with no engine running reads the stopped engine's state instead of starting
    // the daemon (build.ts, readOnlyEngine); closed when the run ends.
    let readOnly: ReadOnlyEngine | undefined;
    const closeReadOnly = async () => {
      await readOnly?.close();
      readOnly = undefined;
    };
    runner.hooksOf('marathon').endpoint.tapPromise(PLUGIN, async (spec, ctx) => {
      if (spec.kind !== 'embedded') return undefined;
      const settings = resolveSettings((ctx?.recipe.raw.engine as Record<string, unknown> | undefined) ?? {});
      const token = settings.token ? { token: settings.token } : {};
      if (ctx?.dryRun && !(await runningEngine(settings.stateDir, settings.token))) {
        readOnly ??= await readOnlyEngine(hooks, settings);
        log.info(
          readOnly.source === 'state'
            ? `no engine is running: planned against the stopped engine's state in ${settings.stateDir} (read-only; nothing was started)`
            : `no engine has run in ${settings.stateDir}: planned against an empty engine (nothing was started)`,
        );
        return { url: readOnly.url, ...token };
      }
      const { url } = await ensureEngine(settings, ctx ? log : undefined);
      return { url, ...token };
    });
    runner.hooks.preflight.tapPromise(
      { name: PLUGIN, stage: STAGE.REPORT, title: 'Done with the engine' },
      closeReadOnly,
    );
    // The shell's completion of ids, from the engine when one runs (and no other target is set).
    runner.hooks.completions.tapPromise(PLUGIN, async (ids) =>
      process.env.BATON_MARATHON_URL ? ids : [...ids, ...(await knownIds(resolveSettings()))],
    );
    runner.hooks.failed.tapPromise({ name: PLUGIN, stage: STAGE.REPORT, title: 'Done with the engine' }, closeReadOnly);

    // Recipe checks only this target can make: something must be able to run each app.
    runner.hooks.validate.tap(
      { name: PLUGIN, stage: STAGE.NORMAL, title: 'Embedded engine can run every app' },
      (ctx) => {
        if (ctx.recipe.target.kind !== 'embedded') return;
        const probe = runtimes('validate');
        for (const { spec, path } of ctx.recipe.apps) {
          if (!probe.some((r) => r.accepts(spec))) {
            ctx.issues
              .at(...path)
              .error(
                ['container'],
                'engine.no-runtime',
                `no plugin runs ${spec.container ? `${spec.container.type} containers${spec.container.docker ? ' with an image' : ''}` : 'command tasks'} on the embedded engine (is the ${spec.container?.docker ? 'docker' : 'mesos'} plugin on?)`,
              );
          }
          if ((spec.healthChecks.length > 0 || spec.readinessChecks.length > 0) && !tapped(hooks.probes)) {
            ctx.issues
              .at(...path)
              .error(
                [spec.healthChecks.length > 0 ? 'healthChecks' : 'readinessChecks'],
                'engine.health-unsupported',
                'health or readiness checks are set but no plugin probes them on the embedded engine (is the health plugin on?)',
              );
          }
          if (isResident(spec) && !tapped(hooks.volumes)) {
            ctx.issues
              .at(...path)
              .error(
                ['container', 'volumes'],
                'engine.persistence-unsupported',
                'persistent volumes are set but no plugin provides them on the embedded engine (is the persistence plugin on?)',
              );
          }
          if (spec.constraints.length > 0 && !tapped(hooks.placement)) {
            ctx.issues
              .at(...path)
              .error(
                ['constraints'],
                'engine.constraints-unsupported',
                'constraints are set but no plugin evaluates them on the embedded engine (is the constraints plugin on?)',
              );
          }
        }
        if (!probe.some((r) => r.acceptsPod)) {
          for (const { path } of ctx.recipe.pods)
            ctx.issues
              .at(...path)
              .error(
                [],
                'engine.pods-unsupported',
                'no plugin runs pods on the embedded engine (is the pods plugin on?)',
              );
        }
      },
    );

    // Placement prediction: `plan` shows instances that could not be placed, `deploy` stops before
    // changing anything unless --allow-pending (Marathon would accept and wait forever).
    runner.hooks.plan.tapPromise(
      { name: PLUGIN, stage: STAGE.NORMAL, title: 'Predict placement on the engine agents' },
      async (ctx) => {
        if (ctx.recipe.target.kind !== 'embedded' || !ctx.plan) return;
        const settings = resolveSettings((ctx.recipe.raw.engine as Record<string, unknown> | undefined) ?? {});
        const apps = ctx.recipe.apps.map((l) => owned(l.spec, ctx.recipe));
        const remove = ctx.plan.changes.filter((c) => c.kind === 'remove' && c.type === 'app').map((c) => c.id);
        const predictions =
          (await predictOnEngine(settings, apps, remove, ctx.signal)) ??
          predictPlacement(settings.agents, policies(settings), new Map(), [], apps, remove);
        for (const p of predictions) {
          const change = ctx.plan.changes.find((c) => c.type === 'app' && c.id === p.id);
          if (change) change.pending = { instances: p.pending, why: p.why };
        }
      },
    );
    runner.hooks.preflight.tap({ name: PLUGIN, stage: STAGE.NORMAL, title: 'Every instance can be placed' }, (ctx) => {
      if (ctx.dryRun || ctx.options.allowPending === true || ctx.recipe.target.kind !== 'embedded') return;
      const stuck = (ctx.plan?.changes ?? []).filter((c) => c.pending);
      if (stuck.length === 0) return;
      throw new BatonError(
        'BATON_UNPLACEABLE',
        `${stuck.map((c) => `${c.id}: ${c.pending!.instances} instance(s) cannot be placed`).join('; ')}`,
        {
          details: [
            ...stuck.map((c) => `${c.id}: ${c.pending!.why}`),
            'Nothing was changed. Deploy with --allow-pending to let them wait for room, as Marathon would.',
          ].join('\n'),
        },
      );
    });

    runner.hooks.commands.tap(PLUGIN, (reg) => registerEngineCommands(reg, hooks));
  },
});

/** Ask a running engine to predict placement against its live state; undefined when none runs. */
async function predictOnEngine(
  settings: EngineSettings,
  apps: App[],
  remove: string[],
  signal: AbortSignal,
): Promise<Prediction[] | undefined> {
  const running = await runningEngine(settings.stateDir, settings.token);
  if (!running) return undefined;
  const r = await httpRequest(`${running.url}/baton/v1/predict`, {
    method: 'POST',
    signal,
    headers: {
      'content-type': 'application/json',
      ...(settings.token ? { authorization: `token=${settings.token}` } : {}),
    },
    body: JSON.stringify({ apps, remove }),
  });
  if (!r.ok)
    throw new BatonError(
      'BATON_TARGET_UNAVAILABLE',
      `the engine could not predict placement (HTTP ${r.status}): ${(await r.text()).slice(0, 300)}`,
    );
  return ((await r.json()) as { predictions: Prediction[] }).predictions;
}
