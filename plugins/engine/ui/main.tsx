import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { events, get, token } from './api.js';
import { Link } from './components.js';
import { useLive } from './live.js';
import { useRoute } from './router.js';
import type { Status } from './types.js';
import { AppView } from './views/app.js';
import { AppsView } from './views/apps.js';
import { BalancingView } from './views/balancing.js';
import { DeploymentsView } from './views/deployments.js';
import { GroupsView } from './views/groups.js';
import { LogView } from './views/logs.js';
import { OverviewView } from './views/overview.js';
import { PodsView } from './views/pods.js';
import { StrategiesView } from './views/strategies.js';

const NAV: [string, string][] = [
  ['/ui/', 'Overview'],
  ['/ui/apps', 'Apps'],
  ['/ui/pods', 'Pods'],
  ['/ui/groups', 'Groups'],
  ['/ui/deployments', 'Deployments'],
  ['/ui/strategies', 'Strategies'],
  ['/ui/balancing', 'Load balancing'],
];

/** The view for a path below /ui/. */
function View(p: { path: string; status?: Status }) {
  const [head, ...rest] = p.path.split('/').filter(Boolean);
  const id = '/' + rest.join('/');
  switch (head) {
    case undefined:
      return <OverviewView status={p.status} />;
    case 'apps':
      return rest.length ? <AppView id={id} status={p.status} /> : <AppsView />;
    case 'pods':
      return <PodsView />;
    case 'groups':
      return <GroupsView />;
    case 'deployments':
      return <DeploymentsView />;
    case 'strategies':
      return <StrategiesView />;
    case 'balancing':
      return <BalancingView status={p.status} />;
    case 'logs':
      return <LogView taskId={rest.join('/')} />;
    default:
      return <p class="error">No such view: {p.path}</p>;
  }
}

/** Asks for the engine token (kept for this browser tab only, in sessionStorage). */
function TokenForm(p: { why: string; onDone(): void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        events.retry();
        p.onDone();
      }}
    >
      <p>{p.why}</p>
      <label>
        Engine token{' '}
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
      </label>{' '}
      <button type="submit">Use</button>
    </form>
  );
}

function Shell() {
  const route = useRoute();
  const [generation, setGeneration] = useState(0);
  const status = useLive(() => get<Status>('/baton/v1/status'), [generation], undefined, 5000);
  const [live, setLive] = useState(events.up);
  const [askToken, setAskToken] = useState(false);
  useEffect(() => events.onState(setLive), []);
  const unauthorized = status.error !== undefined && /401|authenticated/i.test(status.error);
  const s = status.data;
  const readOnly = s && !s.tokenRequired;

  return (
    <div class="shell">
      <header class="top">
        <Link to="/ui/" class="brand">
          Baton
        </Link>
        <nav>
          {NAV.map(([to, label]) => (
            <Link
              key={to}
              to={to}
              class={(to === '/ui/' ? route.path === '' : ('/ui/' + route.path).startsWith(to)) ? 'active' : undefined}
            >
              {label}
            </Link>
          ))}
        </nav>
        <span class={`conn ${live ? 'up' : 'down'}`} title="The engine's event stream (/v2/events)">
          {live ? 'live' : 'reconnecting…'}
        </span>
        {s?.tokenRequired && (
          <button class="link" onClick={() => setAskToken(true)}>
            {token.get() ? 'change token' : 'token'}
          </button>
        )}
      </header>
      {readOnly && (
        <p class="banner" id="read-only">
          This engine has no token, so the dashboard is read-only: actions from a browser are refused. Start the engine
          with <code>BATON_ENGINE_TOKEN</code> set and give the dashboard that token to act from here.
        </p>
      )}
      {(unauthorized || askToken) && (
        <TokenForm
          why={unauthorized ? 'This engine needs its token to show anything.' : 'The token for actions.'}
          onDone={() => {
            setAskToken(false);
            setGeneration((g) => g + 1);
          }}
        />
      )}
      <main key={generation}>{!unauthorized && <View path={route.path} status={s} />}</main>
      <footer>
        {s ? (
          <span>
            engine {s.engineId} · pid {s.pid} · {s.url} · <a href="/metrics">metrics</a>
          </span>
        ) : (
          status.error && !unauthorized && <span class="error">engine unreachable: {status.error}</span>
        )}
      </footer>
    </div>
  );
}

render(<Shell />, document.getElementById('root')!);
