import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Haproxy } from './haproxy.js';
import type { TrafficGroup, TrafficServer } from './contract.js';
import type { Service, Split } from './model.js';

/** Written whole, then renamed: a crash leaves the old file or the new one, never half of one. */
function writeJson(file: string, value: unknown): void {
  writeFileSync(file + '.tmp', JSON.stringify(value));
  renameSync(file + '.tmp', file);
}

/** A split as stored: the weights' target plus a note a strategy keeps beside it (its step, commands). */
export interface StoredSplit extends Split {
  note?: Record<string, unknown>;
}

/**
 * Traffic splits per deployment group, kept in a file (written whole, then renamed) so a split —
 * a canary at 5 % — survives an engine restart instead of falling back to instance counts.
 */
export class SplitStore {
  private readonly map = new Map<string, StoredSplit>();
  constructor(private readonly file: string) {
    if (existsSync(file))
      for (const s of JSON.parse(readFileSync(file, 'utf8')) as StoredSplit[]) this.map.set(s.group, s);
  }
  all(): ReadonlyMap<string, StoredSplit> {
    return this.map;
  }
  set(s: StoredSplit | { group: string; remove: true }): void {
    if ('remove' in s) this.map.delete(s.group);
    else this.map.set(s.group, s);
    writeJson(this.file, [...this.map.values()]);
  }
}

/** Tasks last seen alive, kept in a file so a restarted engine (no health results yet) keeps serving them. */
export class AliveTasks {
  tasks = new Set<string>();
  constructor(private readonly file: string) {
    if (existsSync(file)) this.tasks = new Set(JSON.parse(readFileSync(file, 'utf8')) as string[]);
  }
  /** Remember the tasks alive now; forget those that are gone or reported dead. */
  update(apps: { tasks?: { id: string; healthCheckResults?: { alive: boolean }[] }[] }[]): void {
    const next = new Set(
      apps.flatMap((a) => (a.tasks ?? []).filter((t) => t.healthCheckResults?.some((r) => r.alive)).map((t) => t.id)),
    );
    if (next.size === this.tasks.size && [...next].every((t) => this.tasks.has(t))) return;
    this.tasks = next;
    writeJson(this.file, [...next]);
  }
}

const num = (v: string | undefined) => Number(v ?? 0) || 0;

/**
 * The LB's traffic API on the engine (under /baton/v1/x/marathon-lb/): a deployment group's
 * servers with their HAProxy state and counters, and its traffic split. Strategies (blue-green,
 * canary) drive deploys through it; a split applies within a second (runtime API, then a reload).
 */
export function trafficRoutes(lb: {
  haproxy: Haproxy;
  splits: SplitStore;
  services(): Service[];
  refresh(): Promise<void>;
}) {
  // What a canary reported at each analysis (its note's `analysis`), per group, for the dashboard's
  // chart: the latest 300, in memory (a restarted engine starts a new chart).
  const history = new Map<string, Record<string, unknown>[]>();
  const group = async (name: string): Promise<TrafficGroup> => {
    const services = lb.services().filter((s) => s.appId === `/${name}`);
    const rows = await lb.haproxy.stats();
    const servers: TrafficServer[] = [];
    for (const s of services) {
      for (const v of s.servers) {
        const r = rows.find((x) => x.pxname === s.backend && x.svname === v.name);
        servers.push({
          backend: s.backend,
          name: v.name,
          taskId: v.taskId,
          appId: v.appId,
          status: r?.status ?? 'NEW',
          weight: r ? num(r.weight) : (v.weight ?? 1),
          scur: num(r?.scur),
          qcur: num(r?.qcur),
          stot: num(r?.stot),
          hrsp2xx: num(r?.hrsp_2xx),
          hrsp5xx: num(r?.hrsp_5xx),
          econ: num(r?.econ),
          eresp: num(r?.eresp),
          rtime: num(r?.rtime),
        });
      }
    }
    return {
      group: name,
      history: history.get(name) ?? [],
      backends: services.map((s) => s.backend),
      split: lb.splits.all().get(name) ?? null,
      oldWorkers: await lb.haproxy.oldWorkers(),
      running: lb.haproxy.pid !== undefined,
      servers,
    };
  };
  return [
    {
      // The deployment groups marathon-lb serves (HAPROXY_DEPLOYMENT_GROUP) and those with a split.
      method: 'GET' as const,
      path: 'marathon-lb/groups',
      handler: async () => {
        const names = new Set<string>(lb.splits.all().keys());
        for (const s of lb.services()) for (const v of s.servers) if (v.appId !== s.appId) names.add(s.appId.slice(1));
        return { body: { groups: [...names].sort() } };
      },
    },
    {
      // Every frontend, backend and server with HAProxy's state and counters (the dashboard's LB view).
      method: 'GET' as const,
      path: 'marathon-lb/stats',
      handler: async () => ({
        body: {
          running: lb.haproxy.pid !== undefined,
          rows: (await lb.haproxy.stats()).map((r) => ({
            proxy: r.pxname,
            name: r.svname,
            type: r.svname === 'FRONTEND' ? 'frontend' : r.svname === 'BACKEND' ? 'backend' : 'server',
            status: r.status ?? '',
            weight: num(r.weight),
            sessions: num(r.scur),
            total: num(r.stot),
            http5xx: num(r.hrsp_5xx),
            errors: num(r.econ) + num(r.eresp),
            check: r.check_status ?? '',
          })),
        },
      }),
    },
    {
      method: 'GET' as const,
      path: 'marathon-lb/groups/:group',
      handler: async (req: { params: Record<string, string> }) => ({ body: await group(req.params.group) }),
    },
    {
      method: 'PUT' as const,
      path: 'marathon-lb/groups/:group/split',
      handler: async (req: { params: Record<string, string>; body: unknown }) => {
        const b = (req.body ?? {}) as Partial<StoredSplit>;
        const cur = lb.splits.all().get(req.params.group);
        const next = {
          ...cur,
          ...b,
          ...(cur?.note || b.note ? { note: { ...cur?.note, ...b.note } } : {}),
          group: req.params.group,
        } as StoredSplit;
        if (
          typeof next.app !== 'string' ||
          typeof next.percent !== 'number' ||
          next.percent < 0 ||
          next.percent > 100
        ) {
          return {
            status: 422,
            body: {
              message: 'Object is not valid',
              details: [{ path: '/percent', errors: ['a split needs "app" and "percent" between 0 and 100'] }],
            },
          };
        }
        lb.splits.set(next);
        const analysis = b.note?.analysis as Record<string, unknown> | undefined;
        if (analysis) {
          const list = history.get(req.params.group) ?? [];
          list.push({ ...analysis, at: Date.now(), step: b.note?.step, weight: next.percent });
          history.set(req.params.group, list.slice(-300));
        }
        await lb.refresh();
        return { body: await group(req.params.group) };
      },
    },
    {
      method: 'DELETE' as const,
      path: 'marathon-lb/groups/:group/split',
      handler: async (req: { params: Record<string, string> }) => {
        lb.splits.set({ group: req.params.group, remove: true });
        history.delete(req.params.group);
        await lb.refresh();
        return { body: await group(req.params.group) };
      },
    },
  ];
}
