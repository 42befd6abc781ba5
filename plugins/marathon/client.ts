import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, httpRequest, tlsAgent, type ErrorCode, type HttpAnswer, type HttpInit } from '../../core/index.js';
import { login, type Login } from './login.js';

export interface Endpoint {
  url: string;
  /** DC/OS token (sent as `Authorization: token=<t>`) or the engine's token. */
  token?: string;
  /** HTTP basic credentials (also taken from `https://user:password@host` in the URL). */
  basic?: { user: string; password: string };
  /** PEM file of the CA that signed the target's certificate (DC/OS's own CA, usually). */
  caFile?: string;
  /** Skip certificate verification: only when asked for explicitly. */
  insecure?: boolean;
  /** Log in to DC/OS for a token (service account or user) instead of a fixed one. */
  login?: Login;
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
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    method: string,
    path: string,
  ) {
    // Marathon's 422 carries details[].path/errors: shown under the error, one line per path.
    const details = Array.isArray(body.details)
      ? (body.details as { path?: string; errors?: string[] }[])
          .map((d) => `${d.path ?? '/'}: ${(d.errors ?? []).join('; ')}`)
          .join('\n')
      : undefined;
    // A 409 names the deployments holding the app: say which, and how to override.
    const locks =
      status === 409 && Array.isArray(body.deployments)
        ? (body.deployments as { id?: string }[]).map((d) => d.id).filter(Boolean)
        : [];
    const lock = locks.length
      ? ` — locked by deployment ${locks.join(', ')}; \`--force\` cancels it (baton deploy --force)`
      : '';
    super(
      codeFor(status),
      `${method} ${path} → ${status}: ${String(body.message ?? '')}${lock}`,
      details ? { details } : {},
    );
  }
}

/** A URL as it may be shown: without `user:password@`, without a trailing slash. */
export function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

/** Idempotent methods are retried on connection errors and 502/503/504 (a leader election, a restart). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([502, 503, 504]);
const BACKOFF_MS = [250, 1000, 3000];

/**
 * A small client for Marathon's /v2 REST API (marathon-semantics.md §10), used for real clusters and the
 * embedded engine alike. Timeouts on every call; connection failures become
 * BATON_TARGET_UNAVAILABLE so that CI sees the right exit code.
 */
export class MarathonClient {
  private readonly tls: Pick<HttpInit, 'ca' | 'rejectUnauthorized' | 'tlsAgent'> = {};
  private auth?: string;
  private readonly base: string;
  /** The DC/OS login in flight or done (one for all concurrent requests). */
  private loggingIn?: Promise<void>;

