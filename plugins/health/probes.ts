import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Outcome } from './rules.js';

const describe = (err: NodeJS.ErrnoException): string =>
  err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ECONNRESET' ? 'connection reset' : err.message;

/**
 * GET http(s)://host:port/path. Healthy iff 200-399 within the timeout; HTTPS does no certificate
 * validation (marathon-semantics.md §3.2). `okStatuses` overrides the healthy set (readiness checks).
 */
export function httpProbe(
  scheme: 'http' | 'https',
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
  opts: { ignoreHttp1xx?: boolean; okStatuses?: number[]; keepBody?: boolean } = {},
): Promise<Outcome & { status?: number; body?: string; contentType?: string }> {
  return new Promise((resolve) => {
    const lib = scheme === 'https' ? https : http;
    const req = lib.request(
      { host, port, path: path || '/', method: 'GET', timeout: timeoutMs, rejectUnauthorized: false, agent: false },
      (res) => {
        const status = res.statusCode ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          if (opts.keepBody && body.length < 4096) body += d;
        });
        res.on('end', () => {
          const where = `from ${path || '/'}`;
          const ok = opts.okStatuses ? opts.okStatuses.includes(status) : status >= 200 && status < 400;
          if (!opts.okStatuses && status >= 100 && status < 200 && opts.ignoreHttp1xx)
            return resolve({ kind: 'ignored', status });
          resolve(
            ok
              ? { kind: 'success', status, body, contentType: String(res.headers['content-type'] ?? '') }
              : {
                  kind: 'failure',
                  cause: `HTTP ${status} ${where}`,
                  status,
                  body,
                  contentType: String(res.headers['content-type'] ?? ''),
                },
          );
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err) => resolve({ kind: 'failure', cause: describe(err) }));
    req.end();
  });
}

/**
 * Where every status probe's bytes land: the engine reads them at once, on its one thread, so one
 * buffer serves every probe (`onread` spares a stream, a string decoder and a chunk per read).
 */
const READ_BUFFER = Buffer.allocUnsafe(4096);

/**
 * Status probes' deadlines, checked together every 50 ms: a socket timer per probe is re-armed on
 * every read and write and cost an eighth of a probe's CPU. A deadline is kept to within 50 ms,
 * which health checks (whole seconds in Marathon) do not notice.
 */
const deadlines = new Map<() => void, number>();
let sweeper: NodeJS.Timeout | undefined;
const DEADLINE_SWEEP_MS = 50;
function expireAt(at: number, expire: () => void): () => void {
  deadlines.set(expire, at);
  sweeper ??= setInterval(() => {
    const now = Date.now();
    for (const [fn, t] of deadlines) if (t <= now) fn();
    if (deadlines.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }, DEADLINE_SWEEP_MS).unref();
  return () => deadlines.delete(expire);
}

/**
 * An HTTP health check that reads only the status line: GET over a plain socket, `Connection:
 * close`, done at the first final status. The same verdicts as httpProbe (200-399 healthy, 1xx
 * ignored when asked), at a fraction of the CPU of a full HTTP client — the engine sends one of
 * these per task and interval, five hundred a second at 5,000 tasks (docs/performance.md).
 */
export function httpStatusProbe(
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
  opts: { ignoreHttp1xx?: boolean } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const where = `from ${path || '/'}`;
    let buf = '';
    let settled = false;
    const done = (o: Outcome) => {
      if (settled) return;
      settled = true;
      forget();
      s.destroy();
      resolve(o);
    };
    const forget = expireAt(Date.now() + timeoutMs, () =>
      done({ kind: 'failure', cause: `no answer within ${timeoutMs / 1000}s` }),
    );
    /** The lines read so far; settles at the first final status (a 1xx's header lines are read past). */
    const read = (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\r\n'); nl >= 0 && !settled; nl = buf.indexOf('\r\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(line);
        if (!m) continue;
        const status = Number(m[1]);
        if (status >= 100 && status < 200) {
          if (opts.ignoreHttp1xx) done({ kind: 'ignored' });
          continue; // informational: the final status follows
        }
        done(status < 400 ? { kind: 'success' } : { kind: 'failure', cause: `HTTP ${status} ${where}` });
      }
    };
    const s = net.connect({
      host,
      port,
      onread: {
        buffer: READ_BUFFER,
        callback: (n) => {
          read(READ_BUFFER.toString('latin1', 0, n));
          return !settled;
        },
      },
    });
    // write, not end: a half-close reads to some servers as a client that went away.
    s.once('connect', () =>
      s.write(
        `GET ${path || '/'} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: baton-health\r\nConnection: close\r\n\r\n`,
      ),
    );
    s.once('error', (err) => done({ kind: 'failure', cause: describe(err) }));
    s.once('close', () => done({ kind: 'failure', cause: `the connection closed before an HTTP status ${where}` }));
  });
}

/** TCP: a connection within the timeout is healthy. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (o: Outcome) => {
      s.destroy();
      resolve(o);
    };
    s.setTimeout(timeoutMs, () => done({ kind: 'failure', cause: `no connection within ${timeoutMs / 1000}s` }));
    s.once('connect', () => done({ kind: 'success' }));
    s.once('error', (err) => done({ kind: 'failure', cause: describe(err) }));
  });
}
