import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { freePort } from '../helpers/net.js';
import { pidAlive, serverCmd, until } from '../helpers/engine.js';

/**
 * marathon-lb's own endpoints on its stats port, in the formats marathon-lb serves them, checked as
 * the tools that use them read them — zdd.py above all: it polls /_haproxy_getpids until a reload
 * is over and parses /haproxy?stats;csv into a Python namedtuple built from the header line.
 */
describe("marathon-lb's endpoints on the embedded marathon-lb (real HAProxy)", () => {
  let t: TestRunner;
  let stats: number;
  let httpPort: number;
  let servicePort: number;
  const lb = () => t.engine.extensions.get('marathon-lb')!() as unknown as { pid: number | null };
  const get = (port: number, p: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
      const req = http.get(
        { host: port === stats ? '127.0.0.1' : '127.0.2.1', port, path: p, headers, agent: false },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
          );
        },
      );
      req.on('error', reject);
    });
  const mlb = (p: string) => get(stats, p);

  beforeAll(async () => {
    stats = await freePort('127.0.0.1');
    httpPort = await freePort('127.0.2.1');
    servicePort = await freePort('127.0.2.1');
    const [appId, https] = [await freePort('127.0.2.1'), await freePort('127.0.2.1')];
    process.env.BATON_LB_PORTS = `${httpPort},${appId},${stats},${https}`;
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
    const r = await t.deploy({
      apps: [
        {
          id: '/web',
          cmd: serverCmd(),
          cpus: 0.02,
          mem: 32,
          instances: 2,
          portDefinitions: [{ port: servicePort }],
          labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'web.example.com' },
          healthChecks: [{ protocol: 'HTTP', path: '/health', intervalSeconds: 1, timeoutSeconds: 1 }],
        },
      ],
    });
    expect(r.exitCode).toBe(0);
    // Both instances served and UP before the checks below read the stats.
    await until(
      async () =>
        (await mlb('/haproxy?stats;csv').catch(() => ({ body: '' }))).body
          .split('\n')
          .filter((l) => l.includes(',UP,') && l.startsWith(`web_${servicePort},1`)).length === 2,
      20_000,
      'both servers UP',
    );
  }, 90_000);
  afterAll(async () => t?.close());

  it('/_haproxy_getpids lists the master and its worker, and an old worker while it finishes a request after a reload', async () => {
    const raw = (await mlb('/_haproxy_getpids')).body;
    const idle = raw.split(/\s+/).map(Number);
    expect(idle).toHaveLength(2);
    expect(idle).toContain(lb().pid);
    for (const pid of idle) {
      expect(pidAlive(pid)).toBe(true);
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('haproxy');
    }
    // A request in flight through HAProxy, then a reload (SIGUSR1 to marathon-lb: reload, same config).
    const slow = get(httpPort, '/slow?ms=3000', { host: 'web.example.com' });
    await new Promise((r) => setTimeout(r, 300));
    const usr1 = await mlb('/_mlb_signal/usr1');
    expect(usr1).toMatchObject({ status: 200, body: 'Sent SIGUSR1 signal to marathon-lb' });
    // zdd.py waits while more than two pids are listed: the old worker is still draining.
    const reloading = await until(
      async () => {
        const pids = (await mlb('/_haproxy_getpids')).body.split(/\s+/).map(Number);
        return pids.length === 3 ? pids : undefined;
      },
      5000,
      'the old worker to be listed',
    );
    expect(reloading).toContain(lb().pid);
    expect((await slow).body).toBe('slow\n');
    // Its request done, the old worker exits and the list is two again.
    const after = await until(
      async () => {
        const pids = (await mlb('/_haproxy_getpids')).body.split(/\s+/).map(Number);
        return pids.length === 2 ? pids : undefined;
      },
      10_000,
      'the old worker to go',
    );
    expect(after).toContain(lb().pid);
    expect(after.filter((p) => !idle.includes(p))).toHaveLength(1); // a new worker
  }, 30_000);

  it("/haproxy?stats;csv has HAProxy 2.0's columns: zdd.py's namedtuple parse works on it", async () => {
    const csv = (await mlb('/haproxy?stats;csv')).body;
    const header = csv.split('\n')[0];
    expect(header.startsWith('# pxname,svname,qcur,')).toBe(true);
    expect(header.endsWith(',need_conn_est,')).toBe(true);
    expect(header.split(',')).not.toContain('-');
    // zdd.py's parse_haproxy_stats, run by Python itself (marathon-lb's zdd.py, as published).
    const zddParse = `
import csv, sys, json
from collections import namedtuple
csv_data = sys.stdin.read()
rows = csv_data.splitlines()
headings = rows.pop(0).lstrip('# ').rstrip(',\\n').split(',')
csv_reader = csv.reader(rows, delimiter=',', quotechar="'")
Row = namedtuple('Row', headings)
parsed = [Row(*row[0:-1]) for row in csv_reader if row[0][0] != '#']
print(json.dumps([[r.pxname, r.svname, r.status, r.scur, r.qcur] for r in parsed]))
`;
    const rows = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', zddParse], { input: csv, encoding: 'utf8' }),
    ) as string[][];
    const servers = rows.filter((r) => r[0] === `web_${servicePort}` && r[1] !== 'FRONTEND' && r[1] !== 'BACKEND');
    expect(servers).toHaveLength(2);
    expect(servers.every((r) => r[2] === 'UP')).toBe(true);
    // `;up` and `;norefresh` are read as HAProxy reads them.
    expect((await mlb('/haproxy?stats;csv;norefresh')).body.split('\n')[0]).toBe(header);
    // HAProxy's own page and health check stay HAProxy's.
    expect((await mlb('/haproxy?stats')).body).toMatch(/Statistics Report/);
    expect((await mlb('/_haproxy_health_check')).status).toBe(200);
  });

  it('/_haproxy_getconfig, /_haproxy_getvhostmap and /_haproxy_getappmap answer as marathon-lb does', async () => {
    const config = await mlb('/_haproxy_getconfig');
    expect(config.status).toBe(200);
    expect(config.type).toMatch(/text\/plain/);
    expect(config.body).toBe(readFileSync(`${t.stateDir}/marathon-lb/haproxy.cfg`, 'utf8'));
    expect(config.body).toContain(`backend web_${servicePort}`);
    expect((await mlb('/_haproxy_getvhostmap')).body).toBe(`web.example.com web_${servicePort}\n`);
    expect((await mlb('/_haproxy_getappmap')).body).toBe(`/web web_${servicePort}\n`);
    expect((await mlb('/no/such/endpoint')).status).toBe(404);
  });

  it("/_mlb_signal/hup regenerates from the apps; /metrics is HAProxy's Prometheus exporter", async () => {
    const hup = await mlb('/_mlb_signal/hup');
    expect(hup).toMatchObject({ status: 200, body: 'Sent SIGHUP signal to marathon-lb' });
    const metrics = await mlb('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# HELP haproxy_/m);
    expect(metrics.body).toContain(`haproxy_backend_active_servers{proxy="web_${servicePort}"} 2`);
  });
});
