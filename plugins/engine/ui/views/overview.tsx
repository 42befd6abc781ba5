import { get } from '../api.js';
import { appLink, Badge, Link, Loading, Section, Table } from '../components.js';
import { useLive } from '../live.js';
import type { App, Deployment, Status } from '../types.js';
import { appHealth } from './health.js';

const pct = (used: number, total: number) => (total > 0 ? Math.round((100 * used) / total) : 0);

function Meter(p: { used: number; total: number; unit?: string }) {
  const v = pct(p.used, p.total);
  return (
    <span class="meter" title={`${p.used}${p.unit ?? ''} of ${p.total}${p.unit ?? ''}`}>
      <span class="fill" style={{ width: `${Math.min(100, v)}%` }} />
      <span class="label">
        {p.used}/{p.total}
        {p.unit}
      </span>
    </span>
  );
}

/** The engine at a glance: apps by health, what is deploying, what waits and why, the agents' use. */
export function OverviewView(p: { status?: Status }) {
  const apps = useLive(() => get<{ apps: App[] }>('/v2/apps?embed=apps.counts&embed=apps.deployments'), []);
  const deps = useLive(() => get<Deployment[]>('/v2/deployments'), []);
  const s = p.status;
  if (!apps.data || !s) return <Loading error={apps.error} />;
  const list = apps.data.apps;
  const byHealth = { healthy: 0, deploying: 0, unhealthy: 0, suspended: 0 };
  for (const a of list) byHealth[appHealth(a).kind]++;
  return (
    <div>
      <div class="cards">
        <div class="card">
          <b>{list.length}</b> apps
        </div>
        <div class="card">
          <b>{s.pods}</b> pods
        </div>
        <div class="card ok">
          <b>{byHealth.healthy}</b> healthy
        </div>
        <div class="card pending">
          <b>{byHealth.deploying}</b> deploying
        </div>
        <div class="card bad">
          <b>{byHealth.unhealthy}</b> unhealthy
        </div>
        <div class="card">
          <b id="tasks-running">{s.tasks.running}</b> tasks running
        </div>
        <div class="card pending">
          <b>{s.tasks.staging}</b> tasks staging
        </div>
        <div class="card">
          <b>{s.tasks.waiting}</b> waiting to be placed
        </div>
      </div>
      <Section title="Deployments in flight">
        <Table
          head={['Deployment', 'Apps', 'Step', 'Doing']}
          empty="Nothing is deploying."
          rows={(deps.data ?? []).map((d) => [
            <Link to="/ui/deployments">{d.id.slice(0, 8)}</Link>,
            d.affectedApps.map((id) => (
              <Link key={id} to={appLink(id)}>
                {id}{' '}
              </Link>
            )),
            `${d.currentStep}/${d.totalSteps}`,
            d.currentActions.map((c) => `${c.action} ${c.app ?? c.pod ?? ''}`).join(', '),
          ])}
        />
      </Section>
      <Section title="Waiting to launch">
        <Table
          head={['App', 'Instances', 'Why']}
          empty="Nothing waits for an offer."
          rows={s.queue.map((q) => [<Link to={appLink(q.appId)}>{q.appId}</Link>, String(q.count), q.why ?? ''])}
        />
      </Section>
      <Section title="Apps needing attention">
        <Table
          head={['App', 'State', 'Why']}
          empty="Every app is healthy or deploying."
          rows={list.map((a) => {
            const h = appHealth(a);
            return h.kind === 'unhealthy'
              ? [<Link to={appLink(a.id)}>{a.id}</Link>, <Badge value={h.label} />, h.why ?? '']
              : null;
          })}
        />
      </Section>
      <Section title="Agents">
        <Table
          id="agents"
          head={['Agent', 'Address', 'Role', 'Tasks', 'CPUs', 'Memory (MiB)', 'Disk (MiB)', 'Ports', 'Attributes']}
          rows={s.agents.map((a) => [
            a.hostname,
            a.address,
            a.role ?? '*',
            String(a.tasks),
            <Meter used={a.used.cpus} total={a.resources.cpus} />,
            <Meter used={a.used.mem} total={a.resources.mem} />,
            <Meter used={a.used.disk} total={a.resources.disk} />,
            `${a.used.ports} used of ${a.resources.ports}`,
            Object.entries(a.attributes ?? {})
              .map(([k, v]) => `${k}:${v}`)
              .join(' '),
          ])}
        />
      </Section>
      <Section title="Engine">
        <ul class="plain">
          {Object.entries(s.extensions).map(([name, ext]) => (
            <li key={name}>
              <b>{name}</b>: {(ext.summary ?? []).slice(0, 3).join(' · ')}
            </li>
          ))}
          <li>
            <b>state</b>: {s.stateDir}
          </li>
        </ul>
      </Section>
    </div>
  );
}
