import { get } from '../api.js';
import { appLink, Badge, Link, Loading, Section } from '../components.js';
import { useLive } from '../live.js';
import type { Group } from '../types.js';
import { appHealth } from './health.js';

function Tree(p: { group: Group }) {
  const g = p.group;
  return (
    <li>
      <b>{g.id === '/' ? '/ (root)' : g.id}</b>
      {(g.dependencies ?? []).length > 0 && <span class="muted"> after {g.dependencies!.join(', ')}</span>}
      <ul>
        {g.apps.map((a) => (
          <li key={a.id}>
            <Link to={appLink(a.id)}>{a.id}</Link> <Badge value={appHealth(a).label} /> {a.tasksRunning ?? 0}/
            {a.instances} running
            {(a.dependencies ?? []).length > 0 && <span class="muted"> · after {a.dependencies!.join(', ')}</span>}
          </li>
        ))}
        {(g.pods ?? []).map((p) => (
          <li key={p.id}>
            <Link to="/ui/pods">{p.id}</Link> <span class="tag">pod</span>
          </li>
        ))}
        {g.groups.map((c) => (
          <Tree key={c.id} group={c} />
        ))}
      </ul>
    </li>
  );
}

/** The group tree (GET /v2/groups): apps and pods where their ids put them. */
export function GroupsView() {
  const root = useLive(
    () =>
      get<Group>(
        '/v2/groups?embed=group.groups&embed=group.apps&embed=group.pods&embed=group.apps.counts&embed=group.apps.deployments',
      ),
    [],
  );
  if (!root.data) return <Loading error={root.error} />;
  return (
    <Section title="Groups">
      <ul class="tree" id="groups">
        <Tree group={root.data} />
      </ul>
    </Section>
  );
}
