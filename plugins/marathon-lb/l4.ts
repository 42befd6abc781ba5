import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { serialized, type Contract } from '../../core/index.js';
import { renderHead, renderServices } from './config.js';
import { Haproxy } from './haproxy.js';
import { countRestarts } from './restarts.js';
import type { Service } from './model.js';
import { RuntimeSync } from './runtime-sync.js';
import { clean, serverId, serverName } from './services.js';

export type L4Service = Contract<'vip'>['service'];
type L4Source = Contract<'vip'>['source'];
/** What the data plane needs of the engine: where its state lives, and when it stops. */
export type L4Host = { readonly settings: { readonly stateDir: string } } & Partial<
  Pick<Contract<'engine'>['api'], 'stopping' | 'metrics'>
> &
  Pick<Contract<'engine'>['api'], 'onStop'>;

const MIN_RELOAD_GAP_MS = 250;

/** Whether `address:port` can be bound now (HAProxy's `-c` does not check; a failed bind would sink every VIP). */
function bindable(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      resolve(`cannot listen on ${address}:${port}: ${err.code ?? err.message}`),
    );
    s.listen({ host: address, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

/**
 * VIP traffic through HAProxy (the vip plugin's data plane when marathon-lb is loaded and haproxy is
 * installed): one TCP frontend per VIP on its own address, `balance leastconn` over the running
 * tasks, `retries 3` with `option redispatch 1` so a refused connection goes to another task, and
 * inactive tasks in maintenance at once through the runtime API (their open connections carry on).
 * An HAProxy of its own (`<state>/vip-haproxy`): marathon-lb's binds the public agent's ports,
 * which a VIP-only engine must not take; like that one it outlives the engine and is adopted.
 * Why HAProxy: the Node proxy reached 0.6–0.86 of HAProxy's throughput (docs/performance.md).
 */
export function attachL4(engine: L4Host, source: L4Source, log?: { info(m: string): void; warn(m: string): void }) {
  const runDir = path.join(engine.settings.stateDir, 'vip-haproxy');
  const haproxy = new Haproxy(runDir, log);
  const runtime = new RuntimeSync(haproxy);
  /** VIPs left out because their address cannot be bound, by key. */
  const unbindable = new Map<string, string>();
  /** Keys in the running configuration (those need no bind check: HAProxy holds them). */
  let served = new Set<string>();
  let lastReload = 0;
  let lastStats: Record<string, string>[] = [];
  /** The VIPs of the last refresh: what status reports on (reading the source again would rebuild every VIP per call). */
  let lastWanted: L4Service[] = [];
  // An adopted HAProxy (engine restart) already holds its VIP addresses: no bind check for those,
  // and its servers are the configured ones.
  let adopted = Boolean(haproxy.pid);
  if (adopted && existsSync(haproxy.configFile)) {
    for (const m of readFileSync(haproxy.configFile, 'utf8').matchAll(/^\s+bind (\S+):(\d+)$/gm))
      served.add(`${m[1]}:${m[2]}`);
  }

  const backendOf = (v: L4Service) => `vip_${clean(v.address)}_${v.port}`;
  const toService = (v: L4Service): Service => {
    const ids = new Set<number>();
    return {
      appId: v.key,
      index: 0,
      backend: backendOf(v),
      servicePort: v.port,
      bindAddr: v.address,
      mode: 'tcp',
      balance: 'leastconn',
      sticky: false,
      vhosts: [],
      weight: 0,
      redirectToHttps: false,
      hsts: false,
      servers: v.backends.map((b) => {
        const name = serverName(b.host, b.host, b.port);
        return {
          name,
          id: serverId(name, ids),
          ip: b.host,
          port: b.port,
          cookie: '',
          taskId: b.taskId,
          appId: v.key,
          disabled: !b.active,
        };
      }),
    };
  };

  const apply = async () => {
    if (engine.stopping) return;
    const wanted = source.services();
    lastWanted = wanted;
    // New VIP addresses must be bindable before they go into the configuration.
    for (const v of wanted) {
      if (served.has(v.key)) continue;
      const error = await bindable(v.address, v.port);
      if (error) {
        if (!unbindable.has(v.key)) log?.warn(`VIP ${v.key} not served: ${error}`);
        unbindable.set(v.key, error);
      } else unbindable.delete(v.key);
    }
    const list = wanted.filter((v) => !unbindable.has(v.key)).map(toService);
    await runtime.sync(list);
    if (list.length === 0 && !haproxy.pid) return;
    const wait = lastReload + MIN_RELOAD_GAP_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const r = await haproxy.apply([...renderHead({ runDir }), ...renderServices(list)].join('\n') + '\n');
    if (r.status === 'invalid') return log?.warn(`VIP data plane: HAProxy refused its configuration: ${r.error}`);
    if (r.status !== 'unchanged' || adopted) {
      adopted = false;
      lastReload = Date.now();
      runtime.reloaded(list);
      served = new Set(wanted.filter((v) => !unbindable.has(v.key)).map((v) => v.key));
    }
    await runtime.sync(list);
    lastStats = await haproxy.stats();
  };
  const refresh = serialized(() => apply().catch((err) => log?.warn(`VIP data plane: ${(err as Error).message}`)));
  // Killed, it is started again with its configuration, then refreshed (runtime states: draining backends).
  haproxy.supervise(() => void refresh());
  if (engine.metrics) countRestarts(engine.metrics, 'vip', haproxy);

  engine.onStop(async () => {
    haproxy.unsupervise();
    await refresh.idle();
    // Like tasks, HAProxy outlives the engine while it serves VIPs (the next engine adopts it).
    if (source.services().length === 0) await haproxy.stop();
  });

  return {
    name: 'haproxy',
    refresh,
    summary: () =>
      `HAProxy${haproxy.pid ? ` pid ${haproxy.pid}` : ' (not started: no VIP yet)'}, ${haproxy.reloads} reload(s)${haproxy.restarts ? `, ${haproxy.restarts} restart(s) after it died` : ''}`,
    status(key: string) {
      if (unbindable.has(key)) return { backends: [], error: unbindable.get(key)! };
      const v = lastWanted.find((x) => x.key === key);
      if (!v) return undefined;
      const backend = backendOf(v);
      // What HAProxy does, not what it was asked: a backend is active once its server takes connections.
      return {
        backends: v.backends.map((b) => {
          const row = lastStats.find((s) => s.pxname === backend && s.svname === serverName(b.host, b.host, b.port));
          const active = row !== undefined && !/MAINT|DRAIN|DOWN/.test(row.status ?? '');
          return { ...b, active, open: Number(row?.scur ?? 0), total: Number(row?.stot ?? 0) };
        }),
      };
    },
  };
}
