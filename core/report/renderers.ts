import { createRequire } from 'node:module';
import type { Listr as ListrClass, ListrTask } from 'listr2';
import type { BatonError } from '../errors.js';
import type { Plan } from '../plan.js';
import type { RunnerHooks, TapInfo } from '../plugin-api.js';
import type { Issue } from '../validation.js';
import type { AppSummary, Reporter, TimedEvent } from './events.js';
import { formatError, formatIssue, formatPlan, formatVerdict, palette } from './format.js';
import type { RenderTarget } from './target.js';

export type { RenderTarget } from './target.js';

const require = createRequire(import.meta.url);
export type RendererName = 'tty' | 'plain' | 'json' | 'silent';

/** What a view follows: a runner's event stream, and its taps (the listr2 tree is built from them). */
interface Runner {
  readonly reporter: Reporter;
  tapsOf(hook: keyof RunnerHooks): TapInfo[];
}

/** A view over one run's events. `finish` prints the outcome once the run is over. */
export interface RunView {
  finish(result: { error?: BatonError; recipe: string }): Promise<void>;
}

/**
 * Which renderer: `--json` → NDJSON; an explicit `--renderer`; else the listr2 TTY tree only when
 * stdout is a TTY and no CI is detected (listr2 itself ignores CI), otherwise plain lines.
 */
export function chooseRenderer(opts: { json?: boolean; renderer?: string }, out: RenderTarget): RendererName {
  if (opts.json) return 'json';
  if (opts.renderer && opts.renderer !== 'auto') return opts.renderer as RendererName;
  const ci = out.env.CI !== undefined && out.env.CI !== 'false' && out.env.CI !== '0';
  return out.stdout.isTTY === true && !ci ? 'tty' : 'plain';
}

export function attachRenderer(
  name: RendererName,
  runner: Runner,
  out: RenderTarget,
  opts: { verbose?: boolean } = {},
): RunView {
  const view = pickView(name, runner, out, opts);
  return out.env.GITHUB_ACTIONS === 'true' ? withAnnotations(view, runner, out, name === 'json') : view;
}

/** GitHub workflow-command escaping (data: %, CR, LF; properties also : and ,). */
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * In GitHub Actions, failures also become annotations (`::error title=…::…`) on the run's page:
 * each invalid-recipe finding with its JSON path and rule, and the run's own error with its code.
 * On stderr when stdout carries NDJSON.
 */
function withAnnotations(view: RunView, runner: Runner, out: RenderTarget, json: boolean): RunView {
  const issues: Issue[] = [];
  const off = runner.reporter.on(
    (e) => void (e.type === 'issue' && e.severity === 'error' ? issues.push(e) : undefined),
  );
  return {
    async finish(result) {
      await view.finish(result);
      off();
      const w = json ? out.stderr : out.stdout;
      for (const i of issues)
        w.write(
          `::error title=${ghProp(`${i.rule} at ${i.path || '/'}`)}::${ghData(`${i.path || '/'}: ${i.message} (${i.rule})`)}\n`,
        );
      if (result.error)
        w.write(
          `::error title=${ghProp(`Baton ${result.error.code} (exit ${result.error.exitCode})`)}::${ghData(result.error.message + (result.error.details ? `\n${result.error.details}` : ''))}\n`,
        );
    },
  };
}

function pickView(name: RendererName, runner: Runner, out: RenderTarget, opts: { verbose?: boolean }): RunView {
  switch (name) {
    case 'json':
      return ndjsonView(runner, out);
    case 'tty':
      return listrView(runner, out, opts);
    case 'silent':
      return { finish: async () => {} };
    default:
      return plainView(runner, out, opts);
  }
}

/** One JSON object per line on stdout, nothing else there. */
function ndjsonView(runner: Runner, out: RenderTarget): RunView {
  const off = runner.reporter.on((e) => out.stdout.write(JSON.stringify(e) + '\n'));
  return { finish: async () => off() };
}

