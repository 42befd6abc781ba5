import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { Registry } from 'prom-client';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serialized, type Contract } from '../../core/index.js';
import { renderConfig } from './config.js';
import { serveEndpoints } from './endpoints.js';
import { Haproxy } from './haproxy.js';
import type { LbApp, LbOptions, Service } from './model.js';
import { buildServices } from './services.js';
import { countRestarts } from './restarts.js';
import { RuntimeSync } from './runtime-sync.js';
import { AliveTasks, SplitStore, trafficRoutes } from './traffic.js';

const require = createRequire(import.meta.url);

type EngineView = Contract<'engine'>['api'];
type ViewInstance = Contract<'engine'>['instance'];

const MIN_RELOAD_GAP_MS = 1000;

/** `<runDir>/self-signed.pem` (certificate + key, CN baton-marathon-lb), made once with openssl. */
function selfSignedCert(runDir: string, log?: { warn(m: string): void }): string[] | undefined {
  const pem = path.join(runDir, 'self-signed.pem');
  if (existsSync(pem)) return [pem];
  mkdirSync(runDir, { recursive: true });
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      '/CN=baton-marathon-lb',
      '-keyout',
      pem + '.key',
      '-out',
      pem + '.crt',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    log?.warn(
      `marathon-lb: no 443 frontend: could not make a self-signed certificate (${r.error?.message ?? r.stderr.trim()}); set BATON_LB_SSL_CERTS`,
    );
    return undefined;
  }
  writeFileSync(pem, readFileSync(pem + '.crt', 'utf8') + readFileSync(pem + '.key', 'utf8'), { mode: 0o600 });
  rmSync(pem + '.key');
  rmSync(pem + '.crt');
  return [pem];
}

/**
 * The engine's apps as `/v2/apps?embed=apps.tasks` shows them to marathon-lb. A task without
 * health results yet (a restarted engine has none) counts as alive when `remembered` saw it alive
 * before — marathon-lb's LRU cache of alive tasks, which carries it over a leader change.
 */
export function lbApps(e: EngineView, remembered: ReadonlySet<string> = new Set(), everyApp = false): LbApp[] {
  // Only apps with marathon-lb labels can be served (unless the LB serves every group, `*`): the
  // others' tasks are not even looked at, as this runs on every engine event.
  const apps = [...e.apps.values()].filter(
    ({ app }) => everyApp || Object.keys(app.labels ?? {}).some((k) => k.startsWith('HAPROXY_')),
  );
  if (apps.length === 0) return [];
  const wanted = new Set(apps.map((a) => a.app.id));
  const byApp = new Map<string, ViewInstance[]>();
  for (const i of e.instances.values()) {
    if (!i.taskId || !i.agentId || !wanted.has(i.appId)) continue;
    const list = byApp.get(i.appId);
    if (list) list.push(i);
    else byApp.set(i.appId, [i]);
  }
  // A health record without any probe result yet (a restarted engine's) is no result, not "dead".
  const results = (i: ViewInstance) => (i.health ?? []).filter((h) => h.lastSuccess || h.lastFailure);
  return apps.map(({ app, versionInfo }) => ({
    ...(app as unknown as LbApp),
    ...(versionInfo ? { versionInfo } : {}),
    tasks: (byApp.get(app.id) ?? []).map((i) => ({
      id: i.taskId!,
      host: e.agent(i.agentId)?.address ?? '',
      ports: [...i.ports],
      state: i.condition === 'Running' ? 'TASK_RUNNING' : `TASK_${i.condition.toUpperCase()}`,
      ...(results(i).length
        ? { healthCheckResults: results(i).map((h) => ({ alive: h.alive })) }
        : remembered.has(i.taskId!)
          ? { healthCheckResults: [{ alive: true }] }
          : {}),
    })),
  }));
}

/**
 * marathon-lb for the embedded engine: HAProxy on the public agent's address, its configuration
 * regenerated on every engine event, checked with `haproxy -c`, reloaded only when it changed and
 * at most once a second. An app whose labels make the configuration invalid is left out — the
 * others keep being served — and named in the status. HAProxy starts with the first service.
 */
