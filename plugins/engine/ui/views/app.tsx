import { useState } from 'preact/hooks';
import { redactSecrets } from '../../../../core/report/secrets.js';
import { CHANGES, get, idPath } from '../api.js';
import { Action, Ago, Badge, del, Link, Loading, post, put, Section, Table } from '../components.js';
import { useLive } from '../live.js';
import { navigate } from '../router.js';
import type { App, Deployment, History, Status, Task } from '../types.js';
import { runs } from './apps.js';
import { diffLines } from './diff.js';
import { appHealth, taskHealth } from './health.js';

/** What Marathon adds to an app that is not part of its definition (left out of version diffs). */
const RUNTIME_FIELDS = [
  'version',
  'versionInfo',
  'tasks',
  'tasksRunning',
  'tasksStaged',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'lastTaskFailure',
  'readinessCheckResults',
  'taskStats',
];

/** An app definition as shown: runtime fields left out, secret-looking env values masked. */
export const definitionText = (a: App) => {
  const copy: Record<string, unknown> = { ...(a as unknown as Record<string, unknown>) };
  for (const f of RUNTIME_FIELDS) delete copy[f];
  return JSON.stringify(redactSecrets(copy), null, 2);
};

const endpoint = (t: Task) => `${t.host}:${t.ports.join(',')}`;

function Instances(p: { app: App }) {
  const a = p.app;
  const checks = a.healthChecks?.length ?? 0;
  const tasks = [...(a.tasks ?? [])].sort((x, y) => x.id.localeCompare(y.id));
  const resident = tasks.some((t) => (t.localVolumes ?? []).length > 0);
  return (
    <Table
      id="instances"
      head={['Task', 'Agent', 'Endpoint', 'State', 'Health', 'Started', 'Version', '']}
      empty="No instances."
      rows={tasks.map((t) => {
        const h = taskHealth(t, checks);
        const failing = t.healthCheckResults?.find((r) => !r.alive);
        return [
          <code title={t.id}>{t.id.replace(/^.*?\./, '…')}</code>,
          t.slaveId ?? '',
          <code>{endpoint(t)}</code>,
          <Badge value={t.state} />,
          checks === 0 ? (
            <span class="muted">no checks</span>
          ) : (
            <span>
              <Badge value={h} title={failing?.lastFailureCause ?? undefined} />
              {failing?.lastFailureCause && <div class="muted small">{failing.lastFailureCause}</div>}
            </span>
          ),
          <Ago at={t.startedAt ?? t.stagedAt} />,
          <span class={t.version === a.version ? '' : 'warn-text'} title={t.version}>
            {t.version === a.version ? 'current' : 'older'}
          </span>,
          <span class="row-actions">
            <Link to={`/ui/logs/${encodeURIComponent(t.id)}`}>log</Link>{' '}
            <Action
              label="kill"
              confirm={`Kill ${t.id}? Marathon starts a replacement.`}
              run={() => del(`/v2/apps${idPath(a.id)}/tasks/${encodeURIComponent(t.id)}`)}
            />
            {resident && (
              <Action
                label="kill & wipe"
                danger
                confirm={`Kill ${t.id} and destroy its persistent volumes? Their data is lost.`}
                run={() => del(`/v2/apps${idPath(a.id)}/tasks/${encodeURIComponent(t.id)}?wipe=true`)}
              />
            )}
          </span>,
        ];
      })}
    />
  );
}

/** The definition of one version (the current one needs no request). */
const versionOf = (a: App, v: string): Promise<App> =>
  v === a.version ? Promise.resolve(a) : get<App>(`/v2/apps${idPath(a.id)}/versions/${encodeURIComponent(v)}`);

