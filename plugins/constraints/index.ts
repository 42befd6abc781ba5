import { definePlugin } from '../../core/index.js';
import { fromApp, fromPod } from './constraint.js';
import { constraintsPolicy } from './policy.js';
import { checkConstraint } from './rules.js';

export const PLUGIN = 'constraints';

/**
 * Marathon 1.10 placement constraints (marathon-semantics.md §2): validation with Marathon's messages for
 * apps and pods in every target, and on the embedded engine the offer-side evaluation of all seven
 * operators plus GROUP_BY's choice of what a scale-down kills.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    runner.hooks.validate.tap({ name: PLUGIN, title: 'Constraints are well-formed' }, (ctx) => {
      for (const { spec, path } of ctx.recipe.apps) {
        spec.constraints.forEach((raw, i) => {
          const c = fromApp(raw);
          const f = c && checkConstraint(c);
          if (f) ctx.issues.at(...path).error(['constraints', i], f.rule, f.message);
        });
      }
      for (const { spec, path } of ctx.recipe.pods) {
        spec.scheduling.placement.constraints.forEach((raw, i) => {
          const f = checkConstraint(fromPod(raw));
          if (f) ctx.issues.at(...path).error(['scheduling', 'placement', 'constraints', i], f.rule, f.message);
        });
      }
    });

    runner.hooksOf('engine').placement.tap(PLUGIN, (registry) => {
      registry.add(constraintsPolicy(registry.agents));
    });
  },
});
