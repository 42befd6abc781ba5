import http from 'node:http';
import https from 'node:https';

/**
 * The HTTP client of the CLI and the plugins that talk to Marathon, the engine or HAProxy's stats,
 * over node:http. Not fetch: Node's fetch is undici, which compiles itself and its WebAssembly HTTP
 * parser on first use in every process — about 150 ms of each `baton plan` or `baton status` that
 * talks to an engine (docs/performance.md, CLI start-up). node:http is already loaded by then.
 */
export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** `follow` (the default): up to 5 redirects, method and headers kept (credentials included:
   * Marathon's standbys redirect to the leader); `manual`: the 3xx answer itself. */
  redirect?: 'follow' | 'manual';
  /** The body as it arrives (an event stream, a followed log) instead of read whole first. */
  stream?: boolean;
  /** TLS: the CA to trust (PEM), and whether to verify the certificate (only ever off when asked). */
  ca?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** A kept-alive agent made with those TLS settings (tlsAgent), so each call is not a new handshake. */
  tlsAgent?: https.Agent;
}

/** A kept-alive HTTPS agent for one target's TLS settings, made once per client. */
export const tlsAgent = (tls: Pick<HttpInit, 'ca' | 'rejectUnauthorized'>): https.Agent =>
  new https.Agent({ keepAlive: true, ...tls });

export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The body's bytes; with `stream`, as they arrive. `cancel()` drops the rest. */
  body: AsyncIterable<Uint8Array> & { cancel(): Promise<void> };
}

// Kept-alive connections serve a deploy's polling; their idle sockets do not keep a process alive
// (Node's agent unrefs them), and every body is read whole unless streamed, so none stays busy.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

const MAX_REDIRECTS = 5;

/** One HTTP exchange; rejects only when no answer came (refused, reset, aborted, timed out). */
export async function httpRequest(url: string | URL, init: HttpInit = {}): Promise<HttpAnswer> {
  let at = new URL(url);
  let step = init;
  for (let hop = 0; ; hop++) {
    const answer = await exchange(at, step);
    const location = answer.headers.get('location');
    const redirected = answer.status >= 300 && answer.status < 400 && answer.status !== 304 && location;
    if (!redirected || init.redirect === 'manual') return answer;
    await answer.body.cancel();
    if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${new URL(url).origin}`);
    // As fetch does: 303, and 301/302 of a POST, go on as GET without the body.
    const asGet = answer.status === 303 || ((answer.status === 301 || answer.status === 302) && step.method === 'POST');
    if (asGet) {
      const headers = { ...step.headers };
      delete headers['content-type'];
      step = { ...step, method: 'GET', body: undefined, headers };
    }
    at = new URL(location, at);
  }
}

function exchange(u: URL, init: HttpInit): Promise<HttpAnswer> {
  const tls = u.protocol === 'https:';
  const custom = init.ca !== undefined || init.rejectUnauthorized === false;
  const agent = tls && init.tlsAgent ? init.tlsAgent : custom ? undefined : agents[tls ? 'https:' : 'http:'];
  const options: https.RequestOptions = {
    method: init.method ?? 'GET',
    headers: init.headers,
    ...(agent ? { agent } : { agent: false }),
    ...(tls && init.ca !== undefined ? { ca: init.ca } : {}),
    ...(tls && init.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).request(u, options, (res) => {
      const answer = (bytes: () => Promise<Buffer>): HttpAnswer => ({
        status: res.statusCode ?? 0,
        ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
        headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
        text: async () => (await bytes()).toString('utf8'),
        json: async () => JSON.parse((await bytes()).toString('utf8')) as unknown,
        body: Object.assign(init.stream ? res : bodyOf(bytes), {
          cancel: async () => void res.destroy(),
        }),
      });
      if (init.stream) return resolve(answer(() => readAll(res)));
      readAll(res).then((buf) => resolve(answer(async () => buf)), reject);
    });
    req.on('error', reject);
    if (init.signal) abortOn(init.signal, req);
    req.end(init.body);
  });
}

// The signal ends the exchange only until the answer has fully arrived. Not node:http's own
// `signal` option: it destroys the request even after the answer is complete, when its socket is
// already back in the keep-alive pool, and that socket's error has no listener (an uncaught
// exception in the caller, found by the event-stream test).
function abortOn(signal: AbortSignal, req: http.ClientRequest): void {
  let res: http.IncomingMessage | undefined;
  const abort = (): void => {
    const reason = signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
    if (!res) req.destroy(reason);
    else if (!res.complete) res.destroy(reason); // a streamed body: its reader sees the reason
  };
  if (signal.aborted) return abort();
  signal.addEventListener('abort', abort, { once: true });
  req.on('response', (r: http.IncomingMessage) => (res = r));
  // The request closes just after its answer ends (or fails): one signal may serve many requests.
  req.on('close', () => signal.removeEventListener('abort', abort));
}

function readAll(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the answer was cut off')));
  });
}

async function* bodyOf(bytes: () => Promise<Buffer>): AsyncIterable<Uint8Array> {
  yield await bytes();
}

const headerValue = (v: string | string[] | undefined): string | null =>
  v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