export function attachLb(
  engine: EngineView,
  base: Omit<LbOptions, 'bindAddr' | 'runDir'> & { bindAddr?: string },
  log?: { info(m: string): void; warn(m: string): void },
) {
  const bindAddr =
    base.bindAddr ?? engine.settings.agents.find((a) => a.role === 'slave_public')?.address ?? '127.0.0.1';
  const runDir = path.join(engine.settings.stateDir, 'marathon-lb');
  // As marathon-lb's image: a self-signed certificate unless certificates are given (needs openssl).
  const certs = base.certs ?? selfSignedCert(runDir, log);
  const o: LbOptions = { ...base, bindAddr, runDir, ...(certs ? { certs } : {}) };
  const haproxy = new Haproxy(o.runDir, log);
  const splits = new SplitStore(path.join(o.runDir, 'splits.json'));
  const alive = new AliveTasks(path.join(o.runDir, 'alive.json'));
  const runtime = new RuntimeSync(haproxy);
  let rejected: { app: string; error: string }[] = [];
  // The last configuration HAProxy refused, and what was served instead: an unchanged refused
  // configuration is not searched again (that costs one `haproxy -c` per app).
  let refused: { config: string; kept: string } | undefined;
  let services = 0;
  let lastReload = 0;

  const everyApp = o.groups.includes('*');
  const current = (apps = lbApps(engine, alive.tasks, everyApp)) => buildServices(apps, o, splits.all());
  const apply = async () => {
    // A stopping engine's view is being taken apart (health results go first): HAProxy keeps what it serves.
    if (engine.stopping) return;
    const apps = lbApps(engine, alive.tasks, everyApp);
    alive.update(apps);
    const all = current(apps);
    await runtime.sync(all);
    if (all.length === 0 && !haproxy.pid) return;
    const config = renderConfig(all, o);
    if (refused?.config === config) return void (await haproxy.apply(refused.kept));
    let r = await haproxy.apply(config);
    if (r.status === 'invalid') {
      // As marathon-lb: add apps one at a time, keep those HAProxy accepts, name the others.
      const kept: LbApp[] = [];
      const bad: { app: string; error: string }[] = [];
      for (const app of apps) {
        const error = await haproxy.validate(renderConfig(current([...kept, app]), o));
        if (error) bad.push({ app: app.id, error });
        else kept.push(app);
      }
      rejected = bad;
      for (const b of bad)
        log?.warn(`marathon-lb: ${b.app} left out, its labels make the HAProxy configuration invalid: ${b.error}`);
      const keptConfig = renderConfig(current(kept), o);
      refused = { config, kept: keptConfig };
      r = await haproxy.apply(keptConfig);
    } else {
      rejected = [];
      refused = undefined;
    }
    const served = rejected.length ? current(apps.filter((a) => !rejected.some((b) => b.app === a.id))) : all;
    services = served.length;
    if (r.status === 'reloaded' || r.status === 'started') {
      lastReload = Date.now();
      runtime.reloaded(served);
    }
  };
  const refresh = serialized(async () => {
    // What the runtime API can do now need not wait for the reload (nor for apply's haproxy -c).
    if (!engine.stopping) await runtime.sync(current()).catch(() => undefined);
    const wait = lastReload + MIN_RELOAD_GAP_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await apply().catch((err) => log?.warn(`marathon-lb: ${(err as Error).message}`));
  });

  const off = engine.events.on((e) => {
    if (
      e.eventType === 'status_update_event' ||
      e.eventType === 'health_status_changed_event' ||
      e.eventType === 'api_post_event' ||
      e.eventType === 'deployment_info' ||
      e.eventType === 'group_change_success'
    )
      void refresh();
  });
  const timer = setInterval(() => void refresh(), 5000);
  timer.unref();
  void refresh();
  const ports = o.ports ?? { http: 80, appId: 9091, stats: 9090, https: 443 };
  engine.addStatusSection('marathon-lb', () => ({
    summary: haproxy.pid
      ? [
          `haproxy pid ${haproxy.pid} on ${bindAddr} (groups ${o.groups.join(',')}; http :${ports.http}${o.certs ? `, https :${ports.https ?? 443}` : ''}): ${services} service(s), ${haproxy.reloads} reload(s)${haproxy.restarts ? `, ${haproxy.restarts} restart(s) after it died` : ''}; stats http://${o.statsBind}:${ports.stats}/haproxy?stats`,
          ...rejected.map((b) => `left out ${b.app}: ${b.error.split('\n')[0]}`),
        ]
      : ['not running (no app with HAPROXY_GROUP labels for its groups)'],
    pid: haproxy.pid ?? null,
    restarts: haproxy.restarts,
    bindAddr,
    services,
    reloads: haproxy.reloads,
    rejected,
    stats: `http://${o.statsBind}:${ports.stats}/haproxy?stats`,
    // Where each app is served by the balancer (a deploy's verdict and `baton status` show it).
    perApp: perAppLines(haproxy.pid ? current() : [], ports.http, bindAddr),
  }));
  // Before any task is signalled while HAProxy runs, the LB has caught up: the task out of rotation,
  // its replacements in. Narrowing this to tasks or apps HAProxy served measurably let ECONNRESETs
  // through in `npm run bench:strategies` (docs/performance.md); a refresh is cheap.
  engine.addKillGate(async () => {
    if (haproxy.pid) await refresh();
  });
  engine.addRoutes(trafficRoutes({ haproxy, splits, services: () => current(), refresh }));
  lbMetrics(engine.metrics, haproxy);
  countRestarts(engine.metrics, 'marathon-lb', haproxy);
  // A killed HAProxy is started again with the current configuration, then refreshed (weights of a
  // split, maintenance of draining tasks live in its runtime, not in the file).
  haproxy.supervise(() => void refresh());
  const endpoints = serveEndpoints({ haproxy, services: () => current(), refresh }).catch((err: Error) => {
    log?.warn(`marathon-lb: its endpoints (/_haproxy_getpids, ...) are not served: ${err.message}`);
    return async () => undefined;
  });
  engine.onStop(async () => {
    haproxy.unsupervise();
    off();
    clearInterval(timer);
    await (
      await endpoints
    )();
    await refresh.idle();
    // HAProxy outlives the engine while it serves something (the next engine adopts it), as tasks do.
    if (current().length === 0) await haproxy.stop();
  });
  return { haproxy, refresh, rejected: () => rejected };
}

