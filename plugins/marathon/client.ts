import { BatonError, type ErrorCode } from '../../core/index.js';

export interface Endpoint {
  url: string;
  /** DC/OS token (sent as `Authorization: token=<t>`) or the engine's token. */
  token?: string;
}

export interface MarathonDeploymentRef {
  deploymentId: string;
  version: string;
}

/** Baton's code for a Marathon answer: what the user did wrong, a lock, or a target that refused us. */
function codeFor(status: number): ErrorCode {
  if (status === 404) return 'BATON_NOT_FOUND';
  if (status === 409) return 'BATON_DEPLOY_LOCKED';
  if (status === 400 || status === 422) return 'BATON_BAD_ARGUMENT';
  if (status === 401 || status === 403 || status >= 500) return 'BATON_TARGET_UNAVAILABLE';
  return 'BATON_DEPLOY_FAILED';
}

/** A Marathon HTTP error, with Marathon's body; its code (and so the exit code) follows the status. */
export class MarathonHttpError extends BatonError {
  constructor(readonly status: number, readonly body: Record<string, unknown>, method: string, path: string) {
    // Marathon's 422 carries details[].path/errors: shown under the error, one line per path.
    const details = Array.isArray(body.details) ? (body.details as { path?: string; errors?: string[] }[]).map((d) => `${d.path ?? '/'}: ${(d.errors ?? []).join('; ')}`).join('\n') : undefined;
    super(codeFor(status), `${method} ${path} → ${status}: ${String(body.message ?? '')}`, details ? { details } : {});
  }
}

/**
 * A small client for Marathon's /v2 REST API (marathon.md §10), used for real clusters and the
 * embedded engine alike. Timeouts on every call; connection failures become
 * BATON_TARGET_UNAVAILABLE so that CI sees the right exit code.
 */
export class MarathonClient {
  constructor(readonly endpoint: Endpoint, private readonly timeoutMs = 30_000) {}

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.endpoint.token) headers.authorization = `token=${this.endpoint.token}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.endpoint.url.replace(/\/$/, '') + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new BatonError('BATON_TARGET_UNAVAILABLE', `Cannot reach Marathon at ${this.endpoint.url}: ${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { message: text };
    }
    if (!res.ok) throw new MarathonHttpError(res.status, (json ?? {}) as Record<string, unknown>, method, path);
    return json as T;
  }

  get<T>(path: string, signal?: AbortSignal) {
    return this.request<T>('GET', path, undefined, signal);
  }
}