/** Collects what the summary needs: issues, the plan (and whether it was shown already), the verdict's apps. */
function collector(runner: Runner) {
  const issues: Issue[] = [];
  let plan: Plan | undefined;
  let command = '';
  let startedAt = Date.now();
  let apps: AppSummary[] | undefined;
  const off = runner.reporter.on((e) => {
    if (e.type === 'run:start') {
      command = e.command;
      startedAt = Date.parse(e.time);
    }
    if (e.type === 'issue') issues.push(e);
    if (e.type === 'plan') plan = e.plan;
    if (e.type === 'summary') apps = e.apps;
  });
  return {
    issues,
    get plan() {
      return plan;
    },
    get command() {
      return command;
    },
    get apps() {
      return apps;
    },
    get durationMs() {
      return Date.now() - startedAt;
    },
    /** Set when a view showed the plan as it came (it is not repeated at the end). */
    planShown: false,
    off,
  };
}

function printSummary(
  out: RenderTarget,
  c: ReturnType<typeof collector>,
  result: { error?: BatonError; recipe: string },
): void {
  const p = palette(out.stdout, out.env);
  const lines: string[] = [];
  for (const i of c.issues) lines.push(formatIssue(i, p));
  if (c.plan && !c.planShown) lines.push(...formatPlan(c.plan, result.recipe, p));
  // A deploy ends with its verdict, however it went (but not when it stopped before changing anything).
  if (c.command === 'deploy' && (c.apps || !result.error))
    lines.push(...formatVerdict({ ...result, durationMs: c.durationMs }, c.apps ?? [], p));
  if (!result.error && c.command === 'validate') {
    const warnings = c.issues.filter((i) => i.severity === 'warning').length;
    lines.push(
      p.green(`✔ Recipe ${result.recipe} is valid`) +
        (warnings ? p.yellow(` (${warnings} warning${warnings === 1 ? '' : 's'})`) : ''),
    );
  }
  if (lines.length) out.stdout.write(lines.join('\n') + '\n');
  if (result.error) out.stderr.write(formatError(result.error, palette(out.stderr, out.env)).join('\n') + '\n');
}

/** Plain lines for CI logs and pipes: progress to stderr, results to stdout; heartbeats throttled. */
function plainView(runner: Runner, out: RenderTarget, opts: { verbose?: boolean }): RunView {
  const p = palette(out.stderr, out.env);
  const c = collector(runner);
  let recipeName = '';
  const lastProgress = new Map<string, number>();
  const THROTTLE_MS = 10_000;
  const off = runner.reporter.on((e: TimedEvent) => {
    const w = (s: string) => out.stderr.write(s + '\n');
    switch (e.type) {
      case 'run:start':
        w(p.bold(`baton ${e.command}${e.file ? ` ${e.file}` : ''}`));
        recipeName = e.recipe ?? recipeName;
        break;
      case 'stage:end':
        if (e.status === 'failed') w(`${p.red('✖')} [${e.phase}] ${e.title} ${p.dim(`${e.durationMs}ms`)}`);
        // Only stages that did something (or everything with -v): a plugin with nothing to do for
        // this recipe is not news.
        else if (opts.verbose || (e.plugin !== 'core' && !e.quiet))
          w(`${p.green('✔')} [${e.phase}] ${e.title} ${p.dim(`${e.durationMs}ms`)}`);
        break;
      case 'plan':
        // The plan comes first, before anything is changed: on stdout, where results go.
        if (c.command !== 'plan') {
          out.stdout.write(formatPlan(e.plan, recipeName, palette(out.stdout, out.env)).join('\n') + '\n');
          c.planShown = true;
        }
        break;
      case 'progress': {
        const key = `${e.plugin}/${e.item ?? ''}`;
        const now = Date.now();
        if (now - (lastProgress.get(key) ?? 0) < THROTTLE_MS && !opts.verbose) break;
        lastProgress.set(key, now);
        w(`  ${e.item ? `${e.item}: ` : ''}${e.message}`);
        break;
      }
      case 'log':
        if (e.level !== 'debug' || opts.verbose)
          w(
            `${e.level === 'warn' ? p.yellow('warn') : e.level === 'error' ? p.red('error') : p.dim(e.level)} ${e.plugin ? `[${e.plugin}] ` : ''}${e.message}`,
          );
        break;
    }
  });
  return {
    finish: async (result) => {
      off();
      c.off();
      printSummary(out, c, result);
    },
  };
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
  settled: boolean;
}
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  const d: Deferred = {
    promise,
    resolve: () => {
      d.settled = true;
      resolve();
    },
    reject: (e) => {
      d.settled = true;
      reject(e);
    },
    settled: false,
  };
  return d;
}

