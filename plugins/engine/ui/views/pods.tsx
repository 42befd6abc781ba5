import { get } from '../api.js';
import { Badge, Link, Loading, Section, Table } from '../components.js';
import { useLive } from '../live.js';
import type { PodStatus } from '../types.js';

/** Pods (GET /v2/pods/::status): each instance's containers, their state and endpoints. */
export function PodsView() {
  const pods = useLive(() => get<PodStatus[]>('/v2/pods/::status'), []);
  if (!pods.data) return <Loading error={pods.error} />;
  if (pods.data.length === 0)
    return (
      <Section title="Pods">
        <p class="muted">No pods.</p>
      </Section>
    );
  return (
    <div>
      {pods.data.map((p) => (
        <Section key={p.id} title={p.id} actions={<Badge value={p.status} />}>
          <p class="muted">
            {p.spec.scaling?.instances ?? 1} instance(s) of {p.spec.containers.map((c) => c.name).join(', ')}
          </p>
          <Table
            head={['Instance', 'State', 'Agent', 'Containers']}
            rows={p.instances.map((i) => [
              <code>{i.id}</code>,
              <Badge value={i.status} />,
              i.agentHostname ?? '',
              <ul class="plain">
                {i.containers.map((c) => (
                  <li key={c.name}>
                    {c.name} <Badge value={c.status} />{' '}
                    {(c.endpoints ?? [])
                      .filter((x) => x.allocatedHostPort)
                      .map((x) => `${x.name}:${x.allocatedHostPort}`)
                      .join(' ')}{' '}
                    <Link to={`/ui/logs/${encodeURIComponent(i.id)}?container=${encodeURIComponent(c.name)}`}>log</Link>
                  </li>
                ))}
              </ul>,
            ])}
          />
        </Section>
      ))}
    </div>
  );
}
