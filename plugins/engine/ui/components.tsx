import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { navigate } from './router.js';

/** A link inside the dashboard (history navigation, so a view's URL can be shared). */
export function Link(p: { to: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      href={p.to}
      class={p.class}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(p.to);
      }}
    >
      {p.children}
    </a>
  );
}

export const appLink = (id: string) => `/ui/apps${id}`;

export function Section(p: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section>
      <header class="section-head">
        <h2>{p.title}</h2>
        {p.actions && <div class="actions">{p.actions}</div>}
      </header>
      {p.children}
    </section>
  );
}

/** A table with headers, or a line saying there is nothing. */
export function Table(p: { head: string[]; rows: (ComponentChildren[] | null)[]; empty?: string; id?: string }) {
  const rows = p.rows.filter((r): r is ComponentChildren[] => r !== null);
  if (rows.length === 0) return <p class="muted">{p.empty ?? 'None.'}</p>;
  return (
    <table id={p.id}>
      <thead>
        <tr>
          {p.head.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) => (
              <td key={j}>{c}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const TONE: Record<string, string> = {
  TASK_RUNNING: 'ok',
  healthy: 'ok',
  STABLE: 'ok',
  UP: 'ok',
  succeeded: 'ok',
  TASK_STAGING: 'pending',
  TASK_STARTING: 'pending',
  TASK_KILLING: 'pending',
  DEGRADED: 'warn',
  unknown: 'pending',
  DRAIN: 'warn',
  MAINT: 'warn',
  unhealthy: 'bad',
  DOWN: 'bad',
  failed: 'bad',
  TASK_FAILED: 'bad',
  TASK_KILLED: 'warn',
  TASK_LOST: 'bad',
  TASK_UNREACHABLE: 'bad',
  deploying: 'pending',
  degraded: 'bad',
  suspended: 'neutral',
  current: 'ok',
  ok: 'ok',
  'in progress': 'pending',
  RUNNING: 'ok',
  PENDING: 'pending',
  TERMINAL: 'neutral',
  OPEN: 'ok',
  NOLB: 'warn',
  'no check': 'neutral',
};

export function Badge(p: { value: string; title?: string }) {
  const tone = TONE[p.value] ?? TONE[p.value.split(' ')[0]] ?? (/requested$/.test(p.value) ? 'warn' : 'neutral');
  return (
    <span class={`badge ${tone}`} title={p.title}>
      {p.value.replace(/^TASK_/, '').toLowerCase()}
    </span>
  );
}

/** When, relative: "12 s ago", "3 min ago". */
export function Ago(p: { at?: string | number | null }) {
  if (!p.at) return <span class="muted">–</span>;
  const t = typeof p.at === 'number' ? p.at : Date.parse(p.at);
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  const text = s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
  return <time title={new Date(t).toISOString()}>{text}</time>;
}

export function Loading(p: { error?: string }) {
  return p.error ? <p class="error">{p.error}</p> : <p class="muted">Loading…</p>;
}

/**
 * An action on the engine: confirmed first, then sent; what the server answers is shown — a
 * refusal too (an engine without a token refuses browsers' actions, and says why).
 */
export function Action(p: {
  label: string;
  confirm: string;
  /** Sends the action; with `ask`, gets what the user typed. */
  run: (answer: string) => Promise<unknown>;
  ask?: { prompt: string; initial: string };
  danger?: boolean;
  id?: string;
}) {
  const [msg, setMsg] = useState<{ text: string; ok: boolean } | null>(null);
  const click = async () => {
    let answer = '';
    if (p.ask) {
      const given = window.prompt(`${p.confirm}\n\n${p.ask.prompt}`, p.ask.initial);
      if (given === null) return;
      answer = given;
    } else if (!window.confirm(p.confirm)) return;
    try {
      await p.run(answer);
      setMsg({ text: 'done', ok: true });
    } catch (err) {
      setMsg({ text: err instanceof ApiError ? `refused (${err.status}): ${err.message}` : String(err), ok: false });
    }
  };
  return (
    <span class="action">
      <button id={p.id} class={p.danger ? 'danger' : ''} onClick={() => void click()}>
        {p.label}
      </button>
      {msg && <span class={msg.ok ? 'done' : 'refused'}>{msg.text}</span>}
    </span>
  );
}

/** A small line chart (SVG): each series over time, with its threshold as a dashed line. */
export function Chart(p: {
  points: { at: number; value: number }[];
  threshold?: number;
  label: string;
  format: (v: number) => string;
}) {
  const w = 520;
  const h = 140;
  const pad = 28;
  if (p.points.length === 0) return <p class="muted">No measurement yet ({p.label}).</p>;
  const t0 = p.points[0].at;
  const t1 = Math.max(t0 + 1000, p.points[p.points.length - 1].at);
  const max = Math.max(p.threshold ?? 0, ...p.points.map((x) => x.value)) * 1.15 || 1;
  const x = (t: number) => pad + ((t - t0) / (t1 - t0)) * (w - 2 * pad);
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  const path = p.points.map((q, i) => `${i ? 'L' : 'M'}${x(q.at).toFixed(1)},${y(q.value).toFixed(1)}`).join(' ');
  const last = p.points[p.points.length - 1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={p.label}>
        <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} class="axis" />
        {p.threshold !== undefined && (
          <g>
            <line x1={pad} x2={w - pad} y1={y(p.threshold)} y2={y(p.threshold)} class="threshold" />
            <text x={w - pad} y={y(p.threshold) - 4} text-anchor="end" class="threshold-label">
              threshold {p.format(p.threshold)}
            </text>
          </g>
        )}
        <path d={path} class="series" />
        <text x={pad} y={14} class="chart-label">
          {p.label}: {p.format(last.value)}
        </text>
      </svg>
    </figure>
  );
}

export const post = (path: string, body?: unknown) => api('POST', path, body);
export const put = (path: string, body?: unknown) => api('PUT', path, body);
export const del = (path: string) => api('DELETE', path);

export type Children = JSX.Element | JSX.Element[] | string | null;
