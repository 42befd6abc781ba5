import {
  classifyAppChange,
  owned,
  stableJson,
  type App,
  type ClusterPort,
  type Contract,
  type Logger,
  type PipelineContext,
} from '../../core/index.js';
import { balancerFor, statsUrls } from './stats-balancer.js';
import { remove, scale, swap, swapBack, type SwapContext } from './blue-green.js';
import { abortCanary, canarySize, runCanary } from './canary.js';
import { colourApp, coloursOf, marathonPortOf, newestFirst, nextColour, type Api, type LiveApp } from './colours.js';
import { altPortOf, groupOf, servicePortOf, strategyOf, type Strategy } from './settings.js';

type Ref = { deploymentId: string };

/** The target's Marathon client, when the target is one (the marathon plugin's cluster has `client`). */
export const apiOf = (target: ClusterPort | undefined): Api | undefined =>
  (target as { client?: Api } | undefined)?.client;

/** The recipe's app as the live colour would hold it, to tell a config change from a scale or nothing. */
function asLive(app: App, live: App): App {
  const l = live.labels ?? {};
  return colourApp(app, {
    group: groupOf(app),
    colour: l.HAPROXY_DEPLOYMENT_COLOUR ?? 'blue',
    servicePort: servicePortOf(app),
    marathonPort: marathonPortOf(live),
    target: Number(l.HAPROXY_DEPLOYMENT_TARGET_INSTANCES ?? live.instances),
    instances: app.instances,
    newInstances: Number(l.HAPROXY_DEPLOYMENT_NEW_INSTANCES ?? 0),
    startedAt: l.HAPROXY_DEPLOYMENT_STARTED_AT ?? '',
  });
}

const describe = (s: Strategy, live: App, next: string, target: number, byCount: boolean) =>
  s.type === 'blue-green'
    ? `blue-green: ${live.id} (${live.instances}) → ${next} (${target}), ${s.initialInstances} first, old servers drained on marathon-lb before each kill`
    : `canary: ${next} at ${s.steps.map((x) => `${byCount ? `${canarySize(target, x.weight)}/${target} instances` : `${x.weight} %`}${x.pauseSeconds === undefined ? ' (until promoted)' : ` for ${x.pauseSeconds}s`}`).join(' → ')} → ${byCount ? `${target}/${target}` : '100 %'}; aborts on 5xx > ${s.analysis.maxErrorRate * 100} %${s.analysis.maxResponseTimeMs ? ` or response time > ${s.analysis.maxResponseTimeMs} ms` : ''}`;

/**
 * Rewrite the plan for apps deployed by a strategy: they live on the target as colours
 * (`<id>-blue`/`<id>-green`), so compare the recipe with the live colour, and keep core from
 * planning the colours' removal.
 */
export async function planStrategies(ctx: PipelineContext): Promise<void> {
  if (!ctx.plan || !ctx.target) return;
  const state = await ctx.target.state(ctx.signal);
  for (const { spec } of ctx.recipe.apps) {
    const s = strategyOf(ctx.raw, spec.id);
    if (!s) continue;
    const group = groupOf(spec);
    const colours = state.apps.filter((a) => a.labels?.HAPROXY_DEPLOYMENT_GROUP === group).sort(newestFirst);
    const ids = new Set(colours.map((c) => c.id));
    ctx.plan.changes = ctx.plan.changes.filter((c) => !(c.kind === 'remove' && ids.has(c.id)));
    const change = ctx.plan.changes.find((c) => c.type === 'app' && c.id === spec.id);
    if (!change) continue;
    if (colours.length === 0) {
      Object.assign(change, { kind: 'create', to: spec.instances, from: undefined, fields: undefined });
      change.strategy = `${s.type}: first deploy, as ${spec.id}-blue (no traffic to shift yet)`;
      continue;
    }
    if (colours.length > 1) {
      change.strategy = `${s.type} in progress: ${[...ids].join(' and ')} both run — finish it with \`baton promote ${spec.id}\` or \`baton abort ${spec.id}\``;
      continue;
    }
    const live = colours[0];
    const bare = asLive(spec, live);
    const mirror = owned(bare, ctx.recipe);
    const kind = classifyAppChange(live, mirror);
    Object.assign(change, { kind, from: live.instances, to: spec.instances });
    if (kind === 'restart') {
      const a = live as unknown as Record<string, unknown>;
      const b = mirror as unknown as Record<string, unknown>;
      change.fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
        .filter((k) => k !== 'instances' && k !== 'version' && stableJson(a[k]) !== stableJson(b[k]))
        .sort();
      change.strategy = describe(
        s,
        live,
        `${spec.id}-${nextColour(live as unknown as LiveApp)}`,
        spec.instances,
        statsUrls().length > 0,
      );
    } else if (kind === 'scale') change.strategy = `${s.type}: scales ${live.id} in place`;
  }
}

