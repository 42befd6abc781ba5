import { definePlugin, STAGE } from '../../core/index.js';
import { registerGroupCommands } from './commands.js';
import { inheritGroupDependencies, recipeCycle, unknownDependencies } from './dependencies.js';

export const PLUGIN = 'groups';

/**
 * App groups in recipes (marathon-semantics.md §4.3, §7): group dependencies reach every app below the group,
 * dependency cycles are rejected naming the cycle, and `baton group` drives /v2/groups (show,
 * versions, scaleBy, rollback by version) on either target.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['marathon'],
  apply(runner) {
    runner.hooks.normalize.tap(
      { name: PLUGIN, stage: STAGE.PREPARE, title: 'Group dependencies apply to their apps' },
      (ctx) => inheritGroupDependencies(ctx.recipe),
    );

    runner.hooks.validate.tap({ name: PLUGIN, title: 'Dependencies form no cycle' }, (ctx) => {
      const cycle = recipeCycle(ctx.recipe);
      if (cycle) {
        const first = ctx.recipe.apps.find((l) => l.spec.id === cycle[0])!;
        ctx.issues
          .at(...first.path)
          .error(['dependencies'], 'group.dependency-cycle', `dependencies form a cycle: ${cycle.join(' → ')}`);
      }
      for (const u of unknownDependencies(ctx.recipe)) {
        ctx.issues
          .at(...u.path)
          .warn(
            [],
            'group.dependency-unknown',
            `'${u.dep}' names no app or group in this recipe: Marathon ignores it, nothing waits for it`,
          );
      }
    });

    const client = runner.hooksOf('marathon').client;
    runner.hooks.commands.tap(PLUGIN, (reg) => registerGroupCommands(reg, (recipe) => client.promise(recipe)));
  },
});
