import yargs, { type Argv, type CommandModule } from 'yargs';
import { BatonError, toBatonError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { CommandRegistry } from '../plugin-api.js';
import type { RenderTarget } from '../report/target.js';
import type { CliContext, CliEnv } from './context.js';
import { Runner } from '../runner.js';
import { CORE_VERSION } from '../version.js';
import { reportEarlyError } from './pipeline-command.js';

/** yargs' refusal of the command line (unknown flag or command, missing argument): exit 2, nothing run. */
class UsageRefusal extends Error {}

/** The part of yargs' internals that renders a command's help before its handler runs. */
interface YargsInternals {
  getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } };
}

/** yargs' default completion, handed to a custom completion function. */
type CompletionFilter = (onCompleted: (err: unknown, completions: string[] | undefined) => void) => void;
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
    ...(env.keep ? { keep: env.keep } : {}),
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const commands: CommandModule<object, any>[] = [...coreCommands(ctx)];
  // Built-in plugins contribute commands (and completions); this runner asks them (apply does no I/O).
  const runner = new Runner();
  try {
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
    .option('allow-unknown-fields', {
      type: 'boolean',
      describe: 'Report unknown recipe fields as warnings, not errors (for definitions from other Marathon versions)',
    })
    .option('strict', { type: 'boolean', hidden: true, describe: 'Unknown recipe fields are errors (the default)' })
    .strict()
    .demandCommand(1, 'Name a command; see baton --help')
    .recommendCommands()
    .completion(
      'completion',
      'Print a shell completion script (bash/zsh): baton completion >> ~/.bashrc',
      // Commands and flags as yargs completes them, plus the ids the target knows (apps, pods,
      // groups) when the word looks like one: plugins answer through the `completions` hook.
      (current: string, args: { _: (string | number)[] }, defaults: CompletionFilter, done: (c: string[]) => void) => {
        defaults((_err, given) => {
          const fromYargs = given ?? [];
          if (!current.startsWith('/')) return done(fromYargs);
          const words = args._.map(String).filter((w) => w !== 'baton');
          runner.hooks.completions.promise([], { current, words }).then(
            (ids) => done([...fromYargs, ...ids.filter((id) => id.startsWith(current))]),
            () => done(fromYargs),
          );
        });
      },
    )
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
      // yargs re-throws a flag's refusal (core/cli/flags.ts) as its own YError, keeping the message.
      if (err?.name === 'YError') throw new BatonError('BATON_BAD_ARGUMENT', err.message);
      if (err) throw err;
      // Thrown, not only said: yargs runs the command's handler after a refusal it was told of (an
      // unknown flag was reported, then the command ran with the flag's value as its recipe).
      throw new UsageRefusal(msg);
    });
  // The shell asking for completions (the script `baton completion` prints): yargs answers while
  // parsing; no command may run then, nor may a half-typed line be refused.
  const completing = argv[0] === '--get-yargs-completions';
  if (completing) cli = cli.strict(false);
  for (const c of commands) cli = cli.command(completing ? { ...c, handler: () => undefined } : c);
  // The general help, printed (and kept for the next `--help`, bin/fast-path.ts) as yargs would.
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    const help = (await cli.getHelp()) + '\n';
    io.stdout.write(help);
    env.keep?.write(env.keep.files.help, help);
    return EXIT.OK;
  }
  // yargs renders a command's whole help before its handler runs, to have it at hand should the
  // handler ask for it (40-60 ms of every command: cliui, string-width); no handler here does —
  // a refusal names the flag and points at --help (above) — so it is not rendered.
  const usage = (cli as unknown as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  try {
    await cli.parseAsync();
  } catch (err) {
    if (!(err instanceof UsageRefusal)) return reportEarlyError(toBatonError(err), { io });
    io.stderr.write(`${err.message}\nRun 'baton --help' for usage.\n`);
    return EXIT.INVALID_INPUT;
  }
  return code;
}
