import { readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Haproxy } from './haproxy.js';
import { runtimeCommand } from './haproxy.js';
import type { Service } from './model.js';

/**
 * marathon-lb's own HTTP endpoints on its stats port, which marathon-lb serves with Lua services
 * inside HAProxy and tools such as zdd.py depend on. Here HAProxy's stats listener hands those
 * paths to this server on a unix socket beside its configuration (config.ts), because what they
 * report is the engine's knowledge: the processes of its HAProxy, the configuration it loaded,
 * the refreshes it runs. HAProxy keeps serving traffic and its own stats page when the engine is
 * down; these paths then answer 503, as marathon-lb's would with marathon-lb gone.
 */
export interface EndpointsSource {
  haproxy: Haproxy;
  services(): Service[];
  /** SIGHUP to marathon-lb: read the apps again and regenerate. */
  refresh(): Promise<void>;
}

/** The unix socket HAProxy forwards marathon-lb's endpoints to. */
export const endpointsSocket = (runDir: string) => path.join(runDir, 'endpoints.sock');

/** The path HAProxy rewrites `/haproxy?stats;csv…` to before forwarding (config.ts). */
export const STATS_CSV_PATH = '/_haproxy_stats_csv';

export const ENDPOINT_PATHS = [
  '/_haproxy_getpids',
  '/_haproxy_getconfig',
  '/_haproxy_getvhostmap',
  '/_haproxy_getappmap',
  '/_mlb_signal/hup',
  '/_mlb_signal/usr1',
];

/** Start answering on `<runDir>/endpoints.sock`; resolves with a close function. */
export async function serveEndpoints(src: EndpointsSource): Promise<() => Promise<void>> {
  const socket = endpointsSocket(src.haproxy.runDir);
  rmSync(socket, { force: true });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mlb');
    answer(src, url)
      .then(({ status = 200, body }) => {
        res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      })
      .catch((err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${err.message}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

async function answer(src: EndpointsSource, url: URL): Promise<{ status?: number; body: string }> {
  const h = src.haproxy;
  switch (url.pathname) {
    case '/_haproxy_getpids':
      // `pidof haproxy` inside marathon-lb's container: the master and every worker, old workers
      // still draining connections after a reload included — more than two means "reloading".
      return { body: haproxyPids(h).join(' ') };
    case '/_haproxy_getconfig':
      return { body: withoutPasswords(readFileSync(h.configFile, 'utf8')) };
    case '/_haproxy_getvhostmap':
      return { body: vhostMap(src.services()) };
    case '/_haproxy_getappmap':
      return { body: appMap(src.services()) };
    case '/_mlb_signal/hup':
      await src.refresh();
      return { body: 'Sent SIGHUP signal to marathon-lb' };
    case '/_mlb_signal/usr1':
      // SIGUSR1: reload HAProxy with the configuration it has, without reading the apps again.
      await h.reload();
      return { body: 'Sent SIGUSR1 signal to marathon-lb' };
    case STATS_CSV_PATH: {
      const up = url.search.split(';').includes('up');
      return { body: marathonLbCsv(await runtimeCommand(h.socket, up ? 'show stat up' : 'show stat')) };
    }
    default:
      return { status: 404, body: 'Not found\n' };
  }
}

/**
 * The master's pid and its workers' (current and old), newest first, as `pidof` lists them. Read
 * from /proc (the master's children), not the master CLI: during a reload the master re-executes
 * itself and does not answer, which is just when this must be right.
 */
export function haproxyPids(h: Haproxy): number[] {
  const master = h.pid;
  if (!master) return [];
  const workers: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === master && state !== 'Z') workers.push(Number(entry));
    } catch {
      // gone while reading
    }
  }
  return [master, ...workers].sort((a, b) => b - a);
}

/** HAProxy 2.0's last standard stats column, the last one marathon-lb's image (HAProxy 2.0) wrote. */
const LAST_20_COLUMN = 'need_conn_est';

/**
 * HAProxy 2.6's stats CSV in the columns HAProxy 2.0 wrote. 2.6 adds columns after 2.0's last
 * (`uweight`, `agg_*`), then a `-` column and per-module counters (`h1_*`, `ssl_*`); tools that
 * read the CSV into a record type built from the header — zdd.py's namedtuple — refuse `-`.
 * Each line keeps HAProxy's trailing comma.
 */
export function marathonLbCsv(csv: string): string {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (!lines[0]?.startsWith('# ')) return csv;
  const header = splitCsv(lines[0].slice(2));
  let keep = header.indexOf(LAST_20_COLUMN) + 1;
  if (keep === 0) keep = header.includes('-') ? header.indexOf('-') : header.length;
  while (keep > 0 && header[keep - 1] === '') keep--;
  return lines.map((l, i) => (i === 0 ? '# ' : '') + cut(i === 0 ? l.slice(2) : l, keep) + ',\n').join('');
}

/** The first `n` fields of a CSV line, quoting kept as it was. */
function cut(line: string, n: number): string {
  return splitCsv(line, true).slice(0, n).join(',');
}

/** A CSV line's fields; `raw` keeps each field's quotes (HAProxy quotes fields holding commas). */
function splitCsv(line: string, raw = false): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      quoted = !quoted;
      if (raw) field += c;
    } else if (c === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * `domain2backend.map` as marathon-lb writes it with `--haproxy-map`: one `<vhost> <backend>` line
 * per virtual host of an HTTP service without a path (those route by map there, by ACL here).
 */
export function vhostMap(services: Service[]): string {
  return services
    .filter((s) => s.mode === 'http' && !s.path)
    .flatMap((s) => s.vhosts.map((v) => `${v} ${s.backend}\n`))
    .join('');
}

/** `app2backend.map`: `<app id> <backend>` for the first HTTP service of each app (the 9091 frontend's routing). */
export function appMap(services: Service[]): string {
  const seen = new Set<string>();
  return services
    .filter((s) => s.mode === 'http' && !seen.has(s.appId) && seen.add(s.appId))
    .map((s) => `${s.appId} ${s.backend}\n`)
    .join('');
}

/** The configuration as loaded, its stats credentials masked (secrets never leave through an endpoint). */
export function withoutPasswords(config: string): string {
  return config
    .replace(/^(\s*stats auth [^:\s]+:)\S+/gm, '$1********')
    .replace(/^(\s*user \S+ insecure-password )\S+/gm, '$1********');
}
