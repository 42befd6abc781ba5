import yargs, { type Argv, type CommandModule } from 'yargs';
import { toBatonError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { CommandRegistry } from '../plugin-api.js';
import type { RenderTarget } from '../report/target.js';
import type { CliContext, CliEnv } from './context.js';
import { Runner } from '../runner.js';
import { CORE_VERSION } from '../version.js';
import { reportEarlyError } from './pipeline-command.js';
import { coreCommands } from './commands.js';

export type { CliContext, CliEnv } from './context.js';

/**
 * Baton's CLI: yargs command modules from core and from built-in plugins (the `commands` hook).
 * Returns the exit code instead of exiting, so tests and embedders can call it.
 */
export async function main(argv: string[], env: CliEnv): Promise<number> {
  const io: RenderTarget = env.io ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
  let code: number = EXIT.OK;
  const ctx: CliContext = {
    builtins: env.builtins,
    io,
    cwd: env.cwd ?? process.cwd(),
    exit: (c) => {
      code = c;
    },
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const commands: CommandModule<object, any>[] = [...coreCommands(ctx)];
  try {
    // Built-in plugins contribute commands; a throwaway runner asks them (apply does no I/O).
    const runner = new Runner();
    for (const p of env.builtins) if (p.enabledByDefault !== false) runner.use(p);
    runner.applyPlugins();
    const registry: CommandRegistry = { add: (c) => commands.push(c), builtins: env.builtins, io, exit: ctx.exit };
    runner.hooks.commands.call(registry);
  } catch (err) {
    return reportEarlyError(toBatonError(err), { io });
  }

  let cli: Argv = yargs(argv)
    .scriptName('baton')
    .usage(
      '$0 <command> [recipe] [options]\n\nDeploy Marathon apps, pods and groups to the embedded engine or a Marathon cluster.',
    )
    .option('json', {
      type: 'boolean',
      describe: 'Write NDJSON events to stdout (one event per line) and nothing else',
    })
    .option('renderer', {
      choices: ['auto', 'tty', 'plain', 'json', 'silent'],
      default: 'auto',
      describe: 'Output style (auto: TTY tree on a terminal, plain lines in CI or pipes)',
    })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show every stage and debug logs' })
    .option('strict', { type: 'boolean', describe: 'Treat unknown recipe fields as errors' })
    .strict()
    .demandCommand(1, 'Name a command; see baton --help')
    .recommendCommands()
    .completion('completion', 'Print a shell completion script (bash/zsh): baton completion >> ~/.bashrc')
    .example('$0 validate recipes/hello', 'check a recipe: every error, with its JSON path')
    .example('$0 plan recipes/hello', 'what a deploy would change (exit 3 when there are changes)')
    .example('$0 plan --json recipes/hello', 'the same as NDJSON events, for CI')
    .example('$0 schema > baton.schema.json', 'the recipe JSON Schema, for editors')
    .epilogue(
      'Exit codes: 0 ok, 1 deploy failed, 2 invalid input, 3 plan has changes, 4 rolled back, 5 timeout, 6 target unavailable, 70 internal. See docs/cli.md.',
    )
    .version(CORE_VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      io.stderr.write(`${msg}\nRun 'baton --help' for usage.\n`);
      code = EXIT.INVALID_INPUT;
    });
  for (const c of commands) cli = cli.command(c);
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportEarlyError(toBatonError(err), { io });
  }
  return code;
}
