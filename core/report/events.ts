import { EventEmitter } from 'node:events';
import type { Issue } from '../validation.js';
import type { Plan } from '../plan.js';

/**
 * Everything a run reports, as data. Renderers (TTY, plain lines, NDJSON) are views over this
 * stream, so machine and human output can never disagree. `--json` writes one event per line.
 */
export type BatonEvent =
  | { type: 'run:start'; command: string; recipe?: string; file?: string; dryRun: boolean; phases: string[] }
  | { type: 'phase:start'; phase: string }
  | { type: 'phase:end'; phase: string; status: 'ok' | 'failed' | 'skipped'; durationMs: number }
  | { type: 'stage:start'; phase: string; plugin: string; title: string }
  | {
      type: 'stage:end';
      phase: string;
      plugin: string;
      title: string;
      status: 'ok' | 'failed';
      durationMs: number;
      error?: Record<string, unknown>;
      /** The stage reported nothing (no log, progress or finding) and was quick: renderers leave it out unless verbose. */
      quiet?: boolean;
    }
  | ({ type: 'issue' } & Issue)
  | { type: 'plan'; plan: Plan }
  | {
      type: 'progress';
      phase?: string;
      plugin?: string;
      item?: string;
      message: string;
      data?: Record<string, unknown>;
    }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; plugin?: string; message: string }
  | { type: 'error'; error: Record<string, unknown> }
  | { type: 'summary'; apps: AppSummary[] }
  | { type: 'run:end'; status: 'ok' | 'failed'; exitCode: number; durationMs: number };

export type TimedEvent = BatonEvent & { time: string };

/** Where a deployed app stands at the end of a deploy (the `summary` event; the verdict's lines). */
export interface AppSummary {
  id: string;
  /** App or pod. */
  type: 'app' | 'pod';
  /** Instances running and, with health checks, healthy; `target` = its `instances`. */
  running: number;
  healthy?: number;
  target: number;
  version?: string;
  /** host:port of each running instance's first port. */
  endpoints: string[];
  /** Other places it is served: VIPs, DNS names, the load balancer's port or vhost. */
  servedAt?: string[];
}

/** A typed event bus. Listeners must not throw; a throwing renderer must not break a deploy. */
export class Reporter {
  private readonly bus = new EventEmitter();
  private readonly secrets = new Set<string>();
  /** How many things were reported so far — logs (not debug), progress, findings: a stage that added none did nothing worth a line. */
  reported = 0;

  on(listener: (e: TimedEvent) => void): () => void {
    const safe = (e: TimedEvent) => {
      try {
        listener(e);
      } catch {
        /* a renderer's failure is not the deploy's failure */
      }
    };
    this.bus.on('event', safe);
    return () => this.bus.off('event', safe);
  }

  /** Values that must never be printed (secret env values, tokens): replaced by "***". */
  addSecret(value: string): void {
    if (value.length >= 4) this.secrets.add(value);
  }

  emit(e: BatonEvent): void {
    if (e.type === 'progress' || e.type === 'issue' || (e.type === 'log' && e.level !== 'debug')) this.reported++;
    const timed = { ...e, time: new Date().toISOString() } as TimedEvent;
    this.bus.emit('event', this.secrets.size ? this.mask(timed) : timed);
  }

  private mask(e: TimedEvent): TimedEvent {
    let s = JSON.stringify(e);
    for (const secret of this.secrets) s = s.split(JSON.stringify(secret).slice(1, -1)).join('***');
    return JSON.parse(s) as TimedEvent;
  }
}

/** A logger scoped to a plugin; lines become `log` events. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Progress of a long wait, optionally about one item (an app or pod id). */
  progress(message: string, item?: string, data?: Record<string, unknown>): void;
}

export function createLogger(reporter: Reporter, plugin?: string): Logger {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) =>
    reporter.emit({ type: 'log', level, message, ...(plugin ? { plugin } : {}) });
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    progress: (message, item, data) =>
      reporter.emit({
        type: 'progress',
        message,
        ...(plugin ? { plugin } : {}),
        ...(item ? { item } : {}),
        ...(data ? { data } : {}),
      }),
  };
}
