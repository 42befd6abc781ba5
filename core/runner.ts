import type { ValidateFunction } from 'ajv';
import { markContext, type PipelineContext, type RunOptions } from './context.js';
import { BatonError, stampError, toBatonError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { createRunnerHooks } from './hooks.js';
import { checkPlugin } from './plugin.js';
import type { BatonPlugin, PhaseHookName, PluginHost, RunnerHooks, TapInfo } from './plugin-api.js';

export type { TapInfo } from './plugin-api.js';
import { baseRecipeSchema, type JsonSchema } from './recipe/schema.js';
import type { RawRecipe } from './recipe/shape.js';
import { createLogger, Reporter, type Logger } from './report/events.js';
import { PHASES, phasesFor, stepOf, type Phase } from './steps.js';
import { Issues, sortIssues } from './validation.js';
import { cachedValidator } from './schema-cache.js';
import { CORE_VERSION } from './version.js';
import { registerCoreTaps } from './core-taps.js';
import { COLLECTED, wrapTap } from './tap-wrapper.js';
import { deploySettings } from './deploy-settings.js';
import type { ContractOwner, HooksOf } from './contracts.js';

interface Registered {
  plugin: BatonPlugin;
  options: Record<string, unknown>;
}

export interface RunInput {
  command: string;
  /** Last phase to run. */
  until: Phase;
  dryRun: boolean;
  raw: RawRecipe;
  file?: string;
  defaultName: string;
  options?: RunOptions;
  /** Cancels the run (e.g. Ctrl-C). */
  signal?: AbortSignal;
}

export interface RunResult {
  ok: boolean;
  exitCode: number;
  error?: BatonError;
  ctx: PipelineContext;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHook = { intercept(i: { register: (tap: any) => any }): void; taps: { name: string; stage?: number }[] };

const SETTLE_ALL = new Set<string>(['failed', ...PHASES.filter((p) => stepOf(p).settleAll)]);

/**
 * Owns one frozen hooks object and the plugins that tap it; runs the phases of the step table.
 * Build a fresh Runner per pipeline run (tapable cannot untap).
 */
export class Runner implements PluginHost {
  readonly hooks: RunnerHooks = createRunnerHooks();
  readonly coreVersion = CORE_VERSION;
  readonly reporter: Reporter;
  private readonly registered = new Map<string, Registered>();
  private readonly published = new Map<string, object>();
  private readonly tapOwners = new WeakMap<object, string>();
  private applying: string | undefined;
  private applied = false;
  private schema?: JsonSchema;
  private validator?: ValidateFunction;

  constructor(opts: { reporter?: Reporter } = {}) {
    this.reporter = opts.reporter ?? new Reporter();
    for (const [name, hook] of Object.entries(this.hooks) as [string, AnyHook][]) {
      hook.intercept({ register: (tap) => this.wrapTap(name, tap) });
    }
    this.applying = 'core';
    registerCoreTaps(this.hooks, () => this.compiledSchema());
    this.applying = undefined;
  }

  /** Register a plugin (checked against the contract now; applied before the first run). */
  use(plugin: unknown, options: Record<string, unknown> = {}, source?: string): this {
    checkPlugin(plugin, this.coreVersion, source);
    if (this.applied)
      throw new BatonError('BATON_HOOKS_FROZEN', `plugin ${plugin.name} was added after the plugins were applied`, {
        plugin: plugin.name,
      });
    if (this.registered.has(plugin.name) || plugin.name === 'core') {
      throw new BatonError('BATON_PLUGIN_DUPLICATE', `two plugins are named '${plugin.name}'`, { plugin: plugin.name });
    }
    this.registered.set(plugin.name, { plugin, options });
    return this;
  }

  get plugins(): BatonPlugin[] {
    return [...this.registered.values()].map((r) => r.plugin);
  }

  /** Apply every registered plugin, dependencies first. Idempotent. */
  applyPlugins(): void {
    if (this.applied) return;
    this.applied = true;
    for (const { plugin } of this.registered.values()) {
      for (const dep of plugin.dependsOn ?? []) {
        if (!this.registered.has(dep)) {
          throw new BatonError(
            'BATON_PLUGIN_MISSING_DEPENDENCY',
            `plugin ${plugin.name} depends on '${dep}', which is not loaded`,
            {
              plugin: plugin.name,
              details: `Add '${dep}' to the recipe's plugins, or switch ${plugin.name} off.`,
            },
          );
        }
      }
    }
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (name: string, chain: string[]) => {
      if (done.has(name)) return;
      if (visiting.has(name)) {
        throw new BatonError(
          'BATON_PLUGIN_INVALID',
          `plugins depend on each other in a cycle: ${[...chain, name].join(' → ')}`,
          { plugin: name },
        );
      }
      visiting.add(name);
      const { plugin, options } = this.registered.get(name)!;
      for (const dep of [...(plugin.dependsOn ?? []), ...(plugin.after ?? []).filter((d) => this.registered.has(d))])
        visit(dep, [...chain, name]);
      this.applying = name;
      try {
        plugin.apply(this, { log: this.logger(name), options, coreVersion: this.coreVersion });
      } catch (err) {
        throw stampError(err, name, 'apply');
      } finally {
        this.applying = undefined;
      }
      visiting.delete(name);
      done.add(name);
    };
    for (const name of this.registered.keys()) visit(name, []);
  }

  /** Publish a plugin's own hooks object for plugins that depend on it (frozen); its type is the owner's contract. */
  publishHooks<K extends ContractOwner>(owner: K, hooks: HooksOf<K>): Readonly<HooksOf<K>> {
    if (this.published.has(owner))
      throw new BatonError('BATON_PLUGIN_DUPLICATE', `hooks of '${owner}' are already published`, { plugin: owner });
    const frozen = Object.freeze(hooks);
    this.published.set(owner, frozen);
    for (const [name, hook] of Object.entries(frozen)) {
      if (hook && typeof (hook as { intercept?: unknown }).intercept === 'function') {
        (hook as AnyHook).intercept({ register: (tap) => this.wrapTap(`${owner}.${name}`, tap) });
      }
    }
    return frozen;
  }

  /**
   * The hooks another plugin published, typed by its contract (contracts.ts). Declare the owner in
   * `dependsOn` (or `after`, with hasHooks) so it is applied first.
   */
  hooksOf<K extends ContractOwner>(owner: K): HooksOf<K> {
    const h = this.published.get(owner);
    if (!h) {
      throw new BatonError('BATON_PLUGIN_MISSING_DEPENDENCY', `no plugin published hooks named '${owner}'`, {
        plugin: this.applying,
        details: `Is the '${owner}' plugin loaded, and listed in dependsOn?`,
      });
    }
    return h as HooksOf<K>;
  }

  hasHooks(owner: string): boolean {
    return this.published.has(owner);
  }

  logger(plugin: string): Logger {
    return createLogger(this.reporter, plugin);
  }

  /** The recipe JSON Schema with every plugin's section. */
  recipeSchema(): JsonSchema {
    this.applyPlugins();
    this.schema ??= this.hooks.recipeSchema.call(baseRecipeSchema());
    return this.schema;
  }

  /** @internal used by core's normalize tap: the recipe schema's validator (compiled once per machine). */
  compiledSchema(): { schema: JsonSchema; validate: ValidateFunction } {
    const schema = this.recipeSchema();
    this.validator ??= cachedValidator(schema);
    return { schema, validate: this.validator };
  }

  /** Taps of a hook in execution order, with their plugins (for `baton hooks` and renderers). */
  tapsOf(hook: keyof RunnerHooks): TapInfo[] {
    this.applyPlugins();
    return (this.hooks[hook] as AnyHook).taps.map((t) => ({
      plugin: this.tapOwners.get(t) ?? t.name,
      title: (t as { title?: string }).title ?? t.name,
      stage: t.stage ?? 0,
    }));
  }

  /** Run the pipeline. Never throws: the result carries the error and the exit code. */
  async run(input: RunInput): Promise<RunResult> {
    const started = Date.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      timer = setTimeout(
        () =>
          abort.abort(
            new BatonError('BATON_TIMEOUT', `The deploy did not finish within its ${Math.round(ms / 1000)}s deadline`),
          ),
        ms,
      );
    };
    if (input.options?.timeoutMs) arm(input.options.timeoutMs);
    const onOuterAbort = () => abort.abort(new BatonError('BATON_INTERRUPTED', 'Interrupted'));
    input.signal?.addEventListener('abort', onOuterAbort, { once: true });

    const ctx: PipelineContext = markContext({
      command: input.command,
      dryRun: input.dryRun,
      options: Object.freeze({ ...(input.options ?? {}) }),
      raw: input.raw,
      recipe: {
        name: input.defaultName,
        dir: process.cwd(),
        target: { kind: 'embedded', settings: {} },
        plugins: {},
        strict: false,
        apps: [],
        pods: [],
        groups: [],
        raw: input.raw,
        ...(input.file ? { file: input.file } : {}),
      },
      issues: new Issues(),
      reporter: this.reporter,
      log: this.logger('core'),
      signal: abort.signal,
      shared: new Map<string, unknown>(),
    });
    const phases = phasesFor(input.until, input.dryRun);
    let applyStarted = false;
    try {
      this.applyPlugins();
      this.reporter.emit({
        type: 'run:start',
        command: input.command,
        recipe: typeof input.raw.name === 'string' ? input.raw.name : input.defaultName,
        dryRun: input.dryRun,
        phases: phases.map((p) => p.phase),
        ...(input.file ? { file: input.file } : {}),
      });
      for (const step of phases) {
        if (step.phase === 'apply') {
          applyStarted = true;
          if (this.hooks.apply.taps.length === 0) {
            throw new BatonError('BATON_NO_TARGET', `No plugin can deploy to target '${ctx.recipe.target.kind}'`, {
              details: 'Is the target plugin (e.g. the embedded engine) switched on?',
            });
          }
        }
        await this.runPhase(step.phase, ctx);
        // Plan-time rules (a change the live state forbids) are issues too.
        if (step.phase === 'validate' || step.phase === 'plan') this.failOnIssues(ctx);
        // The recipe's own deadline is known once it is valid (flags armed theirs at the start).
        if (step.phase === 'validate' && !timer && !input.dryRun) arm(deploySettings(ctx).timeoutSeconds * 1000);
      }
      this.reporter.emit({ type: 'run:end', status: 'ok', exitCode: EXIT.OK, durationMs: Date.now() - started });
      return { ok: true, exitCode: EXIT.OK, ctx };
    } catch (thrown) {
      let error =
        abort.signal.aborted && abort.signal.reason instanceof BatonError ? abort.signal.reason : toBatonError(thrown);
      ctx.error = error;
      if (
        applyStarted &&
        !input.dryRun &&
        deploySettings(ctx).onFailure === 'rollback' &&
        this.hooks.rollback.taps.length > 0
      ) {
        error = await this.rollback(ctx, error);
        ctx.error = error;
      }
      await this.callFailed(ctx, error);
      this.reporter.emit({ type: 'error', error: error.toJSON() });
      this.reporter.emit({
        type: 'run:end',
        status: 'failed',
        exitCode: error.exitCode,
        durationMs: Date.now() - started,
      });
      return { ok: false, exitCode: error.exitCode, error, ctx };
    } finally {
      if (timer) clearTimeout(timer);
      input.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  private async runPhase(phase: Phase, ctx: PipelineContext): Promise<void> {
    const t0 = Date.now();
    this.reporter.emit({ type: 'phase:start', phase });
    const collected: BatonError[] = [];
    (ctx as unknown as Record<symbol, unknown>)[COLLECTED] = collected;
    try {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (phase === 'loadRecipe') {
        const out = await this.hooks.loadRecipe.promise(ctx.raw, ctx);
        if (out && typeof out === 'object') ctx.raw = out;
      } else {
        await this.hooks[phase as PhaseHookName].promise(ctx);
      }
      if (collected.length === 1) throw collected[0];
      if (collected.length > 1) {
        throw new BatonError(
          collected[0].code,
          `${collected.length} plugins failed in ${phase}: ${collected.map((e) => `${e.plugin}: ${e.message}`).join('; ')}`,
          {
            hook: phase,
            data: { errors: collected.map((e) => e.toJSON()) },
          },
        );
      }
      if (ctx.signal.aborted) throw ctx.signal.reason;
      this.reporter.emit({ type: 'phase:end', phase, status: 'ok', durationMs: Date.now() - t0 });
    } catch (err) {
      this.reporter.emit({ type: 'phase:end', phase, status: 'failed', durationMs: Date.now() - t0 });
      throw err;
    }
  }

  private readonly reportedIssues = new WeakMap<PipelineContext, number>();

  private failOnIssues(ctx: PipelineContext): void {
    const sorted = sortIssues(ctx.issues.list);
    const seen = this.reportedIssues.get(ctx) ?? 0;
    for (const i of sortIssues(ctx.issues.list.slice(seen))) this.reporter.emit({ type: 'issue', ...i });
    this.reportedIssues.set(ctx, ctx.issues.list.length);
    const errors = sorted.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      throw new BatonError(
        'BATON_RECIPE_INVALID',
        `The recipe has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was applied`,
        {
          hook: 'validate',
          data: { issues: errors },
        },
      );
    }
  }

  private async rollback(ctx: PipelineContext, cause: BatonError): Promise<BatonError> {
    try {
      await this.hooks.rollback.promise(ctx, cause);
      return new BatonError('BATON_ROLLED_BACK', `${cause.message} — rolled back`, {
        cause,
        hook: cause.hook,
        plugin: cause.plugin,
        details: cause.details,
        data: { cause: cause.toJSON() },
      });
    } catch (err) {
      const e = toBatonError(err);
      if (e.code === 'BATON_NOTHING_TO_ROLL_BACK') {
        ctx.log.info(e.message);
        return cause;
      }
      ctx.log.error(`rollback failed: ${e.message}`);
      cause.data = { ...(cause.data ?? {}), rollbackError: e.toJSON() };
      return cause;
    }
  }

  private async callFailed(ctx: PipelineContext, error: BatonError): Promise<void> {
    (ctx as unknown as Record<symbol, unknown>)[COLLECTED] = [];
    try {
      await this.hooks.failed.promise(ctx, error);
    } catch {
      /* settle-all: wrapTap already logged each failing tap */
    }
    for (const e of ((ctx as unknown as Record<symbol, unknown>)[COLLECTED] as BatonError[]) ?? []) {
      ctx.log.warn(`a 'failed' handler of ${e.plugin} failed: ${e.message}`);
    }
  }

  /** The register interceptor of every hook (see tap-wrapper.ts); taps are only accepted inside apply(). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private wrapTap(hookName: string, tap: any): any {
    const plugin = this.applying;
    if (!plugin) {
      throw new BatonError(
        'BATON_HOOKS_FROZEN',
        `a tap named '${tap.name}' was added to '${hookName}' outside a plugin's apply()`,
        { hook: hookName },
      );
    }
    const wrapped = wrapTap(hookName, tap, plugin, this.reporter, SETTLE_ALL.has(hookName));
    this.tapOwners.set(wrapped, plugin);
    return wrapped;
  }
}
