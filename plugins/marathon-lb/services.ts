import { createHash } from 'node:crypto';
import { portLabel, portSelected, truthy } from './labels.js';
import { mergeDeploymentGroups, splitWeights } from './deployment-groups.js';
import type { LbApp, LbOptions, LbTask, Service, Split } from './model.js';

/** Task states marathon-lb leaves out (marathon-lb-semantics.md §1.4): all but RUNNING, LOST, UNREACHABLE. */
const EXCLUDED = new Set([
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);

/** Every character outside [a-zA-Z0-9-] becomes `_` (marathon-lb's "cleaned"). */
export const clean = (s: string) => s.replace(/[^a-zA-Z0-9-]/g, '_');

/** Service ports by index: portMappings' servicePort in bridge/container mode, else portDefinitions' port. */
function servicePorts(app: LbApp): number[] {
  const mode = app.networks?.at(-1)?.mode ?? 'host';
  if (mode === 'container' || mode === 'container/bridge') {
    return (app.container?.portMappings ?? app.container?.docker?.portMappings ?? []).map((m) => m.servicePort ?? 0);
  }
  return (app.portDefinitions ?? []).map((d) => d.port);
}

/**
 * A task with a passing check is in (any check alive, marathon-lb-semantics.md §1.4; Marathon's own
 * `tasksHealthy` needs every check); with results but none alive, out; with none yet, out (no LRU memory here).
 */
function healthy(app: LbApp, t: LbTask): boolean {
  if (!app.healthChecks?.length) return true;
  return (t.healthCheckResults ?? []).some((r) => r.alive);
}

/** Server name: host, IP and port joined with `_`, cleaned; the host is left out when it is the IP (marathon-lb-semantics.md §1.6). */
export function serverName(host: string, ip: string, port: number): string {
  return clean(host === ip ? `${ip}_${port}` : `${host}_${ip}_${port}`);
}

/** Stable server ids: sha256(name) mod 32767, never 0, re-hashed on a collision — server state survives reloads. */
export function serverId(name: string, used: Set<number>): number {
  for (let k = 0; ; k++) {
    const id =
      createHash('sha256')
        .update(k === 0 ? name : `${name}#${k}`)
        .digest()
        .readUInt32BE(0) % 32767;
    if (id !== 0 && !used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

/**
 * The services an LB serves (marathon-lb-semantics.md §1.3–§1.9): one per (app, service port) selected by
 * group, with its mode, balance, vhosts and checks from labels and health checks, and one server
 * per eligible task. A service without servers is left out. Sorted by (app id, service port);
 * servers by (host, port). The colours of a deployment group are served as one (zdd, marathon-lb-semantics.md §2), with
 * draining servers disabled, or weighted by the group's traffic split.
 */
export function buildServices(apps: LbApp[], o: LbOptions, splits?: ReadonlyMap<string, Split>): Service[] {
  const out: Service[] = [];
  const ids = new Set<number>();
  for (const app of mergeDeploymentGroups(apps, splits).sort((a, b) => a.id.localeCompare(b.id))) {
    const labels = app.labels ?? {};
    servicePorts(app).forEach((sp, n) => {
      if (!portSelected(labels, n, o.groups, o.strict)) return;
      const port = Number(portLabel(labels, n, 'PORT') ?? sp);
      if (!port) return;
      const hc = app.healthChecks?.find((h) => h.port !== undefined || (h.portIndex ?? 0) === n);
      const vhosts = (portLabel(labels, n, 'VHOST') ?? '')
        .split(',')
        .map((v) => v.trim().toLowerCase())
        .filter(Boolean);
      const labelMode = portLabel(labels, n, 'MODE')?.toLowerCase();
      const mode = (
        labelMode === 'http' || labelMode === 'tcp'
          ? labelMode
          : hc?.protocol === 'HTTP'
            ? 'http'
            : vhosts.length
              ? 'http'
              : 'tcp'
      ) as 'http' | 'tcp';
      const path = portLabel(labels, n, 'PATH');
      const weight = Number(portLabel(labels, n, 'BACKEND_WEIGHT') ?? 0) || 0;
      const backend = `${clean(app.id.replace(/^\//, '').replace(/\//g, '_'))}_${port}`;
      const servers = (app.tasks ?? [])
        .filter(
          (t) =>
            t.host && !EXCLUDED.has(t.state ?? 'TASK_RUNNING') && t.ports[n] && (!o.healthCheck || healthy(app, t)),
        )
        .map((t) => ({
          host: t.host,
          ip: t.host,
          port: t.ports[n],
          taskId: t.id,
          appId: t.appId ?? app.id,
          disabled: t.draining === true,
        }))
        .sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port)
        .map((s) => {
          const name = serverName(s.host, s.ip, s.port);
          return {
            name,
            id: serverId(name, ids),
            ip: s.ip,
            port: s.port,
            cookie: createHash('sha1').update(name).digest('hex').slice(0, 10),
            taskId: s.taskId,
            appId: s.appId,
            disabled: s.disabled,
          };
        });
      if (servers.length === 0) return;
      if (app.split) {
        const inSplit = servers.filter((v) => v.appId === app.split!.app).length;
        const w = splitWeights(app.split.percent, inSplit, servers.length - inSplit);
        for (const v of servers) Object.assign(v, { weight: v.appId === app.split.app ? w.split : w.other });
      }
      const allowed = portLabel(labels, n, 'BACKEND_NETWORK_ALLOWED_ACL')?.split(/\s+/).filter(Boolean);
      out.push({
        appId: app.id,
        index: n,
        backend,
        servicePort: port,
        bindAddr: portLabel(labels, n, 'BIND_ADDR') ?? o.bindAddr,
        ...(portLabel(labels, n, 'BIND_OPTIONS') ? { bindOptions: portLabel(labels, n, 'BIND_OPTIONS') } : {}),
        mode,
        balance: portLabel(labels, n, 'BALANCE') ?? 'roundrobin',
        sticky: truthy(portLabel(labels, n, 'STICKY')),
        vhosts,
        ...(path ? { path } : {}),
        weight: path && weight === 0 ? 1 : weight,
        redirectToHttps: truthy(portLabel(labels, n, 'REDIRECT_TO_HTTPS')),
        hsts: truthy(portLabel(labels, n, 'USE_HSTS')),
        ...(portLabel(labels, n, 'HTTP_BACKEND_REDIR')
          ? { redirectRoot: portLabel(labels, n, 'HTTP_BACKEND_REDIR') }
          : {}),
        ...(allowed?.length ? { allowed } : {}),
        ...(hc
          ? {
              check: {
                kind: mode === 'http' && /HTTP/.test(hc.protocol ?? '') ? 'http' : 'tcp',
                path: hc.path ?? '/',
                intervalS: hc.intervalSeconds ?? 60,
                timeoutS: hc.timeoutSeconds ?? 20,
                fall: (hc.maxConsecutiveFailures ?? 3) + 1,
              } as const,
            }
          : {}),
        servers,
      });
    });
  }
  return out.sort((a, b) => a.appId.localeCompare(b.appId) || a.servicePort - b.servicePort);
}
