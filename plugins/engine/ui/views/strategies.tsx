import { useRef } from 'preact/hooks';
import { ApiError, get } from '../api.js';
import { Action, Ago, appLink, Badge, Chart, Link, Loading, put, Section, Table } from '../components.js';
import { useLive } from '../live.js';
import type { TrafficGroup, TrafficServer } from '../types.js';

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** How many readings (one a second) the served share spans. */
const WINDOW = 5;

/**
 * The share of requests each app of a group served over the last few seconds, from HAProxy's
 * per-server request totals: what the balancer did, beside what the split asked. A reload starts
 * every counter again at 0, so a total that went down starts the window again.
 */
function useServedShare(servers: TrafficServer[] | undefined): Map<string, number> | undefined {
  const readings = useRef<{ servers: TrafficServer[]; totals: Map<string, number> }[]>([]);
  const last = useRef<Map<string, number>>();
  const list = readings.current;
  if (!servers || list[list.length - 1]?.servers === servers) return last.current;
  const totals = new Map(servers.map((s) => [`${s.backend}/${s.name}`, s.stot]));
  const prev = list[list.length - 1]?.totals;
  if (prev && [...totals].some(([k, v]) => v < (prev.get(k) ?? 0))) list.length = 0;
  list.push({ servers, totals });
  if (list.length > WINDOW + 1) list.shift();
  const first = list[0].totals;
  const byApp = new Map<string, number>();
  let sum = 0;
  for (const s of servers) {
    const d = s.stot - (first.get(`${s.backend}/${s.name}`) ?? 0);
    byApp.set(s.appId, (byApp.get(s.appId) ?? 0) + d);
    sum += d;
  }
  if (sum > 0) last.current = new Map([...byApp].map(([app, d]) => [app, d / sum]));
  return last.current;
}

function GroupView(p: { name: string }) {
  const g = useLive(
    () => get<TrafficGroup>(`/baton/v1/x/marathon-lb/groups/${encodeURIComponent(p.name)}`),
    [p.name],
    undefined,
    1000,
  );
  const served = useServedShare(g.data?.servers);
  if (!g.data) return <Loading error={g.error} />;
  const { split, servers, history } = g.data;
  const note = split?.note;
  const apps = [...new Set(servers.map((s) => s.appId))];
  const base = `/baton/v1/x/marathon-lb/groups/${encodeURIComponent(p.name)}/split`;
  const steps = note?.steps ?? [];
  const asked = (app: string) =>
    split ? (app === split.app ? split.percent : apps.length > 1 ? 100 - split.percent : 100) : undefined;
  return (
    <Section
      title={`/${p.name}`}
      actions={
        split && note?.strategy === 'canary' ? (
          <span>
            <Action
              id="promote"
              label="promote"
              confirm={`Promote ${split.app}: the canary takes all traffic and the stable app goes?`}
              run={() => put(base, { app: split.app, percent: split.percent, note: { command: 'promote' } })}
            />
            <Action
              id="abort"
              label="abort"
              danger
              confirm={`Abort the canary ${split.app}: every new connection back on the stable app, the canary removed?`}
              run={() => put(base, { app: split.app, percent: 0, note: { command: 'abort' } })}
            />
          </span>
        ) : undefined
      }
    >
      {split ? (
        <p>
          {note?.strategy ?? 'split'}: <Link to={appLink(split.app)}>{split.app}</Link> asked{' '}
          <b id="asked">{split.percent} %</b> of new connections
          {steps.length > 0 && note?.step !== undefined && note.step >= 0 && (
            <span>
              {' '}
              · step {note.step + 1}/{steps.length}
              {note.stepEndsAt ? (
                <span>
                  {' '}
                  (ends <Ago at={note.stepEndsAt} />)
                </span>
              ) : (
                ' (waiting for promote)'
              )}
            </span>
          )}
          {note?.command && (
            <span>
              {' '}
              · <Badge value={`${note.command} requested`} />
            </span>
          )}
        </p>
      ) : (
        <p class="muted">No split: traffic follows instance counts.</p>
      )}
      {steps.length > 0 && (
        <ol class="steps">
          {steps.map((s, i) => (
            <li
              key={i}
              class={note?.step === undefined ? 'todo' : i < note.step ? 'done' : i === note.step ? 'current' : 'todo'}
            >
              {s.weight} %{s.pauseSeconds !== undefined ? ` for ${s.pauseSeconds} s` : ' until promoted'}
            </li>
          ))}
        </ol>
      )}
      <Table
        id="shares"
        head={['App', 'Asked', `Served (last ${WINDOW} s)`, 'Servers up']}
        rows={apps.map((app) => [
          <Link to={appLink(app)}>{app}</Link>,
          asked(app) === undefined ? 'by count' : `${asked(app)} %`,
          served?.has(app) ? (
            <span class="served">{pct(served.get(app)!)}</span>
          ) : (
            <span class="muted">no requests</span>
          ),
          `${servers.filter((s) => s.appId === app && s.status.startsWith('UP')).length}/${servers.filter((s) => s.appId === app).length}`,
        ])}
      />
      {note?.analysis && (
        <p>
          Analysis: <Badge value={note.analysis.verdict === 'ok' ? 'ok' : 'failed'} /> {note.analysis.requests ?? 0}{' '}
          requests, {note.analysis.errors ?? 0} errors ({pct(note.analysis.errorRate ?? 0)}, at most{' '}
          {pct(note.analysis.maxErrorRate ?? 0)}), response time {note.analysis.rtimeMs ?? 0} ms
          {note.analysis.maxResponseTimeMs !== undefined && ` (at most ${note.analysis.maxResponseTimeMs} ms)`}
        </p>
      )}
      {history.length > 0 && (
        <div class="charts">
          <Chart
            label="canary error rate"
            points={history.map((h) => ({ at: h.at, value: h.errorRate ?? 0 }))}
            threshold={history[history.length - 1].maxErrorRate}
            format={pct}
          />
          <Chart
            label="canary response time"
            points={history.map((h) => ({ at: h.at, value: h.rtimeMs ?? 0 }))}
            threshold={history[history.length - 1].maxResponseTimeMs}
            format={(v) => `${Math.round(v)} ms`}
          />
        </div>
      )}
    </Section>
  );
}

/** Blue-green and canary deploys as the balancer carries them: per deployment group, the split, the steps, the analysis. */
export function StrategiesView() {
  const groups = useLive(
    () =>
      get<{ groups: string[] }>('/baton/v1/x/marathon-lb/groups').catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    [],
    undefined,
    2000,
  );
  if (groups.data === undefined) return <Loading error={groups.error} />;
  if (groups.data === null) return <p class="muted">marathon-lb is not part of this engine's plugins.</p>;
  if (groups.data.groups.length === 0)
    return (
      <Section title="Strategies">
        <p class="muted">
          No blue-green or canary deploy: apps with HAPROXY_DEPLOYMENT_GROUP appear here while both colours run.
        </p>
      </Section>
    );
  return (
    <div id="strategies">
      {groups.data.groups.map((name) => (
        <GroupView key={name} name={name} />
      ))}
    </div>
  );
}