/** Two versions' definitions, line by line, the unchanged lines away from a change left out. */
function Diff(p: { app: App; from: string; to: string }) {
  const pair = useLive(
    () => Promise.all([versionOf(p.app, p.from), versionOf(p.app, p.to)]),
    [p.app.id, p.from, p.to, p.app.version],
    [],
  );
  if (!pair.data) return <Loading error={pair.error} />;
  const lines = diffLines(definitionText(pair.data[0]), definitionText(pair.data[1]));
  if (!lines.some((l) => l.op !== ' ')) return <p class="muted">The two versions define the same app.</p>;
  return (
    <pre id="diff">
      {lines
        .filter((l, i, all) => l.op !== ' ' || all.slice(Math.max(0, i - 2), i + 3).some((x) => x.op !== ' '))
        .map((l, i) => (
          <div key={i} class={l.op === '+' ? 'dadd' : l.op === '-' ? 'ddel' : ''}>
            {l.op} {l.text}
          </div>
        ))}
    </pre>
  );
}

/** Versions with their deployments' outcomes, a diff between any two, and a rollback to any. */
function Versions(p: { app: App }) {
  const a = p.app;
  const hist = useLive(
    () => get<History>(`/baton/v1/apps${idPath(a.id)}/history`),
    [a.id, a.version],
    ['deployment_success', 'deployment_failed'],
  );
  const [pick, setPick] = useState<{ from?: string; to?: string }>({});
  if (!hist.data) return <Loading error={hist.error} />;
  const versions = [...hist.data.versions].reverse();
  const from = pick.from ?? versions[1]?.version;
  const to = pick.to ?? a.version;
  const select = (value: string | undefined, set: (v: string) => void, id: string) => (
    <select id={id} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
      {versions.map((v) => (
        <option key={v.version} value={v.version}>
          {v.version}
          {v.version === a.version ? ' (current)' : ''}
        </option>
      ))}
    </select>
  );
  return (
    <div>
      <Table
        id="versions"
        head={['Version', 'Deployments', '']}
        rows={versions.map((v) => [
          <code>{v.version}</code>,
          <span>
            {v.version === a.version && <Badge value="current" />}{' '}
            {v.outcomes.map((o) => (
              <Badge key={o.deploymentId} value={o.outcome} title={`deployment ${o.deploymentId} at ${o.at}`} />
            ))}
          </span>,
          v.version === a.version ? (
            ''
          ) : (
            <Action
              label="roll back"
              confirm={`Deploy ${a.id} at version ${v.version} again?`}
              run={() => put(`/v2/apps${idPath(a.id)}`, { version: v.version })}
            />
          ),
        ])}
      />
      {versions.length > 1 && from && (
        <div class="diff">
          <h3>
            Compare {select(from, (v) => setPick({ ...pick, from: v }), 'diff-from')} →{' '}
            {select(to, (v) => setPick({ ...pick, to: v }), 'diff-to')}
          </h3>
          <Diff app={a} from={from} to={to} />
        </div>
      )}
    </div>
  );
}

interface VolumeRow {
  appId: string;
  instanceId: string;
  agentId: string;
  goal: string;
  containerPath: string;
  persistenceId: string;
  size: number;
}

