import type { LbOptions, Service } from './model.js';
import { ENDPOINT_PATHS, STATS_CSV_PATH, endpointsSocket } from './endpoints.js';
import { clean } from './services.js';

/**
 * On a reload the old worker would close idle keep-alive client connections at once, racing a
 * client that is just sending on one (ECONNRESET); with this it answers one more request with
 * `Connection: close` first, as HAProxy did before 2.4.
 */
const IDLE_CLOSE = '  option idle-close-on-response';

/** HAProxy's `global` and `defaults` sections, shared by marathon-lb's configuration and the VIP data plane's. */
export function renderHead(o: Pick<LbOptions, 'runDir' | 'requestLog'>): string[] {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  line('global');
  // marathon-lb's 50000 needs ~100k file descriptors; one machine's HAProxy gets a limit that fits a default ulimit.
  line('  maxconn 4096');
  line('  spread-checks 5');
  if (o.requestLog) line('  log stdout format raw local0');
  line(`  stats socket ${o.runDir}/haproxy.sock mode 600 level admin expose-fd listeners`);
  line(`  server-state-file ${o.runDir}/server-state`);
  line();
  line('defaults');
  line('  mode tcp');
  line('  load-server-state-from-file global');
  line('  retries 3');
  // Redispatch on every retry, not only the last: a retry after a refused connection goes to another server.
  line('  option redispatch 1');
  line('  option dontlognull');
  if (o.requestLog) {
    line('  log global');
    line('  option httplog');
  }
  line('  backlog 10000');
  line('  maxconn 4000');
  for (const [k, v] of [
    ['connect', '3s'],
    ['client', '30s'],
    ['server', '30s'],
    ['tunnel', '3600s'],
    ['http-keep-alive', '1s'],
    ['http-request', '15s'],
    ['queue', '30s'],
    ['tarpit', '60s'],
  ])
    line(`  timeout ${k} ${v}`);
  line();
  return out;
}

/**
 * The HAProxy configuration marathon-lb's default templates produce (marathon-lb-semantics.md §1.8), in
 * directives HAProxy 2.6 accepts: `http-response set-header` instead of the removed `rspadd`, no
 * `reqirep`/`rspirep`. Master-worker friendly: a stats socket with `expose-fd listeners` for
 * seamless reloads and a server-state file so draining servers stay drained across them.
 */
export function renderConfig(services: Service[], o: LbOptions): string {
  const ports = o.ports ?? { http: 80, appId: 9091, stats: 9090 };
  const out: string[] = renderHead(o);
  const line = (s = '') => out.push(s);
  // The stats page: loopback unless told otherwise, and then only with credentials (the course's warning).
  if (o.statsAuth) {
    line('userlist mlb_stats_users');
    line(`  user ${o.statsAuth.user} insecure-password ${o.statsAuth.password}`);
    line();
  }
  line('listen stats');
  line(`  bind ${o.statsBind}:${ports.stats}`);
  line('  mode http');
  line('  stats enable');
  line('  stats uri /haproxy?stats');
  if (o.statsAuth) line(`  stats auth ${o.statsAuth.user}:${o.statsAuth.password}`);
  line('  monitor-uri /_haproxy_health_check');
  // marathon-lb's other endpoints (endpoints.ts): HAProxy's Prometheus exporter, and the paths its Lua
  // services answer there, answered by the engine; the stats CSV goes the same way to get 2.0's columns.
  line(`  acl mlb_endpoint path ${ENDPOINT_PATHS.join(' ')}`);
  line('  acl stats_csv query -m beg stats;csv');
  line(`  http-request set-path ${STATS_CSV_PATH} if { path /haproxy } stats_csv`);
  if (o.statsAuth) {
    // Credentials guard the stats page; they guard what shows the same data or acts too.
    line('  acl authorized http_auth(mlb_stats_users)');
    line(
      `  http-request auth realm marathon-lb if !authorized mlb_endpoint or !authorized { path ${STATS_CSV_PATH} } or !authorized { path /metrics }`,
    );
  }
  line('  http-request use-service prometheus-exporter if { path /metrics }');
  line(`  http-request deny deny_status 404 if !mlb_endpoint !{ path ${STATS_CSV_PATH} } !{ path_beg /haproxy }`);
  line(`  server endpoints unix@${endpointsSocket(o.runDir)}`);
  line();

  const http = services.filter((s) => s.mode === 'http');
  const routed = http
    .filter((s) => s.vhosts.length > 0)
    .sort((a, b) => b.weight - a.weight || a.backend.localeCompare(b.backend));
  line('frontend marathon_http_in');
  line(`  bind ${o.bindAddr}:${ports.http}`);
  line('  mode http');
  line(IDLE_CLOSE);
  for (const s of routed) {
    const host = `host_${clean(s.vhosts[0])}_${clean(s.appId)}`;
    for (const v of s.vhosts) line(`  acl ${host} hdr(host) -i ${v}`);
    const cond = s.path ? `${host} path_${s.backend}` : host;
    if (s.path) line(`  acl path_${s.backend} path_beg ${s.path}`);
    if (s.redirectToHttps) line(`  redirect scheme https code 301 if !{ ssl_fc } ${cond}`);
    line(`  use_backend ${s.backend} if ${cond}`);
  }
  if (o.certs?.length) {
    // marathon-lb's HTTPS frontend routes on SNI, not on the Host header (marathon-lb-semantics.md §1.8).
    line();
    line('frontend marathon_https_in');
    line(`  bind ${o.bindAddr}:${ports.https ?? 443} ssl ${o.certs.map((c) => `crt ${c}`).join(' ')}`);
    line('  mode http');
    line(IDLE_CLOSE);
    for (const s of routed) {
      const sni = `sni_${clean(s.vhosts[0])}_${clean(s.appId)}`;
      for (const v of s.vhosts) line(`  acl ${sni} ssl_fc_sni -i ${v}`);
      if (s.path) line(`  acl path_${s.backend} path_beg ${s.path}`);
      line(`  use_backend ${s.backend} if ${s.path ? `${sni} path_${s.backend}` : sni}`);
    }
  }
  line();
  line('frontend marathon_http_appid_in');
  line(`  bind ${o.bindAddr}:${ports.appId}`);
  line('  mode http');
  line(IDLE_CLOSE);
  const seenApps = new Set<string>();
  for (const s of http) {
    if (seenApps.has(s.appId)) continue; // only the first http port of an app is reachable by app id
    seenApps.add(s.appId);
    line(`  acl app_${clean(s.appId)} hdr(x-marathon-app-id) -i ${s.appId}`);
    line(`  use_backend ${s.backend} if app_${clean(s.appId)}`);
  }

  out.push(...renderServices(services));
  return out.join('\n') + '\n';
}

