import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type { CommandModule } from 'yargs';
import type { ClusterPort } from './cluster.js';
import type { PipelineContext } from './context.js';
import type { BatonError } from './errors.js';
import type { RawRecipe } from './recipe/shape.js';
import type { JsonSchema } from './recipe/schema.js';
import type { TargetSpec } from './recipe/types.js';
import type { BatonPlugin } from './plugin.js';
import type { RenderTarget } from './report/renderers.js';

/** Extra tap options: a human title for the stage (shown by renderers; defaults to the plugin name). */
export interface TapExtra {
  title?: string;
}

/** Where plugins add CLI commands (yargs command modules), with what their handlers need. */
export interface CommandRegistry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  add(command: CommandModule<object, any>): void;
  /** The built-in plugins (for handlers that run pipelines with runPipelineCommand). */
  readonly builtins: readonly BatonPlugin[];
  /** Where output goes. */
  readonly io: RenderTarget;
  /** Set the CLI's exit code. */
  exit(code: number): void;
}

type Phase = AsyncSeriesHook<[PipelineContext], TapExtra>;

/**
 * The runner's hooks. One frozen object: plugins tap, only the runner calls. Taps of async hooks
 * use `tapPromise` (or `tap` for synchronous work) with `{ name, stage, title }`; order is by
 * `stage` (see STAGE). docs/hooks.md documents each one.
 */
export interface RunnerHooks {
  /** Waterfall over the raw recipe object; return a replacement or nothing. @since 0.1 */
  readonly loadRecipe: AsyncSeriesWaterfallHook<[RawRecipe, PipelineContext], RawRecipe, TapExtra>;
  /** Fill defaults on ctx.recipe after core's Marathon normalisation. @since 0.1 */
  readonly normalize: Phase;
  /** Add findings to ctx.issues. Settle-all: every tap runs. @since 0.1 */
  readonly validate: Phase;
  /** ctx.target and ctx.plan are set by core; annotate the plan (notes, predictions). @since 0.1 */
  readonly plan: Phase;
  /** Read-only checks before changing anything. Settle-all. @since 0.1 */
  readonly preflight: Phase;
  /** Make the changes. @since 0.1 */
  readonly apply: Phase;
  /** Wait for the deployment, honouring ctx.signal. @since 0.1 */
  readonly wait: Phase;
  /** Check the result. Settle-all. @since 0.1 */
  readonly verify: Phase;
  /** Record the outcome. @since 0.1 */
  readonly finalize: Phase;
  /** Always called when a run fails (after rollback, if any). Settle-all; its errors never hide the original. @since 0.1 */
  readonly failed: AsyncSeriesHook<[PipelineContext, BatonError], TapExtra>;
  /** Called when a deploy fails after `apply` started and on-failure is `rollback`. @since 0.1 */
  readonly rollback: AsyncSeriesHook<[PipelineContext, BatonError], TapExtra>;
  /** Waterfall over the recipe JSON Schema: add your recipe section. @since 0.1 */
  readonly recipeSchema: SyncWaterfallHook<[JsonSchema], JsonSchema, TapExtra>;
  /** Bail: the first plugin that can deploy to this target returns its ClusterPort. @since 0.1 */
  readonly resolveTarget: AsyncSeriesBailHook<[TargetSpec, PipelineContext], ClusterPort | undefined, TapExtra>;
  /** Add CLI commands. Only built-in (default-set) plugins are asked. @since 0.1 */
  readonly commands: SyncHook<[CommandRegistry], void, TapExtra>;
}

export type PhaseHookName = 'normalize' | 'validate' | 'plan' | 'preflight' | 'apply' | 'wait' | 'verify' | 'finalize';

export function createRunnerHooks(): RunnerHooks {
  const phase = (name: string): Phase => new AsyncSeriesHook<[PipelineContext], TapExtra>(['ctx'], name);
  return Object.freeze({
    loadRecipe: new AsyncSeriesWaterfallHook<[RawRecipe, PipelineContext], RawRecipe, TapExtra>(
      ['raw', 'ctx'],
      'loadRecipe',
    ),
    normalize: phase('normalize'),
    validate: phase('validate'),
    plan: phase('plan'),
    preflight: phase('preflight'),
    apply: phase('apply'),
    wait: phase('wait'),
    verify: phase('verify'),
    finalize: phase('finalize'),
    failed: new AsyncSeriesHook<[PipelineContext, BatonError], TapExtra>(['ctx', 'error'], 'failed'),
    rollback: new AsyncSeriesHook<[PipelineContext, BatonError], TapExtra>(['ctx', 'error'], 'rollback'),
    recipeSchema: new SyncWaterfallHook<[JsonSchema], JsonSchema, TapExtra>(['schema'], 'recipeSchema'),
    resolveTarget: new AsyncSeriesBailHook<[TargetSpec, PipelineContext], ClusterPort | undefined, TapExtra>(
      ['target', 'ctx'],
      'resolveTarget',
    ),
    commands: new SyncHook<[CommandRegistry], void, TapExtra>(['registry'], 'commands'),
  });
}
