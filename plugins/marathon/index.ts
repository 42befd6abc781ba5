import { AsyncSeriesBailHook } from 'tapable';
import {
  BatonError,
  STAGE,
  deadlineSignal,
  definePlugin,
  deploySettings,
  owned,
  type App,
  type Pod,
  type PipelineContext,
  type TargetSpec,
  loadRecipeFile,
  parseTarget,
} from '../../core/index.js';
import { MarathonCluster } from './cluster.js';
import { withoutCredentials, type Endpoint, type MarathonClient } from './client.js';
import { registerCommands } from './commands.js';
import type { StrategyRequest, StrategyRun } from './contract.js';

export type { MarathonHooks, StrategyRequest, StrategyRun } from './contract.js';
import { forMarathon } from './translate.js';
import { summarize } from './summary.js';
import { waitForDeployments } from './wait.js';

export const PLUGIN = 'marathon';

/**
 * A Marathon endpoint from the recipe's target object and the environment (the recipe wins):
 * `token` / BATON_TOKEN (DC/OS `Authorization: token=…`), `user`+`password` /
 * BATON_MARATHON_USER+BATON_MARATHON_PASSWORD (HTTP basic; also `https://user:pw@host`), `caFile` /
 * BATON_MARATHON_CA, `insecure` / BATON_MARATHON_INSECURE=1 (no certificate check, explicit only);
 * a DC/OS login instead of a fixed token: `uid` / BATON_DCOS_UID with `privateKeyFile` /
 * BATON_DCOS_PRIVATE_KEY (service account) or BATON_DCOS_PASSWORD (user), at `loginUrl` /
 * BATON_DCOS_LOGIN_URL (default: the URL's origin + /acs/api/v1/auth/login, as behind Admin Router).
 */
export function marathonEndpoint(url: string, s: Record<string, unknown>, env: NodeJS.ProcessEnv): Endpoint {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const token = str(s.token) ?? str(env.BATON_TOKEN);
  const user = str(s.user) ?? str(env.BATON_MARATHON_USER);
  const password = str(s.password) ?? str(env.BATON_MARATHON_PASSWORD) ?? '';
  const caFile = str(s.caFile) ?? str(env.BATON_MARATHON_CA);
  const insecure = s.insecure === true || env.BATON_MARATHON_INSECURE === '1';
  const uid = str(s.uid) ?? str(env.BATON_DCOS_UID);
  const privateKeyFile = str(s.privateKeyFile) ?? str(env.BATON_DCOS_PRIVATE_KEY);
  const loginPassword = str(env.BATON_DCOS_PASSWORD);
  const login =
    uid && !token
      ? {
          url: str(s.loginUrl) ?? str(env.BATON_DCOS_LOGIN_URL) ?? `${new URL(url).origin}/acs/api/v1/auth/login`,
          uid,
          ...(privateKeyFile ? { privateKeyFile } : {}),
          ...(loginPassword ? { password: loginPassword } : {}),
        }
      : undefined;
  return {
    url,
    ...(token ? { token } : {}),
    ...(user ? { basic: { user, password } } : {}),
    ...(caFile ? { caFile } : {}),
    ...(insecure ? { insecure } : {}),
    ...(login ? { login } : {}),
  };
}

interface RunState {
  /** Apps a strategy plugin deploys. */
  strategies: { id: string; run: StrategyRun }[];
  deployments: string[];
  /** Apps whose change the target accepted (what a rollback may touch). */
  apps: string[];
  /** Definitions before this deploy (null: the app did not exist), for rollback. */
  previous: Map<string, App | null>;
  /** Pods whose change the target accepted, and their definitions before (null: created). */
  pods: string[];
  previousPods: Map<string, Pod | null>;
}

