import path from 'node:path';
import type { CommandModule } from 'yargs';

import { Runner } from '../runner.js';
import { PHASES, stepOf } from '../steps.js';
import { usePlugins } from '../plugin-loader.js';
import { loadRecipeFile } from '../recipe/load.js';
import { pluginSettings } from '../recipe/plugins.js';
import { toBatonError } from '../errors.js';
import type { CliContext } from './context.js';
import { reportEarlyError, runPipelineCommand, type OutputOptions } from './pipeline-command.js';

type RecipeArgs = OutputOptions & { recipe?: string };

const recipeArg = {
  describe: 'Recipe file or directory (default: search from the working directory)',
  type: 'string',
} as const;

/** Core's own commands: validate, plan, schema, hooks. Deploy-side commands come from plugins. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function coreCommands(cli: CliContext): CommandModule<object, any>[] {
  const validate: CommandModule<object, RecipeArgs> = {
    command: 'validate [recipe]',
    describe: 'Check a recipe: schema, Marathon rules and plugin rules, all errors at once',
    builder: (y) => y.positional('recipe', recipeArg),
    handler: async (a) =>
      cli.exit(
        await runPipelineCommand({
          ...a,
          command: 'validate',
          until: 'validate',
          dryRun: true,
          builtins: cli.builtins,
          io: cli.io,
          cwd: cli.cwd,
        }),
      ),
  };
  const plan: CommandModule<object, RecipeArgs> = {
    command: 'plan [recipe]',
    describe:
      'Show what a deploy would change (create, restart, scale, remove); changes nothing. Exit 3 when there are changes',
    builder: (y) => y.positional('recipe', recipeArg),
    handler: async (a) =>
      cli.exit(
        await runPipelineCommand({
          ...a,
          command: 'plan',
          until: 'preflight',
          dryRun: true,
          builtins: cli.builtins,
          io: cli.io,
          cwd: cli.cwd,
        }),
      ),
  };
  const schema: CommandModule<object, { recipe?: string }> = {
    command: 'schema [recipe]',
    describe: 'Print the recipe JSON Schema (with the sections of the plugins in use), for editors',
    builder: (y) => y.positional('recipe', { ...recipeArg, describe: 'Include the plugins this recipe adds' }),
    handler: async (a) => {
      try {
        const runner = await runnerFor(cli, a.recipe);
        const text = JSON.stringify(runner.recipeSchema(), null, 2) + '\n';
        cli.io.stdout.write(text);
        // The default plugin set's schema, kept for the next plain `baton schema` (bin/fast-path.ts).
        if (a.recipe === undefined) cli.keep?.write(cli.keep.files.schema, text);
      } catch (err) {
        cli.exit(reportEarlyError(toBatonError(err), { io: cli.io }));
      }
    },
  };
  const hooks: CommandModule<object, RecipeArgs> = {
    command: 'hooks [recipe]',
    describe: 'List the pipeline phases and, for each, the plugin stages in the order they run',
    builder: (y) => y.positional('recipe', { ...recipeArg, describe: 'Include the plugins this recipe adds' }),
    handler: async (a) => {
      try {
        const runner = await runnerFor(cli, a.recipe);
        const rows = [
          ...PHASES.map((phase) => ({
            phase,
            dryRun: stepOf(phase).dryRun,
            settleAll: stepOf(phase).settleAll,
            taps: runner.tapsOf(phase),
          })),
          ...(['rollback', 'failed'] as const).map((phase) => ({ phase, taps: runner.tapsOf(phase) })),
        ];
        if (a.json) {
          cli.io.stdout.write(
            JSON.stringify({ type: 'hooks', plugins: runner.plugins.map((p) => p.name), phases: rows }) + '\n',
          );
          return;
        }
        const out = [`plugins: ${['core', ...runner.plugins.map((p) => p.name)].join(', ')}`];
        for (const r of rows) {
          out.push(
            `${r.phase}${'dryRun' in r ? `  (plan: ${r.dryRun ? 'runs' : 'skipped'}${r.settleAll ? ', settle-all' : ''})` : ''}`,
          );
          for (const t of r.taps) out.push(`  ${String(t.stage).padStart(7)}  ${t.plugin.padEnd(14)} ${t.title}`);
        }
        cli.io.stdout.write(out.join('\n') + '\n');
      } catch (err) {
        cli.exit(reportEarlyError(toBatonError(err), { io: cli.io, json: a.json }));
      }
    },
  };
  return [validate, plan, schema, hooks];
}

/** A runner with the built-ins and, when a recipe is named, its plugins (for schema/hooks). */
async function runnerFor(cli: CliContext, recipe: string | undefined): Promise<Runner> {
  const runner = new Runner();
  let settings = {};
  let dir = cli.cwd;
  if (recipe !== undefined) {
    const loaded = await loadRecipeFile(recipe, cli.cwd);
    settings = pluginSettings(loaded.raw.plugins);
    dir = path.dirname(loaded.file);
  }
  await usePlugins(runner, cli.builtins, settings, dir);
  runner.applyPlugins();
  return runner;
}
