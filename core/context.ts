import type { ClusterPort } from './cluster.js';
import type { Plan } from './plan.js';
import type { RawRecipe } from './recipe/shape.js';
import type { Recipe } from './recipe/types.js';
import type { Logger, Reporter } from './report/events.js';
import type { Issues } from './validation.js';
import type { BatonError } from './errors.js';

/** Options of one run, from the command line or the caller. Plugins read their own keys. */
export interface RunOptions {
  /** Override deployment locks (Marathon's `?force=true`). */
  force?: boolean;
  /** Overall deadline for the run, in milliseconds. */
  timeoutMs?: number;
  /** What to do when a deploy fails after changes began (see deploySettings). */
  onFailure?: 'rollback' | 'pause' | 'leave';
  /** Fail when a deployment makes no progress for this long. */
  progressDeadlineSeconds?: number;
  /** Fail when a new instance is not healthy this long after it was scheduled. */
  healthyDeadlineSeconds?: number;
  /**
   * Unknown recipe fields: errors (true, the default) or warnings (false, for definitions exported
   * from other Marathon versions). Overrides the recipe's own `strict`.
   */
  strict?: boolean;
  [key: string]: unknown;
}

const CONTEXT = Symbol.for('baton.context');

/**
 * The one object every phase hook receives. Core fills `recipe` in `normalize`, `target` and
 * `plan` in `plan`; plugins add to `issues` in `validate` and may keep per-run data in `shared`
 * under their own name.
 */
export interface PipelineContext {
  readonly [CONTEXT]: true;
  /** The CLI command or API call that started the run: "validate", "plan", "deploy", ... */
  readonly command: string;
  /** True for runs that must not change anything (validate, plan). */
  readonly dryRun: boolean;
  readonly options: Readonly<RunOptions>;
  /** The recipe object as loaded (after `loadRecipe` taps). */
  raw: RawRecipe;
  /** The normalised recipe (set by core at the start of `normalize`). */
  recipe: Recipe;
  /** Findings of `validate` (and of normalisation). Errors stop the run after `validate`. */
  issues: Issues;
  /** The target, resolved at the start of `plan`. */
  target?: ClusterPort;
  /** What would change; computed at the start of `plan`. */
  plan?: Plan;
  /** Set when the run failed; what `failed` and `rollback` taps get too. */
  error?: BatonError;
  readonly reporter: Reporter;
  /** Core's logger; a plugin gets its own, scoped one, as the second argument of `apply`. */
  readonly log: Logger;
  /** Aborted when the run's deadline passes or the user interrupts. Long waits must honour it. */
  readonly signal: AbortSignal;
  /** Per-run data plugins share with themselves across phases, under their plugin name. */
  readonly shared: Map<string, unknown>;
}

export function markContext<T extends object>(o: T): T & { [CONTEXT]: true } {
  return Object.assign(o, { [CONTEXT]: true as const });
}

export function isContext(v: unknown): v is PipelineContext {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[CONTEXT] === true;
}
