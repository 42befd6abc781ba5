import type {
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  SyncHook,
  SyncWaterfallHook,
} from 'tapable';
import type { CommandModule } from 'yargs';
import type { ClusterPort } from './cluster.js';
import type { PipelineContext } from './context.js';
import type { ContractOwner, HooksOf } from './contracts.js';
import type { BatonError } from './errors.js';
import type { RawRecipe } from './recipe/shape.js';
import type { JsonSchema } from './recipe/schema.js';
import type { TargetSpec } from './recipe/types.js';
import type { Logger } from './report/events.js';
import type { RenderTarget } from './report/target.js';

/*
 * The types of the plugin API in one place: the plugin contract, what `apply` is handed, and the
 * runner's hooks. Types only; the runner (runner.ts) implements PluginHost, hooks.ts builds the hooks.
 */

/** Extra tap options: a human title for the stage (shown by renderers; defaults to the plugin name). */
export interface TapExtra {
  title?: string;
}

/** What the shell is completing: the word so far, and the words before it (the command first). */
export interface CompletionRequest {
  current: string;
  words: readonly string[];
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
  /**
   * Waterfall over the shell's completions of the word being typed (`baton completion`): add the
   * names a target knows — app, pod and group ids. Quick and never starting anything. @since 0.1
   */
  readonly completions: AsyncSeriesWaterfallHook<[string[], CompletionRequest], string[], TapExtra>;
}

export type PhaseHookName = 'normalize' | 'validate' | 'plan' | 'preflight' | 'apply' | 'wait' | 'verify' | 'finalize';

/** What a plugin's `apply` gets besides the runner. */
export interface PluginTools {
  /** A logger scoped to this plugin. */
  log: Logger;
  /** The plugin's options: the object given in the recipe's `plugins` section, or {}. */
  options: Record<string, unknown>;
  /** Core's version, e.g. "0.1.0". */
  coreVersion: string;
}

/**
 * The plugin contract (fastify-style metadata, webpack-style apply). `apply` taps hooks and must
 * not do I/O: it runs for every command, including `--help`.
 */
export interface BatonPlugin {
  /** Unique name: lowercase, e.g. "mesos" or "baton-plugin-slack". Errors and logs carry it. */
  name: string;
  version?: string;
  /** The core versions it works with, as a semver range (e.g. "^0.1"). */
  requires?: string;
  /** Plugins that must be present (their hooks are reached through `runner.hooksOf`). */
  dependsOn?: string[];
  /**
   * Plugins to apply before this one when they are loaded, without needing them: for tapping the
   * hooks an optional partner publishes (`runner.hasHooks(name)` says whether it is there).
   */
  after?: string[];
  /** False: only used when a recipe switches it on (built-ins default to on). */
  enabledByDefault?: boolean;
  apply(runner: PluginHost, tools: PluginTools): void;
}

/** What a plugin's `apply` gets: the runner's hooks, and the hooks plugins publish for each other. */
export interface PluginHost {
  readonly hooks: RunnerHooks;
  /** Publish this plugin's own hooks (frozen), declared in its contract (contracts.ts). */
  publishHooks<K extends ContractOwner>(owner: K, hooks: HooksOf<K>): Readonly<HooksOf<K>>;
  /** The hooks another plugin published, typed by its contract. */
  hooksOf<K extends ContractOwner>(owner: K): HooksOf<K>;
  /** Whether a plugin published hooks under this name (an optional partner, `after`). */
  hasHooks(owner: string): boolean;
}

/** A tap as the runner sees it: with the plugin that registered it. */
export interface TapInfo {
  plugin: string;
  title: string;
  stage: number;
}