/** One frontend + backend per service (its own bind address and port). */
export function renderServices(services: Service[]): string[] {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  for (const s of services) {
    line();
    line(`frontend ${s.backend}`);
    line(`  bind ${s.bindAddr}:${s.servicePort}${s.bindOptions ? ' ' + s.bindOptions : ''}`);
    line(`  mode ${s.mode}`);
    if (s.mode === 'http') line(IDLE_CLOSE);
    line(`  use_backend ${s.backend}`);
    line();
    line(`backend ${s.backend}`);
    line(`  balance ${s.balance}`);
    line(`  mode ${s.mode}`);
    if (s.mode === 'http') {
      line('  option forwardfor');
      line('  option http-server-close');
      line('  http-request set-header X-Forwarded-Port %[dst_port]');
      line('  http-request add-header X-Forwarded-Proto https if { ssl_fc }');
      if (s.hsts) line('  http-response set-header Strict-Transport-Security max-age=15768000');
      if (s.redirectRoot) line(`  http-request redirect location ${s.redirectRoot} code 301 if { path / }`);
    }
    if (s.allowed) {
      line(`  acl network_allowed src ${s.allowed.join(' ')}`);
      line(
        s.mode === 'http'
          ? '  http-request deny if !network_allowed'
          : '  tcp-request content reject if !network_allowed',
      );
    }
    if (s.sticky && s.mode === 'http') line('  cookie mesosphere_server_id insert indirect nocache');
    if (s.check?.kind === 'http') {
      line(`  option httpchk GET ${s.check.path}`);
      line(`  timeout check ${s.check.timeoutS}s`);
    }
    for (const v of s.servers) {
      // Beyond marathon-lb: a server that refuses a connection (its task just died) is marked down at
      // once instead of after `fall` checks; its health check brings it back.
      const check = s.check
        ? ` check inter ${s.check.intervalS}s fall ${s.check.fall} observe layer4 error-limit 1 on-error mark-down`
        : '';
      const cookie = s.sticky && s.mode === 'http' ? ` cookie ${v.cookie}` : '';
      const weight = v.weight !== undefined ? ` weight ${v.weight}` : '';
      line(`  server ${v.name} ${v.ip}:${v.port} id ${v.id}${check}${cookie}${weight}${v.disabled ? ' disabled' : ''}`);
    }
  }
  return out;
}