/**
 * Deploys recipes through Marathon's REST API: to a real Marathon/DC/OS, or to the embedded
 * engine (which speaks the same API), so both targets go through one code path.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  apply(runner, { log }) {
    const hooks = runner.publishHooks(PLUGIN, {
      endpoint: new AsyncSeriesBailHook<[TargetSpec, PipelineContext | undefined], Endpoint | undefined>(
        ['target', 'ctx'],
        'marathon.endpoint',
      ),
      client: new AsyncSeriesBailHook<[string | undefined], MarathonClient | undefined>(['recipe'], 'marathon.client'),
      strategy: new AsyncSeriesBailHook<[StrategyRequest], StrategyRun | undefined>(['request'], 'marathon.strategy'),
    });
    const waitOptions = (ctx: PipelineContext, signal = ctx.signal) => {
      const s = deploySettings(ctx);
      return {
        log,
        signal,
        progressDeadlineMs: s.progressDeadlineSeconds * 1000,
        healthyDeadlineMs: s.healthyDeadlineSeconds * 1000,
      };
    };
    const clusterFor = async (spec: TargetSpec, ctx?: PipelineContext): Promise<MarathonCluster | undefined> => {
      if (spec.kind === 'marathon' && spec.url) {
        const ep = marathonEndpoint(spec.url, spec.settings, process.env);
        for (const secret of [ep.token, ep.basic?.password, ep.login?.password])
          if (secret) ctx?.reporter.addSecret(secret);
        return new MarathonCluster(ep, 'marathon', `Marathon at ${withoutCredentials(spec.url)}`);
      }
      const ep = await hooks.endpoint.promise(spec, ctx);
      return ep ? new MarathonCluster(ep, spec.kind, `${spec.kind} engine at ${ep.url}`) : undefined;
    };

    runner.hooks.resolveTarget.tapPromise(PLUGIN, (spec, ctx) => clusterFor(spec, ctx));

    runner.hooks.apply.tapPromise({ name: PLUGIN, title: 'Start the deployment' }, async (ctx) => {
      const target = ctx.target;
      if (!(target instanceof MarathonCluster) || !ctx.plan) return;
      // What Marathon reads: the app with its ownership label, without fields validation called unknown.
      const byId = new Map(ctx.recipe.apps.map((l) => [l.spec.id, forMarathon(l.spec, l.path, ctx.issues.list)]));
      const strategies: RunState['strategies'] = [];
      for (const change of ctx.plan.changes.filter(
        (c) => c.type === 'app' && c.kind !== 'unchanged' && c.kind !== 'remove',
      )) {
        const run = await hooks.strategy.promise({
          ctx,
          change,
          app: owned(byId.get(change.id)!, ctx.recipe),
          client: target.client,
          waitFor: async (ids, appIds, signal) =>
            void (await waitForDeployments(target, ids, appIds, waitOptions(ctx, signal))),
        });
        if (run) strategies.push({ id: change.id, run });
      }
      const claimed = new Set(strategies.map((s) => s.id));
      const put = ctx.plan.changes.filter(
        (c) =>
          c.type === 'app' && !claimed.has(c.id) && (c.kind === 'create' || c.kind === 'restart' || c.kind === 'scale'),
      );
      const removed = ctx.plan.changes.filter((c) => c.type === 'app' && c.kind === 'remove');
      const podChanges = ctx.plan.changes.filter((c) => c.type === 'pod' && c.kind !== 'unchanged');
      const ids = [...put, ...removed].map((c) => c.id);
      const state: RunState = {
        strategies: [],
        deployments: [],
        apps: [],
        previous: ids.length ? await target.definitions(ids, ctx.signal) : new Map(),
        pods: [],
        previousPods: await target.podDefinitions(
          podChanges.map((c) => c.id),
          ctx.signal,
        ),
      };
      ctx.shared.set(PLUGIN, state);
      for (const s of strategies) {
        await s.run.start();
        state.strategies.push(s);
      }
      const force = ctx.options.force === true;
      if (put.length > 0) {
        const ref = await target.putApps(
          put.map((c) => owned(byId.get(c.id)!, ctx.recipe)),
          force,
          ctx.signal,
        );
        state.deployments.push(ref.deploymentId);
        state.apps.push(...put.map((c) => c.id));
        log.info(`deployment ${ref.deploymentId} started: ${put.map((c) => `${c.kind} ${c.id}`).join(', ')}`);
      }
      for (const c of removed) {
        const ref = await target.deleteApp(c.id, true, ctx.signal);
        state.deployments.push(ref.deploymentId);
        state.apps.push(c.id);
        log.info(`deployment ${ref.deploymentId} started: remove ${c.id}`);
      }
      // Pods: one deployment each (Marathon's /v2/pods takes one pod per request).
      const pods = new Map(
        ctx.recipe.pods.map((l) => [l.spec.id, owned(forMarathon(l.spec, l.path, ctx.issues.list), ctx.recipe)]),
      );
      for (const c of podChanges) {
        const ref =
          c.kind === 'remove'
            ? await target.deletePod(c.id, true, ctx.signal)
            : await target.putPod(pods.get(c.id)!, force, ctx.signal);
        state.deployments.push(ref.deploymentId);
        state.pods.push(c.id);
        log.info(`deployment ${ref.deploymentId} started: ${c.kind} pod ${c.id}`);
      }
      if (state.deployments.length === 0 && state.strategies.length === 0) log.info('nothing to change');
    });

    runner.hooks.wait.tapPromise({ name: PLUGIN, title: 'Wait for the deployment' }, async (ctx) => {
      const target = ctx.target;
      const state = ctx.shared.get(PLUGIN) as RunState | undefined;
      if (!(target instanceof MarathonCluster) || !state) return;
      if (state.deployments.length > 0) {
        const apps = await waitForDeployments(target, state.deployments, state.apps, waitOptions(ctx));
        for (const a of apps)
          log.info(
            `${a.id}: ${a.tasksRunning}/${a.instances} running${(a.healthChecks?.length ?? 0) > 0 ? `, ${a.tasksHealthy} healthy` : ''}`,
          );
      }
      for (const s of state.strategies) await s.run.finish();
    });

    // Rollback: each app goes back to the newest version whose deployment succeeded (the engine
    // records outcomes), else to the definition this deploy replaced; apps it created are removed.
    // Forced, so the failed deployment is cancelled. Old instances keep serving throughout: the
    // failed version never became healthy, so the rolling upgrade never took them down.
    runner.hooks.rollback.tapPromise({ name: PLUGIN, stage: STAGE.NORMAL, title: 'Roll back' }, async (ctx) => {
      const target = ctx.target;
      const state = ctx.shared.get(PLUGIN) as RunState | undefined;
      if (
        !(target instanceof MarathonCluster) ||
        !state ||
        state.apps.length + state.strategies.length + state.pods.length === 0
      ) {
        throw new BatonError('BATON_NOTHING_TO_ROLL_BACK', 'nothing to roll back: the target accepted no change');
      }
      for (const s of state.strategies) await s.run.rollback();
      if (state.apps.length + state.pods.length === 0) return;
      const signal = deadlineSignal(300_000, 'the rollback did not finish within 300s');
      const refs: string[] = [];
      // Pods go back to the definition this deploy replaced; pods it created are removed.
      for (const id of state.pods) {
        const prev = state.previousPods.get(id) ?? null;
        if (prev) {
          refs.push((await target.putPod(prev, true, signal)).deploymentId);
          log.warn(`rolling pod ${id} back to the definition this deploy replaced`);
        } else {
          refs.push((await target.deletePod(id, true, signal).catch(() => ({ deploymentId: '' }))).deploymentId);
          log.warn(`removing pod ${id}, which this deploy created`);
        }
      }
      const restored: string[] = [];
      const current = new Map((await target.apps(false, signal)).map((a) => [a.id, a.version]));
      for (const id of state.apps) {
        const prev = state.previous.get(id) ?? null;
        const good = await target.lastGoodVersion(id, current.get(id));
        if (good) {
          refs.push((await target.rollbackTo(id, good, true)).deploymentId);
          restored.push(id);
          log.warn(`rolling ${id} back to version ${good}, its last successful deployment`);
        } else if (prev) {
          refs.push((await target.putApps([prev], true, signal)).deploymentId);
          restored.push(id);
          log.warn(`rolling ${id} back to the definition this deploy replaced`);
        } else if (current.has(id)) {
          refs.push((await target.deleteApp(id, true, signal)).deploymentId);
          log.warn(`removing ${id}, which this deploy created`);
        }
      }
      await waitForDeployments(target, refs, restored, { log, signal });
    });

    // The verdict's apps: where the recipe's apps stand once the deploy is over, however it went.
    const emitSummary = async (ctx: PipelineContext) => {
      const target = ctx.target;
      if (ctx.dryRun || !(target instanceof MarathonCluster) || !ctx.shared.has(PLUGIN)) return;
      ctx.reporter.emit({ type: 'summary', apps: await summarize(ctx, target) });
    };
    runner.hooks.finalize.tapPromise({ name: PLUGIN, stage: STAGE.AFTER, title: 'Where the apps stand' }, emitSummary);
    runner.hooks.failed.tapPromise({ name: PLUGIN, stage: STAGE.AFTER, title: 'Where the apps stand' }, emitSummary);

    // --on-failure pause: stop our deployments where they are (Marathon's cancel without revert).
    runner.hooks.failed.tapPromise({ name: PLUGIN, title: 'Pause the deployment' }, async (ctx) => {
      const target = ctx.target;
      const state = ctx.shared.get(PLUGIN) as RunState | undefined;
      if (!(target instanceof MarathonCluster) || !state || deploySettings(ctx).onFailure !== 'pause') return;
      for (const id of state.deployments) {
        if (await target.cancel(id)) log.warn(`paused: deployment ${id} was stopped where it was`);
      }
    });

    /** The cluster of a recipe's target, or of the default one (BATON_MARATHON_URL, else embedded). */
    const clusterOf = async (recipe: string | undefined) => {
      const spec = parseTarget(recipe ? (await loadRecipeFile(recipe)).raw.target : undefined);
      const c = await clusterFor(spec);
      if (!c) throw new BatonError('BATON_NO_TARGET', `No plugin serves target '${spec.kind}'`);
      return c;
    };
    hooks.client.tapPromise(PLUGIN, async (recipe) => (await clusterOf(recipe)).client);

    runner.hooks.commands.tap(PLUGIN, (reg) => registerCommands(reg, { cluster: clusterOf }));
  },
});
