import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { serverCmd, until } from '../helpers/engine.js';
import { isLoopback, listeningAddresses } from '../helpers/listeners.js';

type LbStatus = {
  pid: number | null;
  services: number;
  reloads: number;
  rejected: { app: string; error: string }[];
  stats: string;
};

/** marathon-lb on real HAProxy, on the public agent's address, in front of real tasks on private agents. */
describe('marathon-lb on the embedded engine (real HAProxy)', () => {
  let t: TestRunner;
  let ports: { http: number; appId: number; stats: number; https: number };
  let servicePort: number;
  const lb = () => t.engine.extensions.get('marathon-lb')!() as unknown as LbStatus;
  beforeAll(async () => {
    ports = {
      http: await freePort('127.0.2.1'),
      appId: await freePort('127.0.2.1'),
      stats: await freePort('127.0.0.1'),
      https: await freePort('127.0.2.1'),
    };
    servicePort = await freePort('127.0.2.1');
    process.env.BATON_LB_PORTS = `${ports.http},${ports.appId},${ports.stats},${ports.https}`;
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());

  const web = (instances: number, extra: Record<string, unknown> = {}) => ({
    id: '/web',
    cmd: serverCmd('GRACEFUL_TERM=1'),
    cpus: 0.02,
    mem: 32,
    instances,
    portDefinitions: [{ port: servicePort }],
    labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'web.example.com' },
    healthChecks: [
      {
        protocol: 'HTTP',
        path: '/health',
        gracePeriodSeconds: 5,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 3,
      },
    ],
    ...extra,
  });
  // node:http, not fetch: fetch will not send a Host header of our choosing.
  const get = (port: number, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.2.1', port, path: '/', agent: false, headers, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  const tlsGet = (port: number, servername: string) =>
    new Promise<{ status: number; body: string; subject?: string }>((resolve, reject) => {
      const req = https.get(
        { host: '127.0.2.1', port, servername, path: '/', agent: false, rejectUnauthorized: false, timeout: 3000 },
        (res) => {
          let body = '';
          const cn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN;
          const subject = Array.isArray(cn) ? cn[0] : cn;
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, subject }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  const servers = async () => {
    const csv = await fetch(`${lb().stats};csv`)
      .then((r) => r.text())
      .catch(() => ''); // not started yet: none
    return csv
      .split('\n')
      .filter((l) => l.startsWith(`web_${servicePort},`) && !/,(FRONTEND|BACKEND),/.test(l))
      .map((l) => l.split(',')[17]);
  };

  it('serves the app on its service port and by vhost on the public agent; stats on loopback', async () => {
    expect((await t.deploy({ name: 'lb-demo', apps: [web(3)] })).ok).toBe(true);
    await until(async () => (await servers()).filter((s) => s === 'UP').length === 3, 15_000, 'three servers UP');
    const seen = new Set<string>();
    for (let k = 0; k < 12; k++) {
      const r = await get(servicePort);
      expect(r.status).toBe(200);
      seen.add(r.body.split(' ')[1]);
    }
    expect(seen.size).toBe(3);
    expect((await get(ports.http, { host: 'web.example.com' })).body).toMatch(/^ok web\.instance-/);
    expect((await get(ports.http, { host: 'other.example.com' })).status).toBe(503);
    expect((await get(ports.appId, { 'x-marathon-app-id': '/web' })).status).toBe(200);
    // 443: TLS with marathon-lb's default self-signed certificate, routed on SNI (not the Host header).
    expect(await tlsGet(ports.https, 'web.example.com')).toMatchObject({
      status: 200,
      body: expect.stringMatching(/^ok web\.instance-/),
      subject: 'baton-marathon-lb',
    });
    expect((await tlsGet(ports.https, 'other.example.com')).status).toBe(503);
    expect(lb().stats).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/haproxy\?stats$/);
    // What the kernel says HAProxy listens on: stats on loopback only; the service on the public agent's address.
    expect([...new Set(listeningAddresses(ports.stats))]).toEqual(['127.0.0.1']);
    expect(listeningAddresses(servicePort).length).toBeGreaterThan(0);
    expect(listeningAddresses(servicePort).every(isLoopback)).toBe(true);
    expect((await fetch(lb().stats.replace('/haproxy?stats', '/_haproxy_health_check'))).status).toBe(200);
  }, 60_000);

  it('scaling changes the servers through a reload, only when the configuration changed', async () => {
    const before = lb().reloads;
    expect((await t.deploy({ name: 'lb-demo', apps: [web(1)] })).ok).toBe(true);
    await until(async () => (await servers()).length === 1, 10_000, 'one server left');
    expect(lb().reloads).toBeGreaterThan(before);
    const settled = lb().reloads;
    await new Promise((r) => setTimeout(r, 2500));
    expect(lb().reloads).toBe(settled); // nothing changed, nothing reloaded
  }, 60_000);

  it('an app whose labels make HAProxy refuse the configuration is left out and named; the others keep serving', async () => {
    const badPort = await freePort('127.0.2.1');
    const r = await t.api('POST', '/v2/apps', {
      id: '/bad',
      cmd: serverCmd(),
      cpus: 0.02,
      mem: 32,
      portDefinitions: [{ port: badPort }],
      labels: { HAPROXY_GROUP: 'external', HAPROXY_0_BIND_OPTIONS: 'no-such-bind-option' },
    });
    expect(r.status).toBe(201);
    await until(() => lb().rejected.some((x) => x.app === '/bad'), 15_000, '/bad to be named');
    expect(lb().rejected[0].error).toMatch(/no-such-bind-option/);
    expect((await get(servicePort)).status).toBe(200);
    await t.api('DELETE', '/v2/apps/bad');
    await until(() => lb().rejected.length === 0, 15_000, 'the rejection to clear');
  }, 40_000);

  it('no failed request through HAProxy during a rolling upgrade under a bounded load', async () => {
    expect((await t.deploy({ name: 'lb-demo', apps: [web(3)] })).ok).toBe(true);
    await until(async () => (await servers()).filter((s) => s === 'UP').length === 3, 15_000, 'three servers UP');
    const failures: string[] = [];
    let ok = 0;
    let stop = false;
    const worker = async () => {
      for (let k = 0; k < 300 && !stop; k++) {
        try {
          const r = await get(servicePort);
          if (r.status === 200) ok++;
          else failures.push(`HTTP ${r.status}`);
        } catch (err) {
          failures.push(String((err as Error).cause ?? err));
        }
      }
    };
    const load = Promise.all([worker(), worker()]);
    expect((await t.deploy({ name: 'lb-demo', apps: [web(3, { env: { RELEASE: '2' } })] })).ok).toBe(true);
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
  }, 90_000);
});
