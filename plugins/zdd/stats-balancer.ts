import { BatonError, httpRequest } from '../../core/index.js';
import { Balancer, type GroupServer, type GroupState } from './balancer.js';
import { coloursOf, type Api } from './colours.js';

/** marathon-lb's server name characters (everything outside [a-zA-Z0-9-] is `_`). */
const clean = (s: string) => s.replace(/[^a-zA-Z0-9-]/g, '_');

/** HAProxy's stats CSV (`# pxname,svname,...`) as objects. */
function parseCsv(csv: string): Record<string, string>[] {
  const [head, ...rows] = csv.split('\n').filter((l) => l.trim());
  if (!head?.startsWith('# ')) return [];
  const keys = head.slice(2).split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], v])));
}

/**
 * HAProxy workers of one marathon-lb still finishing connections after a reload, as zdd.py reads
 * them: `/_haproxy_getpids` lists the master and its workers, so more than two means a reload is
 * draining and the stats are not to be trusted yet. A marathon-lb without the endpoint (404)
 * counts as settled; one that does not answer as reloading (zdd.py: "assume reloading on any error").
 */
async function oldWorkersAt(statsUrl: string, signal?: AbortSignal): Promise<number> {
  try {
    const r = await httpRequest(new URL('/_haproxy_getpids', statsUrl), {
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(5000)]) : AbortSignal.timeout(5000),
    });
    if (r.status === 404) return 0;
    if (!r.ok) return 1;
    return Math.max(0, (await r.text()).split(/\s+/).filter(Boolean).length - 2);
  } catch (err) {
    if (signal?.aborted) throw err;
    return 1;
  }
}

/**
 * One stats page, read again (up to three times, 250 ms apart) when the connection fails: a
 * marathon-lb reload ends the old HAProxy worker, which closes the kept-alive connection a read
 * was about to reuse ("other side closed"). An HTTP error status is an answer and is not retried.
 */
async function readStats(url: string, signal?: AbortSignal): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await httpRequest(url, {
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
      });
      if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { answered: true });
      return await r.text();
    } catch (err) {
      if (signal?.aborted || attempt >= 3 || (err as { answered?: boolean }).answered) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** `BATON_MARATHON_LB_STATS`: the stats pages of a cluster's marathon-lb instances, comma-separated. */
export const statsUrls = (env = process.env) =>
  (env.BATON_MARATHON_LB_STATS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);

/**
 * A real cluster's marathon-lb, read as zdd.py reads it: the HAProxy stats CSV of every instance
 * (`<stats URL>;csv`). Servers are matched to the colours' tasks by name (marathon-lb names them
 * `[host_]ip_port`); a task's server counts as out of rotation only when every instance has it in
 * MAINT, and its sessions are summed over instances. marathon-lb has no traffic-split API, so
 * weights cannot be set (`splits` is false): blue-green and canary go by instance counts there.
 */
export class StatsBalancer extends Balancer {
  override readonly splits = false;

  constructor(
    api: Api,
    group: string,
    private readonly urls: string[],
  ) {
    super(api, group);
  }

  override async state(signal?: AbortSignal): Promise<GroupState> {
    const sheets = await Promise.all(
      this.urls.map(async (u) => {
        const url = u.includes(';csv') ? u : `${u};csv`;
        try {
          const csv = await readStats(url, signal);
          return parseCsv(csv).filter((row) => row.svname !== 'FRONTEND' && row.svname !== 'BACKEND');
        } catch (err) {
          if (signal?.aborted) throw err;
          throw new BatonError(
            'BATON_TARGET_UNAVAILABLE',
            `cannot read marathon-lb's stats at ${u}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`,
          );
        }
      }),
    );
    const servers: GroupServer[] = [];
    for (const app of await coloursOf(this.api, this.group, signal)) {
      for (const t of app.tasks ?? []) {
        const mine = (row: Record<string, string>) =>
          t.ports.some((p) => row.svname.endsWith(`_${p}`) && row.svname.includes(clean(t.host)));
        const rows = sheets.map((rs) => rs.filter(mine));
        const all = rows.flat();
        if (all.length === 0) continue;
        const sum = (k: string) => all.reduce((n, r) => n + Number(r[k] || 0), 0);
        // Out of rotation only where every instance that serves it says so.
        const status = rows.every((rs) => rs.length === 0 || rs.every((r) => r.status.startsWith('MAINT')))
          ? 'MAINT'
          : (all.find((r) => !r.status.startsWith('MAINT'))?.status ?? all[0].status);
        servers.push({
          name: all[0].svname,
          taskId: t.id,
          appId: app.id,
          status,
          weight: Math.max(...all.map((r) => Number(r.weight || 0))),
          scur: sum('scur'),
          qcur: sum('qcur'),
          stot: sum('stot'),
          hrsp5xx: sum('hrsp_5xx'),
          econ: sum('econ'),
          eresp: sum('eresp'),
          rtime: Math.max(...all.map((r) => Number(r.rtime || 0))),
        });
      }
    }
    const oldWorkers = (await Promise.all(this.urls.map((u) => oldWorkersAt(u, signal)))).reduce((a, b) => a + b, 0);
    return { group: this.group, split: null, oldWorkers, running: sheets.some((s) => s.length > 0), servers };
  }

  override async split(): Promise<GroupState> {
    throw new BatonError(
      'BATON_UNSUPPORTED',
      "traffic weights need Baton's own marathon-lb (the embedded engine): a cluster's marathon-lb only drains by instance counts",
    );
  }

  override async clear(): Promise<void> {
    /* no split to clear on a cluster's marathon-lb */
  }
}

/** The balancer for a deploy: the cluster's marathon-lb stats pages when given, else the engine's traffic API. */
export function balancerFor(api: Api, group: string): Balancer {
  const urls = statsUrls();
  return urls.length ? new StatsBalancer(api, group, urls) : new Balancer(api, group);
}
