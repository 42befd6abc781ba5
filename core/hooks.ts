import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type { ClusterPort } from './cluster.js';
import type { PipelineContext } from './context.js';
import type { BatonError } from './errors.js';
import type { CommandRegistry, CompletionRequest, RunnerHooks, TapExtra } from './plugin-api.js';
import type { RawRecipe } from './recipe/shape.js';
import type { JsonSchema } from './recipe/schema.js';
import type { TargetSpec } from './recipe/types.js';

export type { CommandRegistry, CompletionRequest, PhaseHookName, RunnerHooks, TapExtra } from './plugin-api.js';

type Phase = AsyncSeriesHook<[PipelineContext], TapExtra>;

/** The runner's hooks, one frozen object (plugin-api.ts describes each; docs/hooks.md too). */
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
    completions: new AsyncSeriesWaterfallHook<[string[], CompletionRequest], string[], TapExtra>(
      ['completions', 'request'],
      'completions',
    ),
  });
}
