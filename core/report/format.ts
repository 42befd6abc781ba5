import type { BatonError } from '../errors.js';
import type { Plan, PlanChange } from '../plan.js';
import type { Issue } from '../validation.js';
import type { AppSummary } from './events.js';

/** ANSI colour only for a TTY, and never with NO_COLOR set (https://no-color.org). */
export function palette(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env) {
  const on =
    env.NO_COLOR === undefined && (env.FORCE_COLOR !== undefined ? env.FORCE_COLOR !== '0' : stream.isTTY === true);
  const c = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: c(31), green: c(32), yellow: c(33), blue: c(34), dim: c(2), bold: c(1) };
}
export type Palette = ReturnType<typeof palette>;

export function formatIssue(i: Issue, p: Palette): string {
  const mark = i.severity === 'error' ? p.red('✖ error  ') : p.yellow('⚠ warning');
  const who = i.plugin && i.plugin !== 'core' ? ` (${i.plugin})` : '';
  return `${mark} ${p.bold(i.path)}  ${i.message}  ${p.dim(`[${i.rule}]${who}`)}`;
}

const KIND_MARK: Record<PlanChange['kind'], string> = {
  create: '+ create   ',
  restart: '~ restart  ',
  scale: '↕ scale    ',
  remove: '- remove   ',
  unchanged: '= unchanged',
};

export function formatPlan(plan: Plan, recipe: string, p: Palette): string[] {
  const lines = [p.bold(`Plan for recipe ${recipe} → ${plan.target}`)];
  const colour = { create: p.green, restart: p.yellow, scale: p.blue, remove: p.red, unchanged: p.dim };
  for (const c of plan.changes) {
    let detail = '';
    if (c.kind === 'create') detail = `${c.to} instance${c.to === 1 ? '' : 's'}`;
    else if (c.kind === 'scale') detail = `${c.from} → ${c.to} instances`;
    else if (c.kind === 'restart')
      detail = `${c.strategy ? c.strategy.split(':')[0] : 'rolling restart'}: ${c.fields?.join(', ') || 'definition'} changed${c.from !== c.to ? `; ${c.from} → ${c.to} instances` : ''}`;
    else if (c.kind === 'remove') detail = `${c.from} instance${c.from === 1 ? '' : 's'} stopped`;
    lines.push(`  ${colour[c.kind](KIND_MARK[c.kind])} ${c.type} ${c.id}${detail ? p.dim('  ' + detail) : ''}`);
    if (c.strategy) lines.push(p.dim(`      ${c.strategy}`));
    if (c.pending)
      lines.push(
        p.yellow(
          `      ⚠ ${c.pending.instances} instance${c.pending.instances === 1 ? '' : 's'} would wait: ${c.pending.why}`,
        ),
      );
  }
  for (const n of plan.notes) lines.push(p.yellow(`  note: ${n}`));
  const count = (k: PlanChange['kind']) => plan.changes.filter((c) => c.kind === k).length;
  const summary = (['create', 'restart', 'scale', 'remove'] as const).map((k) => `${count(k)} to ${k}`).join(', ');
  lines.push(
    count('create') + count('restart') + count('scale') + count('remove') === 0 ? 'No changes.' : `${summary}.`,
  );
  return lines;
}

export function formatError(e: BatonError, p: Palette): string[] {
  const where = [e.plugin && `plugin ${e.plugin}`, e.hook && `hook ${e.hook}`].filter(Boolean).join(', ');
  const lines = [`${p.red('Error')} ${p.bold(e.code)}: ${e.message}${where ? p.dim(` (${where})`) : ''}`];
  if (e.details) lines.push(...e.details.split('\n').map((l) => '  ' + l));
  const nested = (e.data?.errors as { code: string; message: string; plugin?: string }[] | undefined) ?? [];
  for (const n of nested) lines.push(`  - ${n.code}${n.plugin ? ` [${n.plugin}]` : ''}: ${n.message}`);
  if (e.pluginCode) lines.push(p.dim(`  plugin's own code: ${e.pluginCode}`));
  return lines;
}

/** `1.2s`, `45s`, `2m05s`: a run's duration as the verdict shows it. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * The verdict a deploy ends with (nomad's deployment table, kamal's "Finished all in …"): the
 * outcome and how long it took, then per app where it stands — instances healthy of its target,
 * its version, and where it is served.
 */
export function formatVerdict(
  result: { error?: BatonError; recipe: string; durationMs: number },
  apps: readonly AppSummary[],
  p: Palette,
): string[] {
  const took = formatElapsed(result.durationMs);
  const e = result.error;
  const outcome = !e
    ? p.green(`✔ Deployed ${result.recipe} in ${took}`)
    : e.code === 'BATON_ROLLED_BACK'
      ? p.red(`✖ Deploy of ${result.recipe} failed after ${took}; rolled back (exit ${e.exitCode})`)
      : p.red(`✖ Deploy of ${result.recipe} failed after ${took} (exit ${e.exitCode}, ${e.code})`);
  const lines = [outcome];
  const width = Math.max(0, ...apps.map((a) => a.id.length));
  for (const a of apps) {
    const count = a.healthy !== undefined ? `${a.healthy}/${a.target} healthy` : `${a.running}/${a.target} running`;
    const ok = (a.healthy ?? a.running) >= a.target;
    const where = [...a.endpoints, ...(a.servedAt ?? [])];
    lines.push(
      `  ${a.id.padEnd(width)}  ${(ok ? p.green : p.yellow)(count.padEnd(13))}` +
        `${a.version ? p.dim(`  version ${a.version}`) : ''}` +
        (where.length ? `\n  ${' '.repeat(width)}  ${p.dim('served at')} ${where.join(', ')}` : ''),
    );
  }
  return lines;
}
