/**
 * The dashboard's access to the engine: the same REST API every client uses (Marathon's /v2 and
 * Baton's /baton/v1), with the engine token when the user gave one, and the engine's event
 * stream, read with fetch (EventSource cannot send a token) and reconnected when it drops.
 */

const TOKEN_KEY = 'baton-engine-token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const headers = (extra: Record<string, string> = {}): Record<string, string> => {
  const t = token.get();
  return { ...extra, ...(t ? { authorization: `Bearer ${t}` } : {}) };
};

/** A JSON request; a non-2xx answer throws ApiError with the server's message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!r.ok)
    throw new ApiError(r.status, (data as { message?: string } | undefined)?.message ?? `${r.status} ${r.statusText}`);
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A Marathon id in a path: `/shop/web` stays as is (Marathon's own URLs). */
export const idPath = (id: string) => id.split('/').map(encodeURIComponent).join('/');

/** A task's log: the last lines, or followed (`onChunk` gets text as it is written until `signal` aborts). */
export async function taskLog(
  taskId: string,
  o: { stream: 'stdout' | 'stderr'; follow: boolean; container?: string; signal: AbortSignal },
  onChunk: (text: string) => void,
): Promise<void> {
  const q = new URLSearchParams({ stream: o.stream, ...(o.follow ? { follow: 'true' } : { tail: '500' }) });
  if (o.container) q.set('container', o.container);
  const r = await fetch(`/baton/v1/tasks/${encodeURIComponent(taskId)}/logs?${q}`, {
    headers: headers(),
    signal: o.signal,
  });
  if (!r.ok || !r.body) throw new ApiError(r.status, `no log (${r.status})`);
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onChunk(value);
  }
}

export type EngineEvent = { eventType: string; timestamp: string } & Record<string, unknown>;
type Listener = (e: EngineEvent) => void;

/**
 * The engine's event stream, one connection for the whole page: views subscribe to the event
 * types that change what they show and re-read it (events only say that something changed).
 */
class EventStream {
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(up: boolean) => void>();
  up = false;
  private started = false;
  private wake: (() => void) | undefined;

  on(l: Listener): () => void {
    this.listeners.add(l);
    if (!this.started) void this.run();
    return () => this.listeners.delete(l);
  }

  onState(l: (up: boolean) => void): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  /** Reconnect now rather than after the back-off (the user just gave the token). */
  retry(): void {
    this.wake?.();
  }

  private setUp(up: boolean) {
    this.up = up;
    for (const l of this.stateListeners) l(up);
  }

  private async run(): Promise<void> {
    this.started = true;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch('/v2/events', { headers: headers({ accept: 'text/event-stream' }) });
        if (!r.ok || !r.body) throw new Error(String(r.status));
        this.setUp(true);
        attempt = 0;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (!data) continue;
            const ev = JSON.parse(data) as EngineEvent;
            for (const l of this.listeners) l(ev);
          }
        }
      } catch {
        /* the engine went away, or the token is wrong: try again shortly */
      }
      this.setUp(false);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, Math.min(5000, 500 * 2 ** attempt));
      });
      this.wake = undefined;
    }
  }
}

export const events = new EventStream();

/** Event types after which each kind of view re-reads what it shows. */
export const CHANGES = {
  tasks: [
    'status_update_event',
    'instance_changed_event',
    'health_status_changed_event',
    'instance_health_changed_event',
  ],
  apps: [
    'api_post_event',
    'group_change_success',
    'app_terminated_event',
    'pod_created_event',
    'pod_updated_event',
    'pod_deleted_event',
  ],
  deployments: [
    'deployment_info',
    'deployment_step_success',
    'deployment_step_failure',
    'deployment_success',
    'deployment_failed',
  ],
} as const;
export const ALL_CHANGES: readonly string[] = [...CHANGES.tasks, ...CHANGES.apps, ...CHANGES.deployments];