/** Two colours on the target: an earlier strategy deploy did not finish. */
export async function inProgress(api: Api, app: App, signal?: AbortSignal): Promise<LiveApp[] | undefined> {
  const colours = await coloursOf(api, groupOf(app), signal);
  return colours.length > 1 ? colours : undefined;
}

/** The run of one strategy app in a deploy, for the marathon plugin's `strategy` hook. */
export async function strategyRun(
  req: Contract<'marathon'>['strategyRequest'],
  log: Logger,
): Promise<Contract<'marathon'>['strategyRun'] | undefined> {
  const { ctx, change, app } = req;
  const s = strategyOf(ctx.raw, app.id);
  if (!s) return undefined;
  const api = req.client;
  const group = groupOf(app);
  const c: SwapContext = {
    api,
    lb: balancerFor(api, group),
    log,
    signal: ctx.signal,
    waitFor: (ids, appIds) => req.waitFor(ids, appIds),
  };
  const [live] = await coloursOf(api, group, ctx.signal);
  const servicePort = servicePortOf(app);
  const target = app.instances;
  const post = async (a: App) =>
    (await api.request<{ deployments?: { id: string }[] }>('POST', '/v2/apps', a, ctx.signal)).deployments?.[0]?.id;
  let deployment: string | undefined;

  if (!live) {
    // The first deploy: the blue colour at full size, an ordinary Marathon deployment.
    const blue = colourApp(app, {
      group,
      colour: 'blue',
      servicePort,
      marathonPort: servicePort,
      target,
      instances: target,
      newInstances: 0,
      startedAt: new Date().toISOString(),
    });
    return {
      start: async () => void (deployment = await post(blue)),
      finish: async () => (deployment ? c.waitFor([deployment], [blue.id]) : undefined),
      rollback: async () => remove({ ...c, signal: AbortSignal.timeout(300_000) }, blue.id),
    };
  }
  if (change.kind === 'scale') {
    return {
      start: async () =>
        void (deployment = (
          await api.request<Ref>('PUT', `/v2/apps${live.id}?force=true`, { instances: target }, ctx.signal)
        ).deploymentId),
      finish: async () => (deployment ? c.waitFor([deployment], [live.id]) : undefined),
      rollback: async () => scale({ ...c, signal: AbortSignal.timeout(300_000) }, live.id, live.instances),
    };
  }
  const colour = nextColour(live);
  const alt = altPortOf(app, s)!;
  const marathonPort = marathonPortOf(live as never) === alt ? servicePort : alt;
  const first = s.type === 'blue-green' ? Math.min(s.initialInstances, target) : canarySize(target, s.steps[0].weight);
  // A canary by instance count is zdd's hybrid deploy: NEW_INSTANCES ≠ 0 makes marathon-lb treat the
  // colour scaled last as the new one, so growing the stable colour back (a rollback) drains the canary.
  const hybrid = s.type === 'canary' && !c.lb.splits;
  const next = colourApp(app, {
    group,
    colour,
    servicePort,
    marathonPort,
    target,
    instances: first,
    newInstances: hybrid ? first : 0,
    startedAt: new Date().toISOString(),
  });
  // Rollback runs after the run's own deadline passed: it gets its own.
  const undo = () => ({ ...c, signal: AbortSignal.timeout(Math.max(300, s.drainTimeoutSeconds + 120) * 1000) });
  return {
    start: async () => {
      // A canary's split comes first: with it, marathon-lb weighs the colours instead of draining the old one.
      if (s.type === 'canary' && c.lb.splits)
        await c.lb.split(next.id, 0, { strategy: 'canary', heartbeat: Date.now(), step: 0 }, ctx.signal);
      deployment = await post(next);
      log.info(`${s.type}: ${next.id} created with ${first} instance(s) beside ${live.id} (${live.instances})`);
    },
    finish: async () => {
      if (deployment) await c.waitFor([deployment], [next.id]);
      if (s.type === 'blue-green') await swap(c, live.id, next.id, target, s);
      else await runCanary(c, live.id, next.id, target, s);
      log.info(`${s.type}: ${next.id} serves ${app.id}; ${live.id} removed`);
    },
    rollback: async () => {
      if (s.type === 'canary' && c.lb.splits) await abortCanary(undo(), next.id, s);
      else await swapBack(undo(), live.id, next.id, live.instances, s);
    },
  };
}
