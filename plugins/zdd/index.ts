import { BatonError, STAGE, definePlugin } from '../../core/index.js';
import { balancerFor } from './stats-balancer.js';
import { registerStrategyCommands } from './commands.js';
import { checkStrategies } from './rules.js';
import { apiOf, inProgress, planStrategies, strategyRun } from './runs.js';
import { STRATEGIES_SCHEMA, groupOf, strategyOf } from './settings.js';

export const PLUGIN = 'zdd';

/**
 * Zero-downtime deploys through marathon-lb, per app in the recipe's `strategies` section:
 * blue-green as zdd does it (a second colour grows while marathon-lb drains the old one, old tasks
 * are killed only once drained on the balancer) with a deadline and automatic rollback; and canary
 * by traffic weight (HAProxy server weights per step, analysis of the canary's own 5xx and
 * response times, abort within seconds) — or, on a cluster's marathon-lb, which has no weights, by
 * instance count (instance-share.ts) — with `baton promote` / `baton abort`. Apps without a
 * strategy keep Marathon's rolling upgrade.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['marathon'],
  apply(runner, { log }) {
    runner.hooks.recipeSchema.tap(PLUGIN, (s) => ({
      ...s,
      properties: { ...s.properties, strategies: STRATEGIES_SCHEMA },
    }));
    runner.hooks.validate.tap({ name: PLUGIN, title: 'Deploy strategies' }, (ctx) => checkStrategies(ctx));
    runner.hooks.plan.tapPromise(
      { name: PLUGIN, stage: STAGE.PREPARE, title: 'Strategies: compare with the live colour' },
      async (ctx) => {
        if (ctx.recipe.apps.some((a) => strategyOf(ctx.raw, a.spec.id))) await planStrategies(ctx);
      },
    );
    runner.hooks.preflight.tapPromise(
      { name: PLUGIN, title: 'Strategies: marathon-lb traffic API, no deploy in progress' },
      async (ctx) => {
        const api = apiOf(ctx.target);
        for (const { spec } of ctx.recipe.apps) {
          const s = strategyOf(ctx.raw, spec.id);
          const change = ctx.plan?.changes.find((c) => c.id === spec.id);
          if (!s || !change || change.kind === 'unchanged') continue;
          if (!api)
            throw new BatonError('BATON_UNSUPPORTED', `${spec.id}: ${s.type} deploys need a Marathon API target`);
          await balancerFor(api, groupOf(spec)).state(ctx.signal); // the balancer answers
          const both = await inProgress(api, spec, ctx.signal);
          if (both)
            throw new BatonError(
              'BATON_DEPLOY_LOCKED',
              `${spec.id}: an earlier ${s.type} deploy did not finish (${both.map((a) => a.id).join(' and ')} both run); finish it with \`baton promote ${spec.id}\` or undo it with \`baton abort ${spec.id}\``,
            );
        }
      },
    );
    const marathon = runner.hooksOf('marathon');
    marathon.strategy.tapPromise(PLUGIN, (req) => strategyRun(req, log));
    runner.hooks.commands.tap(PLUGIN, (reg) =>
      registerStrategyCommands(reg, (recipe) => marathon.client.promise(recipe)),
    );
  },
});
