import { AsyncSeriesBailHook } from 'tapable';
import { BatonError, STAGE, definePlugin, loadRecipeFile, ownedApp, parseTarget, type PipelineContext, type TargetSpec } from '../../core/index.js';
import { MarathonCluster } from './cluster.js';
import type { Endpoint } from './client.js';
import { registerCommands } from './commands.js';
import { waitForDeployments } from './wait.js';

export const PLUGIN = 'marathon';

/** Hooks this plugin publishes (reach them with `runner.hooksOf<MarathonHooks>('marathon')`). */
export interface MarathonHooks {
  /** Bail: the Marathon endpoint serving a target kind (the engine plugin answers for "embedded"). */
  endpoint: AsyncSeriesBailHook<[TargetSpec, PipelineContext | undefined], Endpoint | undefined>;
}

interface RunState {
  deployments: string[];
  apps: string[];
}

/**
 * Deploys recipes through Marathon's REST API: to a real Marathon/DC/OS, or to the embedded
 * engine (which speaks the same API), so both targets go through one code path.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  apply(runner, { log }) {
    const hooks = runner.publishHooks<MarathonHooks>(PLUGIN, {
      endpoint: new AsyncSeriesBailHook<[TargetSpec, PipelineContext | undefined], Endpoint | undefined>(['target', 'ctx'], 'marathon.endpoint'),
    });
    const clusterFor = async (spec: TargetSpec, ctx?: PipelineContext): Promise<MarathonCluster | undefined> => {
      if (spec.kind === 'marathon' && spec.url) {
        const token = (spec.settings.token as string | undefined) ?? process.env.BATON_TOKEN;
        return new MarathonCluster({ url: spec.url, ...(token ? { token } : {}) }, 'marathon', `Marathon at ${spec.url}`);
      }
      const ep = await hooks.endpoint.promise(spec, ctx);
      return ep ? new MarathonCluster(ep, spec.kind, `${spec.kind} engine at ${ep.url}`) : undefined;
    };

    runner.hooks.resolveTarget.tapPromise(PLUGIN, (spec, ctx) => clusterFor(spec, ctx));

    runner.hooks.apply.tapPromise({ name: PLUGIN, title: 'Start the deployment' }, async (ctx) => {
      const target = ctx.target;
      if (!(target instanceof MarathonCluster) || !ctx.plan) return;
      const byId = new Map(ctx.recipe.apps.map((l) => [l.spec.id, l.spec]));
      const put = ctx.plan.changes.filter((c) => c.type === 'app' && (c.kind === 'create' || c.kind === 'restart' || c.kind === 'scale'));
      const removed = ctx.plan.changes.filter((c) => c.type === 'app' && c.kind === 'remove');
      if (ctx.plan.changes.some((c) => c.type === 'pod' && c.kind !== 'unchanged')) {
        throw new BatonError('BATON_DEPLOY_FAILED', 'Pods are not supported by this target yet');
      }
      const state: RunState = { deployments: [], apps: [...put, ...removed].map((c) => c.id) };
      ctx.shared.set(PLUGIN, state);
      const force = ctx.options.force === true;
      if (put.length > 0) {
        const ref = await target.putApps(put.map((c) => ownedApp(byId.get(c.id)!, ctx.recipe)), force, ctx.signal);
        state.deployments.push(ref.deploymentId);
        log.info(`deployment ${ref.deploymentId} started: ${put.map((c) => `${c.kind} ${c.id}`).join(', ')}`);
      }
      for (const c of removed) {
        const ref = await target.deleteApp(c.id, true, ctx.signal);
        state.deployments.push(ref.deploymentId);
        log.info(`deployment ${ref.deploymentId} started: remove ${c.id}`);
      }
      if (state.deployments.length === 0) log.info('nothing to change');
    });

    runner.hooks.wait.tapPromise({ name: PLUGIN, title: 'Wait for the deployment' }, async (ctx) => {
      const target = ctx.target;
      const state = ctx.shared.get(PLUGIN) as RunState | undefined;
      if (!(target instanceof MarathonCluster) || !state || state.deployments.length === 0) return;
      const apps = await waitForDeployments(target, state.deployments, state.apps, log, ctx.signal);
      for (const a of apps) log.info(`${a.id}: ${a.tasksRunning}/${a.instances} running`);
    });

    // Rollback: Marathon's own revert of the deployments we started (DELETE /v2/deployments/{id}).
    runner.hooks.rollback.tapPromise({ name: PLUGIN, stage: STAGE.NORMAL, title: 'Revert the deployment' }, async (ctx) => {
      const target = ctx.target;
      const state = ctx.shared.get(PLUGIN) as RunState | undefined;
      if (!(target instanceof MarathonCluster) || !state) return;
      const reverts: string[] = [];
      for (const id of state.deployments) {
        const ref = await target.revert(id);
        if (ref) {
          reverts.push(ref.deploymentId);
          log.warn(`reverting deployment ${id} (revert deployment ${ref.deploymentId})`);
        }
      }
      if (reverts.length === 0) throw new BatonError('BATON_DEPLOY_FAILED', 'nothing to roll back: the deployment had already ended');
      await waitForDeployments(target, reverts, state.apps, log, AbortSignal.timeout(120_000));
    });

    runner.hooks.commands.tap(PLUGIN, (reg) => {
      registerCommands(reg, {
        cluster: async (recipe) => {
          const spec = recipe ? parseTarget((await loadRecipeFile(recipe)).raw.target) : parseTarget(process.env.BATON_MARATHON_URL ?? 'embedded');
          const c = await clusterFor(spec);
          if (!c) throw new BatonError('BATON_NO_TARGET', `No plugin serves target '${spec.kind}'`);
          return c;
        },
      });
    });
  },
});
