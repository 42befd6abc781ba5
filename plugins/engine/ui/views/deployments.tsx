import { get } from '../api.js';
import { Action, appLink, Badge, del, Link, Loading, Section } from '../components.js';
import { useLive } from '../live.js';
import type { Deployment } from '../types.js';

/** Deployments in flight: each step's actions, where it is, and Marathon's two ways to stop one. */
export function DeploymentsView() {
  const deps = useLive(() => get<Deployment[]>('/v2/deployments'), []);
  if (!deps.data) return <Loading error={deps.error} />;
  if (deps.data.length === 0)
    return (
      <Section title="Deployments">
        <p class="muted">Nothing is deploying.</p>
      </Section>
    );
  return (
    <div id="deployments">
      {deps.data.map((d) => (
        <Section
          key={d.id}
          title={`Deployment ${d.id}`}
          actions={
            <span>
              <Action
                label="roll back"
                confirm={`Stop deployment ${d.id} and deploy what ran before it?`}
                run={() => del(`/v2/deployments/${d.id}`)}
              />
              <Action
                label="stop here"
                danger
                confirm={`Stop deployment ${d.id} where it is (no rollback; the apps stay half-deployed)?`}
                run={() => del(`/v2/deployments/${d.id}?force=true`)}
              />
            </span>
          }
        >
          <p>
            {[...d.affectedApps, ...(d.affectedPods ?? [])].map((id) => (
              <Link key={id} to={appLink(id)}>
                {id}{' '}
              </Link>
            ))}
            · version <code>{d.version}</code>
          </p>
          <ol class="steps">
            {d.steps.map((s, i) => (
              <li key={i} class={i + 1 < d.currentStep ? 'done' : i + 1 === d.currentStep ? 'current' : 'todo'}>
                {s.actions.map((a) => `${a.action} ${a.app ?? a.pod ?? ''}`).join(', ')}{' '}
                {i + 1 === d.currentStep && <Badge value="in progress" />}
              </li>
            ))}
          </ol>
        </Section>
      ))}
    </div>
  );
}
