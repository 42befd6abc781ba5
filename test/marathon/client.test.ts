import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarathonClient, MarathonHttpError } from '../../plugins/marathon/client.js';
import { marathonEndpoint } from '../../plugins/marathon/index.js';
import { freePort } from '../helpers/net.js';
import type { BatonError } from '../../core/index.js';

/** The error a call fails with (a call that succeeds fails the test). */
const rejection = (p: Promise<unknown>): Promise<BatonError & Partial<MarathonHttpError>> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: MarathonHttpError) => e,
  );

type Reply = { status: number; body: unknown };
type Handler = (req: http.IncomingMessage) => Reply;

/** A small local server replaying Marathon's documented answers (errors the engine never gives). */
function replay(handler: Handler, tls?: { cert: Buffer; key: Buffer }) {
  const seen: { method: string; url: string; authorization?: string }[] = [];
  const fn = (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    const r = handler(req);
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
  };
  const server = tls ? https.createServer(tls, fn) : http.createServer(fn);
  return {
    seen,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

const FAST = [10, 10, 10];

describe('Marathon client: auth, TLS, retries, Marathon error bodies', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-client-'));
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(path.join(dir, 'cert.pem'));
    key = readFileSync(path.join(dir, 'key.pem'));
  });

  const servers: { close(): Promise<unknown> }[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));
  const serve = async (h: Handler, tls?: boolean) => {
    const s = replay(h, tls ? { cert, key } : undefined);
    servers.push(s);
    return { s, url: await s.start() };
  };

  it('sends a DC/OS token as `Authorization: token=…`; without it the target refuses (exit 6)', async () => {
    const { url } = await serve((req) =>
      req.headers.authorization === 'token=sekret'
        ? { status: 200, body: { apps: [] } }
        : { status: 401, body: { message: 'not authenticated' } },
    );
    expect(await new MarathonClient({ url, token: 'sekret' }).get('/v2/apps')).toEqual({ apps: [] });
    const err = await rejection(new MarathonClient({ url }).get('/v2/apps'));
    expect(err).toBeInstanceOf(MarathonHttpError);
    expect(err.code).toBe('BATON_TARGET_UNAVAILABLE');
  });

  it('HTTP basic from the settings or from the URL; the URL shown carries no password', async () => {
    const { url, s } = await serve(() => ({ status: 200, body: {} }));
    const withUser = url.replace('://', '://ops:pa%3Ass@');
    const c = new MarathonClient({ url: withUser });
    await c.get('/v2/info');
    expect(s.seen.at(-1)!.authorization).toBe(`Basic ${Buffer.from('ops:pa:ss').toString('base64')}`);
    expect(c.url).toBe(url);
    await new MarathonClient(marathonEndpoint(url, { user: 'ci' }, { BATON_MARATHON_PASSWORD: 'pw' })).get('/v2/info');
    expect(s.seen.at(-1)!.authorization).toBe(`Basic ${Buffer.from('ci:pw').toString('base64')}`);
    // The recipe wins over the environment; a token wins over basic credentials.
    expect(marathonEndpoint(url, { token: 'a' }, { BATON_TOKEN: 'b', BATON_MARATHON_USER: 'u' })).toEqual({
      url,
      token: 'a',
      basic: { user: 'u', password: '' },
    });
  });

  it('retries idempotent calls on 502/503/504 with backoff, never a POST', async () => {
    let n = 0;
    const { url, s } = await serve((req) =>
      req.method === 'GET' && ++n <= 2
        ? { status: 503, body: { message: 'leader election' } }
        : req.method === 'POST'
          ? { status: 503, body: { message: 'busy' } }
          : { status: 200, body: { ok: true } },
    );
    const c = new MarathonClient({ url }, 5000, FAST);
    expect(await c.get('/v2/apps')).toEqual({ ok: true });
    expect(s.seen.filter((x) => x.method === 'GET')).toHaveLength(3);
    const err = await rejection(c.request('POST', '/v2/apps', { id: '/x' }));
    expect(err.status).toBe(503);
    expect(s.seen.filter((x) => x.method === 'POST')).toHaveLength(1);
  });

  it('a target that is not there: retried, then BATON_TARGET_UNAVAILABLE naming it', async () => {
    const port = await freePort('127.0.0.1');
    const err = await rejection(new MarathonClient({ url: `http://127.0.0.1:${port}` }, 5000, FAST).get('/v2/apps'));
    expect(err.code).toBe('BATON_TARGET_UNAVAILABLE');
    expect(err.message).toMatch(new RegExp(`Cannot reach Marathon at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it("409 names the deployment holding the app and how to override; 422 details become Baton's own lines", async () => {
    const { url } = await serve((req) =>
      req.method === 'PUT'
        ? {
            status: 409,
            body: {
              message: "App is locked by one or more deployments. Override with the option '?force=true'.",
              deployments: [{ id: '5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43' }],
            },
          }
        : {
            status: 422,
            body: {
              message: 'Object is not valid',
              details: [
                { path: '/instances', errors: ['error.min'] },
                { path: '/id', errors: ['must fully match regular expression'] },
              ],
            },
          },
    );
    const c = new MarathonClient({ url }, 5000, FAST);
    const locked = await rejection(c.request('PUT', '/v2/apps/web', { instances: 2 }));
    expect(locked.code).toBe('BATON_DEPLOY_LOCKED');
    expect(locked.message).toMatch(/locked by deployment 5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43; `--force` cancels it/);
    const invalid = await rejection(c.request('POST', '/v2/apps', {}));
    expect(invalid.code).toBe('BATON_BAD_ARGUMENT');
    expect(invalid.details).toBe('/instances: error.min\n/id: must fully match regular expression');
  });

  it('TLS: verified against a CA file; refused without it; skipped only when insecure is asked for', async () => {
    const { url } = await serve(() => ({ status: 200, body: { leader: 'x' } }), true);
    expect(await new MarathonClient({ url, caFile: path.join(dir, 'cert.pem') }).get('/v2/leader')).toEqual({
      leader: 'x',
    });
    const err = await rejection(new MarathonClient({ url }, 5000, FAST).get('/v2/leader'));
    expect(err.code).toBe('BATON_TARGET_UNAVAILABLE');
    expect(err.message).toMatch(/certificate/i);
    expect(
      await new MarathonClient(marathonEndpoint(url, {}, { BATON_MARATHON_INSECURE: '1' })).get('/v2/leader'),
    ).toEqual({ leader: 'x' });
  });
});

describe('Marathon events (SSE): standby → leader redirect, credentials kept, reconnect', () => {
  it('follows the redirect with the token, reconnects when the stream drops, and reports each event', async () => {
    const { followEvents } = await import('../../plugins/marathon/events.js');
    const leaderSeen: (string | undefined)[] = [];
    let streams = 0;
    const leader = http.createServer((req, res) => {
      leaderSeen.push(req.headers.authorization);
      if (req.headers.authorization !== 'token=t0k') return void res.writeHead(401).end();
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: status_update_event\ndata: {"taskStatus":"TASK_RUNNING"}\n\n');
      res.write(':keep-alive comment\n\n');
      res.end('event: deployment_success\ndata: {}\n\n'); // the stream drops: the client reconnects
    });
    await new Promise<void>((r) => leader.listen(0, '127.0.0.1', r));
    const leaderUrl = `http://127.0.0.1:${(leader.address() as AddressInfo).port}`;
    const standby = http.createServer((_req, res) => res.writeHead(307, { location: `${leaderUrl}/v2/events` }).end());
    await new Promise<void>((r) => standby.listen(0, '127.0.0.1', r));
    const standbyUrl = `http://127.0.0.1:${(standby.address() as AddressInfo).port}`;
    const got: string[] = [];
    const ac = new AbortController();
    const done = followEvents(
      new MarathonClient({ url: standbyUrl, token: 't0k' }),
      (type) => {
        got.push(type);
        if (got.length >= 4) ac.abort();
      },
      ac.signal,
      { backoffMs: [10] },
    );
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    ac.abort();
    await new Promise((r) => leader.close(r));
    await new Promise((r) => standby.close(r));
    expect(got.slice(0, 4)).toEqual([
      'status_update_event',
      'deployment_success',
      'status_update_event',
      'deployment_success',
    ]);
    expect(streams).toBeGreaterThanOrEqual(2);
    expect(leaderSeen.every((a) => a === 'token=t0k')).toBe(true);
  });
});