/** One app: its state, instances, how it is reached (DNS, VIPs, the balancer), volumes, versions, and actions. */
export function AppView(p: { id: string; status?: Status }) {
  const app = useLive(
    () =>
      get<{ app: App }>(
        `/v2/apps${idPath(p.id)}?embed=app.tasks&embed=app.counts&embed=app.deployments&embed=app.lastTaskFailure`,
      ).then((r) => r.app),
    [p.id],
  );
  const deps = useLive(() => get<Deployment[]>('/v2/deployments'), [], CHANGES.deployments);
  const [showDef, setShowDef] = useState(false);
  if (!app.data) return <Loading error={app.error} />;
  const a = app.data;
  const h = appHealth(a);
  const reach = Object.entries(p.status?.extensions ?? {}).flatMap(([name, ext]) =>
    (ext.perApp?.[a.id] ?? []).map((line) => ({ name, line })),
  );
  const base = `/v2/apps${idPath(a.id)}`;
  const volumes = ((p.status?.extensions.volumes?.volumes ?? []) as VolumeRow[]).filter((v) => v.appId === a.id);
  const deploying = (deps.data ?? []).filter((d) => d.affectedApps.includes(a.id));
  return (
    <div>
      <Section
        title={a.id}
        actions={
          <span>
            <Action
              id="scale"
              label="scale"
              confirm={`Scale ${a.id} (now ${a.instances} instances)?`}
              ask={{ prompt: 'Instances:', initial: String(a.instances) }}
              run={(n) => {
                const instances = Number(n);
                if (!Number.isInteger(instances) || instances < 0)
                  return Promise.reject(new Error(`"${n}" is not a number of instances`));
                return put(base, { instances });
              }}
            />
            <Action
              id="restart"
              label="restart"
              confirm={`Restart every instance of ${a.id}, rolling?`}
              run={() => post(`${base}/restart`)}
            />
            <Action
              id="destroy"
              label="destroy"
              danger
              confirm={`Destroy ${a.id}? Every instance is killed and the app removed.`}
              run={async () => {
                await del(base);
                navigate('/ui/apps');
              }}
            />
          </span>
        }
      >
        <div class="facts">
          <Badge value={h.label} title={h.why} />
          <span>
            <b id="running">{a.tasksRunning ?? 0}</b>/{a.instances} running
          </span>
          {(a.healthChecks?.length ?? 0) > 0 && (
            <span>
              <b id="healthy">{a.tasksHealthy ?? 0}</b>/{a.instances} healthy
            </span>
          )}
          <span>
            {a.cpus} CPU · {a.mem} MiB
          </span>
          <code>{runs(a)}</code>
          <span class="muted">version {a.version}</span>
        </div>
        {h.why && <p class="warn-text">{h.why}</p>}
        {deploying.map((d) => (
          <p key={d.id} class="deploying">
            <Badge value="deploying" /> <Link to="/ui/deployments">deployment {d.id.slice(0, 8)}</Link>: step{' '}
            {d.currentStep}/{d.totalSteps},{' '}
            {d.currentActions.map((c) => `${c.action} ${c.app ?? c.pod ?? ''}`).join(', ')}
          </p>
        ))}
      </Section>
      <Section title="Instances">
        <Instances app={a} />
      </Section>
      <Section title="Reached through">
        {reach.length === 0 ? (
          <p class="muted">No DNS name, VIP or balancer serves this app.</p>
        ) : (
          <ul class="plain" id="reach">
            {reach.map((r, i) => (
              <li key={i}>
                <span class="tag">{r.name}</span> {r.line}
              </li>
            ))}
          </ul>
        )}
      </Section>
      {(a.healthChecks?.length ?? 0) > 0 && (
        <Section title="Health checks">
          <Table
            head={['Protocol', 'Path', 'Port index', 'Interval']}
            rows={a.healthChecks!.map((c) => [
              c.protocol ?? '',
              c.path ?? '',
              String(c.portIndex ?? 0),
              `${c.intervalSeconds ?? 60} s`,
            ])}
          />
        </Section>
      )}
      {a.lastTaskFailure && (
        <Section title="Last task failure">
          <p>
            <Badge value={a.lastTaskFailure.state ?? 'failed'} /> {a.lastTaskFailure.message}{' '}
            <Ago at={a.lastTaskFailure.timestamp} />
          </p>
        </Section>
      )}
      {volumes.length > 0 && (
        <Section title="Persistent volumes">
          <Table
            id="volumes"
            head={['Path', 'Size', 'Agent', 'Instance', 'State', 'Persistence id']}
            rows={volumes.map((v) => [
              <code>{v.containerPath}</code>,
              `${v.size} MiB`,
              v.agentId,
              <code>{v.instanceId}</code>,
              v.goal === 'Running' ? 'in use' : <span class="warn-text">kept (instance stopped)</span>,
              <code>{v.persistenceId}</code>,
            ])}
          />
        </Section>
      )}
      <Section title="Versions">
        <Versions app={a} />
      </Section>
      <Section
        title="Definition"
        actions={
          <button class="link" onClick={() => setShowDef(!showDef)}>
            {showDef ? 'hide' : 'show'}
          </button>
        }
      >
        {showDef && <pre id="definition">{definitionText(a)}</pre>}
      </Section>
    </div>
  );
}
