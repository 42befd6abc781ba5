import { ApiError, get } from '../api.js';
import { Badge, Loading, Section, Table } from '../components.js';
import { useLive } from '../live.js';
import type { LbRow, Status } from '../types.js';

interface Vip {
  label: string;
  address: string;
  port: number;
  dnsName: string | null;
  apps: string[];
  error: string | null;
  backends: { host: string; port: number; active: boolean; open: number }[];
}

const ORDER = { frontend: 0, backend: 1, server: 2 };

/** HAProxy's rows by proxy, in the order proxies first appear: the frontend, the backend, then its servers. */
const byProxy = (rows: LbRow[]) => {
  const first = new Map<string, number>();
  rows.forEach((r, i) => first.has(r.proxy) || first.set(r.proxy, i));
  return [...rows].sort((a, b) => first.get(a.proxy)! - first.get(b.proxy)! || ORDER[a.type] - ORDER[b.type]);
};

/** marathon-lb's HAProxy (its stats, refreshed every 2 s), the L4 VIPs and the DNS names the engine serves. */
export function BalancingView(p: { status?: Status }) {
  const lb = useLive(
    () =>
      get<{ running: boolean; rows: LbRow[] }>('/baton/v1/x/marathon-lb/stats').catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    [],
    undefined,
    2000,
  );
  const ext = p.status?.extensions ?? {};
  const vips = (ext.vips?.vips ?? []) as Vip[];
  const mlb = ext['marathon-lb'];
  return (
    <div>
      <Section title="marathon-lb (HAProxy)">
        {mlb?.summary && <p class="muted">{mlb.summary.join(' · ')}</p>}
        {lb.data === undefined ? (
          <Loading error={lb.error} />
        ) : lb.data === null ? (
          <p class="muted">marathon-lb is not part of this engine's plugins.</p>
        ) : !lb.data.running ? (
          <p class="muted">HAProxy is not running: no app has a HAPROXY_GROUP label for the balancer's groups.</p>
        ) : (
          <Table
            id="lb-stats"
            head={['Proxy', 'Server', 'Status', 'Weight', 'Sessions', 'Total', '5xx', 'Errors', 'Check']}
            rows={byProxy(lb.data.rows.filter((r) => r.proxy !== 'stats')).map((r) => [
              r.type === 'server' ? '' : <b>{r.proxy}</b>,
              r.type === 'server' ? r.name : <span class="tag">{r.type}</span>,
              r.status ? <Badge value={r.status} /> : '',
              r.type === 'server' ? String(r.weight) : '',
              String(r.sessions),
              String(r.total),
              r.http5xx ? <span class="bad-text">{r.http5xx}</span> : '0',
              r.errors ? <span class="bad-text">{r.errors}</span> : '0',
              r.check,
            ])}
          />
        )}
      </Section>
      <Section title="VIPs (L4)">
        {ext.vips?.summary && <p class="muted">{ext.vips.summary[0]}</p>}
        <Table
          id="vips"
          head={['VIP', 'Address', 'DNS name', 'Apps', 'Backends']}
          empty="No app has a VIP label."
          rows={vips.map((v) => [
            v.label,
            <code>
              {v.address}:{v.port}
            </code>,
            v.dnsName ?? '',
            v.apps.join(', '),
            v.error ? (
              <span class="bad-text">not served: {v.error}</span>
            ) : (
              v.backends.map((b) => `${b.host}:${b.port}${b.active ? '' : ' (draining)'} ${b.open} open`).join(', ')
            ),
          ])}
        />
      </Section>
      <Section title="DNS (Mesos-DNS names)">
        {ext.dns?.summary ? (
          <ul class="plain" id="dns">
            {ext.dns.summary.map((l) => (
              <li key={l}>
                <code>{l}</code>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">Service discovery is not part of this engine's plugins.</p>
        )}
      </Section>
    </div>
  );
}
