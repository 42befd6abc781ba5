import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe, httpStatusProbe } from '../../plugins/health/probes.js';

/**
 * The health checks' HTTP probe reads only the status line over a raw socket (probes.ts). It must
 * give the verdicts of a full HTTP client, against servers that answer however they answer.
 */
describe('the HTTP health probe (status line only) and the full one agree', () => {
  let server: net.Server;
  let port: number;
  // Each path answers raw bytes: what a real server, or a broken one, might send.
  const answers: Record<string, string | null> = {
    '/ok': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    '/redirect': 'HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n',
    '/error': 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n',
    '/http10': 'HTTP/1.0 200 OK\r\n\r\nold server',
    '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    '/close': '', // closes without a word
    '/hang': null, // never answers
  };
  beforeAll(async () => {
    server = net.createServer((sock) => {
      let req = '';
      sock.on('data', (d) => {
        req += d;
        if (!req.includes('\r\n\r\n')) return;
        const path = req.split(' ')[1];
        const a = answers[path];
        if (a === null) return; // hang
        sock.end(a);
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => server.close());

  const both = async (path: string, timeoutMs = 1000) => {
    const lean = await httpStatusProbe('127.0.0.1', port, path, timeoutMs);
    const full = await httpProbe('http', '127.0.0.1', port, path, timeoutMs);
    return { lean, full: { kind: full.kind, ...('cause' in full ? { cause: full.cause } : {}) } };
  };

  it('200-399 are healthy, 4xx/5xx are not (naming status and path), HTTP/1.0 and 1xx-then-final are read', async () => {
    for (const p of ['/ok', '/redirect', '/http10', '/continue']) {
      const { lean, full } = await both(p);
      expect([p, lean]).toEqual([p, { kind: 'success' }]);
      expect([p, full.kind]).toEqual([p, 'success']);
    }
    const { lean, full } = await both('/error');
    expect(lean).toEqual({ kind: 'failure', cause: 'HTTP 503 from /error' });
    expect(full).toEqual(lean);
  });

  it('a connection closed without an answer, a server that hangs, and a refused connection are failures', async () => {
    expect((await both('/close')).lean).toEqual({
      kind: 'failure',
      cause: 'the connection closed before an HTTP status from /close',
    });
    expect((await both('/hang', 300)).lean).toEqual({ kind: 'failure', cause: 'no answer within 0.3s' });
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const gone = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await httpStatusProbe('127.0.0.1', gone, '/', 1000)).toEqual({
      kind: 'failure',
      cause: 'connection refused',
    });
  });

  it('with ignoreHttp1xx an informational status is ignored, as Marathon does', async () => {
    expect(await httpStatusProbe('127.0.0.1', port, '/continue', 1000, { ignoreHttp1xx: true })).toEqual({
      kind: 'ignored',
    });
  });
});
