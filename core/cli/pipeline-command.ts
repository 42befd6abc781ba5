import path from 'node:path';
import type { RunOptions } from '../context.js';
import { type BatonError, toBatonError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { hasChanges } from '../plan.js';
import type { BatonPlugin } from '../plugin-api.js';
import { usePlugins } from '../plugin-loader.js';
import { loadRecipeFile } from '../recipe/load.js';
import { Reporter } from '../report/events.js';
import { formatError, palette } from '../report/format.js';
import { attachRenderer, chooseRenderer, type RenderTarget } from '../report/renderers.js';
import { Runner, type RunResult } from '../runner.js';
import type { Phase } from '../steps.js';
import { pluginSettings } from '../recipe/plugins.js';

/** Options every pipeline command shares (set by the CLI's global flags). */
export interface OutputOptions {
  json?: boolean;
  renderer?: string;
  verbose?: boolean;
  strict?: boolean;
  'allow-unknown-fields'?: boolean;
}

export interface PipelineCommandInput extends OutputOptions {
  command: string;
  until: Phase;
  dryRun: boolean;
  /** Recipe file or directory; absent = search from the working directory. */
  recipe?: string;
  builtins: readonly BatonPlugin[];
  io: RenderTarget;
  cwd?: string;
  options?: RunOptions;
  signal?: AbortSignal;
  /** Called with the finished run, before the exit code is decided (e.g. to print more). */
  after?: (result: RunResult) => Promise<void> | void;
}

/**
 * Load a recipe, build a fresh runner with its plugins, run the phases, render, and return the
 * exit code. Every pipeline command (core's and plugins') goes through here, so all of them
 * share loading, rendering and exit codes.
 */
export async function runPipelineCommand(input: PipelineCommandInput): Promise<number> {
  const reporter = new Reporter();
  const runner = new Runner({ reporter });
  let loaded;
  try {
    loaded = await loadRecipeFile(input.recipe, input.cwd);
    const settings = pluginSettings(loaded.raw.plugins);
    await usePlugins(runner, input.builtins, settings, path.dirname(loaded.file));
    runner.applyPlugins();
  } catch (err) {
    return reportEarlyError(toBatonError(err), input);
  }
  const view = attachRenderer(chooseRenderer(input, input.io), runner, input.io, { verbose: input.verbose });
  const result = await runner.run({
    command: input.command,
    until: input.until,
    dryRun: input.dryRun,
    raw: loaded.raw,
    file: loaded.file,
    defaultName: loaded.defaultName,
    options: {
      ...(input.options ?? {}),
      ...(input['allow-unknown-fields']
        ? { strict: false }
        : input.strict !== undefined
          ? { strict: input.strict }
          : {}),
    },
    signal: input.signal,
  });
  await view.finish({ error: result.error, recipe: result.ctx.recipe.name });
  await input.after?.(result);
  if (result.ok && input.command === 'plan' && result.ctx.plan && hasChanges(result.ctx.plan))
    return EXIT.PLAN_HAS_CHANGES;
  return result.exitCode;
}

/** Errors before a run exists (no recipe, bad plugin) still honour --json and exit codes. */
export function reportEarlyError(error: BatonError, out: OutputOptions & { io: RenderTarget }): number {
  if (out.json) {
    const time = new Date().toISOString();
    out.io.stdout.write(JSON.stringify({ type: 'error', error: error.toJSON(), time }) + '\n');
    out.io.stdout.write(
      JSON.stringify({ type: 'run:end', status: 'failed', exitCode: error.exitCode, durationMs: 0, time }) + '\n',
    );
  } else {
    out.io.stderr.write(formatError(error, palette(out.io.stderr, out.io.env)).join('\n') + '\n');
  }
  return error.exitCode;
}
