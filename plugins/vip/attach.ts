import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import { serialized, type Contract } from '../../core/index.js';
import { VipAllocator } from './allocate.js';
import type { L4Dataplane, L4Source } from './dataplane.js';
import { vipDnsName, vipsOf } from './labels.js';
import { VipProxy, type Backend } from './proxy.js';

const require = createRequire(import.meta.url);

export type EngineApi = Contract<'engine'>['api'];
type ViewInstance = Contract<'engine'>['instance'];

/** One VIP as served: its address, the names it answers to, the apps behind it and its proxy. */
export interface ServedVip {
  key: string;
  label: string;
  address: string;
  port: number;
  dnsName?: string;
  apps: string[];
  proxy?: VipProxy;
  error?: string;
}

export interface Vips {
  /** Current VIPs (after the latest refresh). */
  list(): ServedVip[];
  refresh(): Promise<void>;
}

/**
 * Keep every VIP address:port served, in step with the engine: VIPs from the apps' port labels,
 * backends from their tasks (`agent address:host port`), refreshed on every engine event and before
 * any task is signalled — so a task that is killed or turns unhealthy gets no new connections.
 * The data plane is one a plugin offers (`offer`: marathon-lb's HAProxy), else a Node proxy per VIP.
 */
export function attachVips(
  engine: EngineApi,
  range: string,
  log?: { warn(msg: string): void },
  offer?: (source: L4Source) => Promise<L4Dataplane | undefined>,
): Vips {
  const alloc = new VipAllocator(range);
  const served = new Map<string, ServedVip>();

  const table = () => {
    const want = new Map<string, ServedVip & { backends: Backend[] }>();
    const names = new Set<string>();
    // Instances by app, once per refresh (this runs on every engine event), of the apps with VIPs only.
    const withVips = [...engine.apps.values()].filter(({ app }) => vipsOf(app).vips.length > 0);
    const byApp = new Map<string, ViewInstance[]>();
    if (withVips.length > 0) {
      const wanted = new Set(withVips.map((s) => s.app.id));
      for (const i of engine.instances.values()) {
        if (!wanted.has(i.appId)) continue;
        const list = byApp.get(i.appId);
        if (list) list.push(i);
        else byApp.set(i.appId, [i]);
      }
    }
    for (const { app } of withVips) {
      for (const v of vipsOf(app).vips) {
        if (v.name) names.add(v.name);
        const address = v.ip ?? alloc.addressOf(v.name!);
        const key = `${address}:${v.port}`;
        const entry = want.get(key) ?? {
          key,
          label: v.raw,
          address,
          port: v.port,
          ...(v.name ? { dnsName: vipDnsName(v.name) } : {}),
          apps: [],
          backends: [],
        };
        if (!entry.apps.includes(app.id)) entry.apps.push(app.id);
        for (const i of byApp.get(app.id) ?? []) {
          if (!i.taskId || !i.agentId) continue;
          if (i.condition !== 'Running' && i.condition !== 'Killing') continue;
          const agent = engine.agent(i.agentId);
          const port = i.ports[v.portIndex];
          if (!agent || !port) continue;
          const active = i.condition === 'Running' && i.goal === 'Running' && engine.isHealthy(i);
          entry.backends.push({ host: agent.address, port, active, taskId: i.taskId });
        }
        want.set(key, entry);
      }
    }
    alloc.retain(names);
    return want;
  };

  // Decided once, before anything listens (a data plane and a Node proxy cannot share an address).
  let plane: L4Dataplane | undefined;
  const source: L4Source = {
    services: () =>
      [...table().values()].map((w) => ({ key: w.key, address: w.address, port: w.port, backends: w.backends })),
  };
  const decided = (offer ? offer(source) : Promise.resolve(undefined)).then(
    (p) => void (plane = p),
    (err: Error) => log?.warn(`VIP data plane not available, using the Node proxy: ${err.message}`),
  );

  const apply = async () => {
    await decided;
    if (plane) {
      const want = table();
      for (const key of served.keys()) if (!want.has(key)) served.delete(key);
      for (const [key, w] of want) {
        served.set(key, {
          ...served.get(key),
          key,
          label: w.label,
          address: w.address,
          port: w.port,
          ...(w.dnsName ? { dnsName: w.dnsName } : {}),
          apps: w.apps,
        });
      }
      await plane.refresh();
      for (const s of served.values()) {
        const error = plane.status(s.key)?.error;
        if (error) s.error = error;
        else delete s.error;
      }
      return;
    }
    const want = table();
    for (const [key, s] of served) {
      if (want.has(key)) continue;
      served.delete(key);
      await s.proxy?.close();
    }
    for (const [key, w] of want) {
      let s = served.get(key);
      if (!s) {
        s = {
          key,
          label: w.label,
          address: w.address,
          port: w.port,
          ...(w.dnsName ? { dnsName: w.dnsName } : {}),
          apps: w.apps,
        };
        served.set(key, s);
        const proxy = new VipProxy(w.address, w.port);
        try {
          await proxy.listen();
          s.proxy = proxy;
        } catch (err) {
          s.error = (err as Error).message;
          log?.warn(`VIP ${w.label} cannot listen on ${key}: ${s.error}`);
        }
      }
      s.apps = w.apps;
      s.proxy?.setBackends(w.backends);
    }
  };
  // Refreshes never overlap; a call during one gets the run after it, so what it resolves covers
  // the engine as of the call (the kill gate relies on that: the killing task is out when it resolves).
  const refresh = serialized(() => apply().catch((err: Error) => log?.warn(`VIPs: ${err.message}`)));

  const off = engine.events.on(() => void refresh());
  // Before a task is signalled it is out of rotation (its open connections drain).
  engine.addKillGate(() => refresh());
  const timer = setInterval(() => void refresh(), 1000);
  timer.unref();
  void refresh();
  const perApp = () => {
    const out: Record<string, string[]> = {};
    for (const s of served.values()) {
      for (const id of s.apps) (out[id] ??= []).push(`vip ${s.label} → ${s.key}${s.dnsName ? ` (${s.dnsName})` : ''}`);
    }
    return out;
  };
  const backendsOf = (s: ServedVip) => (plane ? plane.status(s.key)?.backends : s.proxy?.stats()) ?? [];
  engine.addStatusSection('vips', () => ({
    summary: [
      `data plane: ${plane ? plane.summary() : 'Node proxy'}`,
      ...(served.size === 0
        ? ['no VIPs']
        : [...served.values()].map(
            (s) =>
              `${s.label} → ${s.key}${s.dnsName ? ` (${s.dnsName})` : ''}${s.error ? ` NOT SERVED: ${s.error}` : ''}: ${
                backendsOf(s)
                  .map((b) => `${b.host}:${b.port}${b.active ? '' : ' draining'} (${b.open} open)`)
                  .join(', ') || 'no backends'
              }`,
          )),
    ],
    perApp: perApp(),
    dataplane: plane?.name ?? 'node',
    vips: [...served.values()].map((s) => ({
      label: s.label,
      address: s.address,
      port: s.port,
      dnsName: s.dnsName ?? null,
      apps: s.apps,
      error: s.error ?? null,
      backends: backendsOf(s),
    })),
  }));
  // Each VIP's backends (by whether they take new connections) and open connections, at scrape time.
  const prom = require('prom-client') as typeof Prom;
  new prom.Gauge({
    name: 'baton_vip_backends',
    help: 'Backends of each VIP, by whether they take new connections (active) or drain (inactive)',
    labelNames: ['vip', 'state'],
    registers: [engine.metrics],
    collect() {
      this.reset();
      for (const s of served.values()) {
        const b = backendsOf(s);
        this.set({ vip: s.key, state: 'active' }, b.filter((x) => x.active).length);
        this.set({ vip: s.key, state: 'inactive' }, b.filter((x) => !x.active).length);
      }
    },
  });
  new prom.Gauge({
    name: 'baton_vip_connections',
    help: 'Connections open through each VIP',
    labelNames: ['vip'],
    registers: [engine.metrics],
    collect() {
      this.reset();
      for (const s of served.values())
        this.set(
          { vip: s.key },
          backendsOf(s).reduce((n, b) => n + (b.open ?? 0), 0),
        );
    },
  });
  engine.onStop(async () => {
    off();
    clearInterval(timer);
    await refresh.idle();
    // A data plane of another plugin outlives the engine as that plugin decides (HAProxy does, like tasks).
    for (const s of served.values()) await s.proxy?.close();
  });
  return { list: () => [...served.values()], refresh };
}