/**
 * The listr2 tree for a TTY: one task per phase, a subtask per tap (plugin stage) in stage order.
 * A view only: the runner runs the hooks; this follows its events.
 */
function listrView(runner: Runner, out: RenderTarget, opts: { verbose?: boolean }): RunView {
  const c = collector(runner);
  let listrDone: Promise<unknown> = Promise.resolve();
  const stageQueues = new Map<string, Deferred[]>();
  const stageTasks = new Map<string, { output: string }[]>();
  const phaseTasks = new Map<string, { output: string }>();
  const current = new Map<string, number>();
  // The latest progress line per item (an app or pod), so a wait over several apps shows them all.
  const progress = new Map<string, Map<string, string>>();
  let recipeName = '';

  const off = runner.reporter.on((e) => {
    if (e.type === 'run:start') {
      recipeName = e.recipe ?? '';
      for (const ph of e.phases) {
        stageQueues.set(
          ph,
          runner.tapsOf(ph as 'apply').map(() => deferred()),
        );
        stageTasks.set(ph, []);
      }
      // listr2 is loaded for a terminal only (~25 ms that CI runs and pipes need not pay).
      const { Listr } = require('listr2') as { Listr: typeof ListrClass };
      const list = new Listr(
        e.phases.map((ph): ListrTask => ({
          title: ph,
          // The plan stays on screen under its phase, shown before anything is changed.
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
          task: (_ctx, task) => {
            phaseTasks.set(ph, task);
            return task.newListr(
              runner.tapsOf(ph as 'apply').map((t, i): ListrTask => ({
                title: t.title,
                task: async (_c, sub) => {
                  stageTasks.get(ph)![i] = sub;
                  await stageQueues.get(ph)![i].promise;
                },
              })),
              { concurrent: false, exitOnError: true },
            );
          },
        })),
        {
          concurrent: false,
          exitOnError: true,
          registerSignalListeners: false,
          renderer: 'default',
          rendererOptions: { collapseSubtasks: !opts.verbose },
        },
      );
      listrDone = list.run().catch(() => undefined);
    } else if (e.type === 'stage:start') {
      current.set(e.phase, (current.get(e.phase) ?? -1) + 1);
    } else if (e.type === 'stage:end') {
      const d = stageQueues.get(e.phase)?.[current.get(e.phase) ?? 0];
      if (e.status === 'ok') d?.resolve();
      else d?.reject(new Error(String(e.error?.message ?? 'failed')));
    } else if (e.type === 'plan') {
      const task = phaseTasks.get('plan');
      if (task && c.command !== 'plan') {
        task.output = formatPlan(e.plan, recipeName, palette(out.stdout, out.env)).join('\n');
        c.planShown = true;
      }
    } else if (e.type === 'progress') {
      const ph = e.phase ?? [...current.keys()].pop();
      const sub = ph ? stageTasks.get(ph)?.[current.get(ph) ?? 0] : undefined;
      if (sub && ph) {
        const lines = progress.get(ph) ?? new Map<string, string>();
        progress.set(ph, lines);
        lines.set(e.item ?? '', `${e.item ? `${e.item}: ` : ''}${e.message}`);
        sub.output = [...lines.values()].join('\n');
      }
    } else if (e.type === 'phase:end') {
      for (const d of stageQueues.get(e.phase) ?? []) {
        if (d.settled) continue;
        if (e.status === 'ok') d.resolve();
        else d.reject(new Error(`${e.phase} failed`));
      }
    } else if (e.type === 'run:end') {
      for (const q of stageQueues.values()) for (const d of q) if (!d.settled) d.reject(new Error('not run'));
    }
  });
  return {
    finish: async (result) => {
      await listrDone;
      off();
      c.off();
      printSummary(out, c, result);
    },
  };
}
