import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { Ago, appLink, Badge, Link, Loading, Section, Table } from '../components.js';
import { useLive } from '../live.js';
import type { App } from '../types.js';
import { appHealth } from './health.js';

/** What an app runs: its image, or the start of its command. */
export const runs = (a: App) =>
  a.container?.docker?.image ?? (a.cmd ? (a.cmd.length > 48 ? a.cmd.slice(0, 47) + '…' : a.cmd) : '–');

/** Every app, filterable by id, with its instances, health and resources. */
export function AppsView() {
  const apps = useLive(
    () => get<{ apps: App[] }>('/v2/apps?embed=apps.counts&embed=apps.deployments&embed=apps.lastTaskFailure'),
    [],
  );
  const [filter, setFilter] = useState('');
  if (!apps.data) return <Loading error={apps.error} />;
  const list = apps.data.apps.filter((a) => a.id.includes(filter)).sort((a, b) => a.id.localeCompare(b.id));
  return (
    <Section
      title={`Apps (${apps.data.apps.length})`}
      actions={
        <input
          type="search"
          placeholder="filter by id"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
      }
    >
      <Table
        id="apps"
        head={['App', 'State', 'Running', 'Healthy', 'Staged', 'CPUs', 'Memory', 'Runs', 'Version', 'Last failure']}
        empty={filter ? 'No app matches.' : 'No apps yet: baton deploy <recipe>.'}
        rows={list.map((a) => {
          const h = appHealth(a);
          return [
            <Link to={appLink(a.id)}>{a.id}</Link>,
            <Badge value={h.label} title={h.why} />,
            `${a.tasksRunning ?? 0}/${a.instances}`,
            a.healthChecks?.length ? `${a.tasksHealthy ?? 0}/${a.instances}` : <span class="muted">no checks</span>,
            String(a.tasksStaged ?? 0),
            String(a.cpus),
            `${a.mem} MiB`,
            <code>{runs(a)}</code>,
            <span class="muted">{a.version}</span>,
            a.lastTaskFailure ? (
              <span class="muted" title={a.lastTaskFailure.message}>
                {a.lastTaskFailure.state?.replace(/^TASK_/, '').toLowerCase()} <Ago at={a.lastTaskFailure.timestamp} />
              </span>
            ) : (
              ''
            ),
          ];
        })}
      />
    </Section>
  );
}
