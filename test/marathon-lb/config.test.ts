import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfig } from '../../plugins/marathon-lb/config.js';
import type { LbApp, LbOptions } from '../../plugins/marathon-lb/model.js';
import { buildServices } from '../../plugins/marathon-lb/services.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-mlb-'));
const opts: LbOptions = {
  groups: ['external'],
  bindAddr: '127.0.2.1',
  statsBind: '127.0.0.1',
  healthCheck: true,
  strict: false,
  runDir: dir,
};
const task = (host: string, ports: number[], alive = true, state = 'TASK_RUNNING') => ({
  id: `t-${host}-${ports[0]}`,
  host,
  ports,
  state,
  healthCheckResults: [{ alive }],
});

/** `haproxy -c` on the text: the real HAProxy (2.6 here) is the judge of validity. */
function haproxyCheck(cfg: string): { ok: boolean; out: string } {
  const f = path.join(dir, `check-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(f, cfg);
  try {
    return {
      ok: true,
      out: execFileSync('haproxy', ['-c', '-f', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}

const minitwit: LbApp = {
  id: '/minitwit',
  labels: {
    HAPROXY_GROUP: 'external',
    HAPROXY_0_VHOST: 'Twit.example.com',
    HAPROXY_0_STICKY: 'true',
    HAPROXY_0_REDIRECT_TO_HTTPS: 'yes',
    HAPROXY_0_USE_HSTS: 't',
  },
  networks: [{ mode: 'container/bridge' }],
  container: { portMappings: [{ containerPort: 80, hostPort: 0, servicePort: 10004 }] },
  healthChecks: [
    {
      protocol: 'HTTP',
      path: '/health',
      portIndex: 0,
      intervalSeconds: 5,
      timeoutSeconds: 2,
      maxConsecutiveFailures: 2,
    },
  ],
  tasks: [
    task('127.0.1.2', [31300]),
    task('127.0.1.1', [31010]),
    task('127.0.1.3', [31510], false),
    task('127.0.1.3', [31511], true, 'TASK_STAGING'),
  ],
};
const api: LbApp = {
  id: '/shop/api',
  labels: {
    HAPROXY_GROUP: 'external,internal',
    HAPROXY_0_VHOST: 'shop.example.com',
    HAPROXY_0_PATH: '/api',
    HAPROXY_0_BALANCE: 'leastconn',
    HAPROXY_0_BACKEND_NETWORK_ALLOWED_ACL: '127.0.0.0/8',
  },
  portDefinitions: [{ port: 10010 }, { port: 10011 }],
  healthChecks: [{ protocol: 'TCP', portIndex: 1, intervalSeconds: 3, maxConsecutiveFailures: 0 }],
  tasks: [task('127.0.1.1', [31020, 31021])],
};
const internalOnly: LbApp = {
  id: '/db',
  labels: { HAPROXY_GROUP: 'internal' },
  portDefinitions: [{ port: 10020 }],
  tasks: [task('127.0.1.1', [31030])],
};
const noGroup: LbApp = { id: '/nogroup', portDefinitions: [{ port: 10030 }], tasks: [task('127.0.1.1', [31040])] };

describe('marathon-lb config generation (marathon-lb-semantics.md §1)', () => {
  const services = buildServices([minitwit, api, internalOnly, noGroup], opts);
  const cfg = renderConfig(services, opts);

  it('is valid HAProxy 2.6 configuration', () => {
    const r = haproxyCheck(cfg);
    expect(r.ok, r.out).toBe(true);
  });

  it('with certificates, a 443 frontend routes vhosts (and paths) on SNI; HAProxy accepts it with a real certificate', () => {
    const pem = path.join(dir, 'cert.pem');
    execFileSync('sh', [
      '-c',
      `openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test -keyout ${pem}.key -out ${pem}.crt 2>/dev/null && cat ${pem}.crt ${pem}.key > ${pem}`,
    ]);
    const tls = renderConfig(services, {
      ...opts,
      certs: [pem],
      ports: { http: 80, appId: 9091, stats: 9090, https: 443 },
    });
    expect(tls).toContain(`frontend marathon_https_in\n  bind 127.0.2.1:443 ssl crt ${pem}\n  mode http`);
    expect(tls).toContain('  acl sni_twit_example_com__minitwit ssl_fc_sni -i twit.example.com');
    expect(tls).toContain('  use_backend shop_api_10010 if sni_shop_example_com__shop_api path_shop_api_10010');
    expect(cfg).not.toContain('marathon_https_in'); // no certificates, no 443 frontend
    const r = haproxyCheck(tls);
    expect(r.ok, r.out).toBe(true);
  });

  it('serves one frontend + backend per (app, service port) of its groups, with servers of eligible tasks only', () => {
    expect(services.map((s) => [s.backend, s.servicePort, s.mode])).toEqual([
      ['minitwit_10004', 10004, 'http'],
      ['shop_api_10010', 10010, 'http'],
      ['shop_api_10011', 10011, 'tcp'],
    ]);
    // Sorted by host; the unhealthy and the staging task are left out.
    expect(services[0].servers.map((s) => s.name)).toEqual(['127_0_1_1_31010', '127_0_1_2_31300']);
    expect(cfg).toContain(
      'frontend minitwit_10004\n  bind 127.0.2.1:10004\n  mode http\n  option idle-close-on-response\n  use_backend minitwit_10004',
    );
    expect(cfg).not.toContain('db_10020'); // internal group only
    expect(cfg).not.toContain('nogroup'); // no group: never picked by a named group
  });

  it('vhosts, paths, stickiness, redirects, HSTS and checks as marathon-lb writes them', () => {
    expect(cfg).toContain('  acl host_twit_example_com__minitwit hdr(host) -i twit.example.com');
    expect(cfg).toContain('  redirect scheme https code 301 if !{ ssl_fc } host_twit_example_com__minitwit');
    // PATH bumps the weight to 1, so /shop/api's rule comes first.
    expect(
      cfg.indexOf('use_backend shop_api_10010 if host_shop_example_com__shop_api path_shop_api_10010'),
    ).toBeLessThan(cfg.indexOf('use_backend minitwit_10004 if'));
    expect(cfg).toContain('  cookie mesosphere_server_id insert indirect nocache');
    expect(cfg).toMatch(
      / {2}server 127_0_1_1_31010 127\.0\.1\.1:31010 id \d+ check inter 5s fall 3 observe layer4 error-limit 1 on-error mark-down cookie [0-9a-f]{10}\n/,
    );
    expect(cfg).toContain('  option httpchk GET /health\n  timeout check 2s');
    expect(cfg).toContain('  http-response set-header Strict-Transport-Security max-age=15768000');
    expect(cfg).toContain('  balance leastconn');
    expect(cfg).toContain('  acl network_allowed src 127.0.0.0/8\n  http-request deny if !network_allowed');
    // Port 1's TCP check (portIndex 1) applies to it alone; Marathon's max 0 → fall 1.
    expect(cfg).toMatch(
      /backend shop_api_10011\n {2}balance roundrobin\n {2}mode tcp\n {2}server 127_0_1_1_31021 127\.0\.1\.1:31021 id \d+ check inter 3s fall 1 observe layer4 error-limit 1 on-error mark-down\n/,
    );
  });

  it('the stats page binds loopback by default; exposed, it carries credentials', () => {
    expect(cfg).toContain(
      'listen stats\n  bind 127.0.0.1:9090\n  mode http\n  stats enable\n  stats uri /haproxy?stats\n  monitor-uri /_haproxy_health_check',
    );
    const exposed = renderConfig(services, {
      ...opts,
      statsBind: '0.0.0.0',
      statsAuth: { user: 'ops', password: 's3cret' },
    });
    expect(exposed).toContain('  stats auth ops:s3cret');
    expect(haproxyCheck(exposed).ok).toBe(true);
  });

  it('group * takes every app; strict mode needs HAPROXY_{n}_ENABLED; a service without servers is left out', () => {
    expect(buildServices([internalOnly, noGroup], { ...opts, groups: ['*'] }).map((s) => s.backend)).toEqual([
      'db_10020',
      'nogroup_10030',
    ]);
    const strict = { ...noGroup, labels: { HAPROXY_GROUP: 'external', HAPROXY_0_ENABLED: 'true' } };
    expect(buildServices([strict, { ...api }], { ...opts, strict: true }).map((s) => s.backend)).toEqual([
      'nogroup_10030',
    ]);
    expect(buildServices([{ ...minitwit, tasks: [] }], opts)).toEqual([]);
  });

  it('server ids are stable across renders and unique', () => {
    const again = buildServices([api, minitwit], opts);
    const ids = (ss: typeof services) => Object.fromEntries(ss.flatMap((s) => s.servers.map((v) => [v.name, v.id])));
    expect(ids(again)).toEqual(ids(services));
    const all = services.flatMap((s) => s.servers.map((v) => v.id));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('baton lb config against a real engine', () => {
  it('prints the configuration for the deployed apps; HAProxy accepts it', async () => {
    const { createTestRunner } = await import('../../bin/testing.js');
    const { batonAsync } = await import('../helpers/cli.js'); // async: the engine answers from this very process
    process.env.BATON_DNS ??= '127.0.3.1:0';
    const t = await createTestRunner();
    try {
      const r = await t.deploy({
        name: 'lb-demo',
        apps: [
          {
            id: '/web',
            cmd: 'sleep 300',
            cpus: 0.01,
            mem: 16,
            instances: 2,
            portDefinitions: [{ port: 10040 }],
            labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'web.example.com' },
          },
        ],
      });
      expect(r.ok).toBe(true);
      const out = await batonAsync(['lb', 'config', '--bind', '127.0.2.1'], { env: { BATON_STATE_DIR: t.stateDir } });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain('frontend web_10040\n  bind 127.0.2.1:10040');
      expect(out.stdout.match(/^ {2}server 127_0_1_\d_\d+ 127\.0\.1\.\d:\d+ id \d+$/gm)).toHaveLength(2);
      expect(haproxyCheck(out.stdout).ok).toBe(true);
    } finally {
      await t.close();
    }
  }, 60_000);
});