  constructor(
    readonly endpoint: Endpoint,
    private readonly timeoutMs = 30_000,
    private readonly backoffMs = BACKOFF_MS,
  ) {
    const u = new URL(endpoint.url);
    const basic =
      endpoint.basic ??
      (u.username ? { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined);
    this.base = withoutCredentials(endpoint.url);
    if (endpoint.token) this.auth = `token=${endpoint.token}`;
    else if (basic) this.auth = `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`;
    if (endpoint.caFile) this.tls.ca = readFileSync(endpoint.caFile);
    if (endpoint.insecure) this.tls.rejectUnauthorized = false;
    if (endpoint.caFile || endpoint.insecure) this.tls.tlsAgent = tlsAgent(this.tls);
  }

  /** The target's URL without credentials (for messages). */
  get url(): string {
    return this.base;
  }

  /**
   * A token from the DC/OS login, once for concurrent callers. `refused`: the authorization a 401
   * answered — a new login unless another caller has already replaced it.
   */
  private async ensureLogin(refused?: string): Promise<void> {
    const l = this.endpoint.login;
    if (!l) return;
    if (refused !== undefined && refused === this.auth) {
      this.auth = undefined;
      this.loggingIn = undefined;
    }
    this.loggingIn ??= login(l, (url, init) => this.send(url, init), this.timeoutMs).then(
      (token) => void (this.auth = `token=${token}`),
      (err) => {
        this.loggingIn = undefined;
        throw err;
      },
    );
    await this.loggingIn;
  }

  private send(url: string, init: HttpInit): Promise<HttpAnswer> {
    return httpRequest(url, { ...init, ...this.tls });
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    await this.ensureLogin();
    for (let attempt = 0, relogged = false; ; attempt++) {
      const retry = IDEMPOTENT.has(method) && attempt < this.backoffMs.length;
      const used = this.auth;
      try {
        return await this.once<T>(method, path, body, signal);
      } catch (err) {
        // An expired DC/OS token: log in again, once, and repeat the call.
        if (err instanceof MarathonHttpError && err.status === 401 && this.endpoint.login && !relogged) {
          relogged = true;
          await this.ensureLogin(used);
          attempt--;
          continue;
        }
        const transient =
          err instanceof MarathonHttpError
            ? RETRY_STATUS.has(err.status)
            : err instanceof BatonError &&
              err.code === 'BATON_TARGET_UNAVAILABLE' &&
              !(err instanceof MarathonHttpError);
        if (!retry || !transient || signal?.aborted) throw err;
        await sleep(this.backoffMs[attempt], undefined, signal ? { signal } : undefined).catch(() => undefined);
      }
    }
  }

  private async once<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.auth) headers.authorization = this.auth;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const init = {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    };
    let res: HttpAnswer;
    try {
      res = await this.send(this.base + path, init);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const cause = (err as Error).cause
        ? String(((err as Error).cause as Error).message ?? (err as Error).cause)
        : (err as Error).message;
      throw new BatonError('BATON_TARGET_UNAVAILABLE', `Cannot reach Marathon at ${this.base}: ${cause}`, {
        cause: err,
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { message: text };
    }
    if (!res.ok) throw new MarathonHttpError(res.status, (json ?? {}) as Record<string, unknown>, method, path);
    // /v2/pods answers with the pod and names its deployment only in a header.
    const deployment = res.headers.get('marathon-deployment-id');
    if (deployment && json && typeof json === 'object' && !Array.isArray(json) && !('deploymentId' in json))
      (json as Record<string, unknown>).deploymentId = deployment;
    return json as T;
  }

  get<T>(path: string, signal?: AbortSignal) {
    return this.request<T>('GET', path, undefined, signal);
  }

  /** Until none of these deployments is listed in /v2/deployments (Marathon's end of a deployment), or `signal` aborts. */
  async deploymentsGone(ids: string[], signal?: AbortSignal): Promise<void> {
    for (;;) {
      const list = await this.get<{ id: string }[]>('/v2/deployments', signal);
      if (!ids.some((id) => list.some((d) => d.id === id))) return;
      await sleep(250, undefined, signal ? { signal } : undefined);
    }
  }

  /**
   * An event stream's body. Redirects (a standby pointing at the leader) are followed here, up to
   * five, keeping the credentials (fetch would drop them on a cross-origin redirect).
   */
  async stream(path: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    await this.ensureLogin();
    let url = this.base + path;
    let relogged = false;
    for (let hop = 0; hop < 5; hop++) {
      const used = this.auth;
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (this.auth) headers.authorization = this.auth;
      const init = { headers, signal, redirect: 'manual' as const, stream: true };
      const res = await this.send(url, init);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body.cancel();
        url = new URL(location, url).toString();
        continue;
      }
      if (res.status === 401 && this.endpoint.login && !relogged) {
        // The token expired while the stream was down: log in again and reconnect.
        await res.body.cancel();
        relogged = true;
        await this.ensureLogin(used);
        hop--;
        continue;
      }
      if (!res.ok) {
        await res.body.cancel();
        throw new MarathonHttpError(res.status, {}, 'GET', path);
      }
      return res.body;
    }
    throw new BatonError('BATON_TARGET_UNAVAILABLE', `Marathon at ${this.base} redirected ${path} more than 5 times`);
  }
}