/** Per app: the balancer's address for each of its services (`lb 127.0.2.1:10000`, `lb http://web.example`). */
function perAppLines(services: Service[], httpPort: number, lbAddress: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of services) {
    const lines = (out[s.appId] ??= []);
    const bind = s.bindAddr === '*' || s.bindAddr === '0.0.0.0' ? lbAddress : s.bindAddr;
    lines.push(`lb ${bind}:${s.servicePort}${s.mode === 'http' ? ' (http)' : ''}`);
    for (const v of s.vhosts) lines.push(`lb http://${v}${httpPort === 80 ? '' : `:${httpPort}`} (vhost)`);
  }
  return out;
}

/**
 * marathon-lb's backends on the engine's registry, read from HAProxy's own stats when Prometheus
 * scrapes: servers by state, current sessions, 5xx answers and total weight per backend. Per
 * backend, not per server: a server is a task, and task ids make unbounded label values.
 */
function lbMetrics(registry: Registry, haproxy: Haproxy): void {
  const prom = require('prom-client') as typeof Prom;
  let rows: Record<string, string>[] = [];
  let at = 0;
  // One `show stat` per scrape, shared by the gauges below (each collects on its own).
  const stats = async () => {
    if (Date.now() - at > 500) {
      rows = haproxy.pid ? await haproxy.stats().catch(() => []) : [];
      at = Date.now();
    }
    return rows.filter((r) => r.svname !== 'FRONTEND' && r.svname !== 'BACKEND' && r.pxname !== 'stats');
  };
  const per = (list: Record<string, string>[], f: (r: Record<string, string>) => number) => {
    const m = new Map<string, number>();
    for (const r of list) m.set(r.pxname, (m.get(r.pxname) ?? 0) + f(r));
    return m;
  };
  const num = (v: string | undefined) => Number(v ?? 0) || 0;
  new prom.Gauge({
    name: 'baton_lb_servers',
    help: "marathon-lb's servers (tasks) per backend, by HAProxy state (UP, DOWN, MAINT, DRAIN, …)",
    labelNames: ['backend', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const m = new Map<string, number>();
      for (const r of await stats()) {
        const k = `${r.pxname}\0${(r.status ?? '').split(' ')[0]}`;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      for (const [k, n] of m) {
        const [backend, state] = k.split('\0');
        this.set({ backend, state }, n);
      }
    },
  });
  for (const [name, help, field] of [
    ['baton_lb_backend_sessions', 'Current sessions per marathon-lb backend', 'scur'],
    ['baton_lb_backend_responses_5xx', "5xx answers per marathon-lb backend since HAProxy's last reload", 'hrsp_5xx'],
    [
      'baton_lb_backend_weight',
      "The sum of a marathon-lb backend's server weights (a canary's share shows here)",
      'weight',
    ],
  ] as const)
    new prom.Gauge({
      name,
      help,
      labelNames: ['backend'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [backend, v] of per(await stats(), (r) => num(r[field]))) this.set({ backend }, v);
      },
    });
}
