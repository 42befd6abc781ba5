import type { AppSummary, PipelineContext } from '../../core/index.js';
import type { MarathonCluster } from './cluster.js';

/**
 * Where each app and pod of the recipe stands once a deploy is over, for its verdict (the
 * `summary` event): instances running and healthy of the target, the version, and where it is
 * served — each instance's address, and what the engine's extensions add (VIPs, DNS names, the
 * load balancer). Best effort: a target that cannot be read leaves the verdict without apps.
 */
export async function summarize(ctx: PipelineContext, target: MarathonCluster): Promise<AppSummary[]> {
  const appIds = new Set(ctx.recipe.apps.map((l) => l.spec.id));
  const podIds = new Set(ctx.recipe.pods.map((l) => l.spec.id));
  const [apps, pods, extensions] = await Promise.all([
    appIds.size ? target.apps(true).catch(() => []) : [],
    podIds.size ? target.podStatuses().catch(() => []) : [],
    target.extensions().catch(() => ({})),
  ]);
  const served = (id: string) =>
    Object.values(extensions).flatMap((x) => (x.perApp?.[id] ?? []).filter((l) => /^(vip|lb|dns) /.test(l)));
  const out: AppSummary[] = [];
  for (const a of apps.filter((x) => appIds.has(x.id))) {
    const running = (a.tasks ?? []).filter((t) => t.state === 'TASK_RUNNING');
    const checked = (a.healthChecks?.length ?? 0) > 0;
    out.push({
      id: a.id,
      type: 'app',
      running: a.tasksRunning,
      ...(checked ? { healthy: a.tasksHealthy } : {}),
      target: a.instances,
      version: a.version,
      endpoints: running.filter((t) => t.ports.length > 0).map((t) => `${t.host}:${t.ports[0]}`),
      servedAt: served(a.id),
    });
  }
  for (const p of pods.filter((x) => podIds.has(x.id))) {
    const stable = p.instances.filter((i) => i.status === 'STABLE');
    out.push({
      id: p.id,
      type: 'pod',
      running: stable.length,
      target: p.spec.scaling?.instances ?? 1,
      endpoints: stable.flatMap((i) =>
        i.containers.flatMap((c) =>
          c.endpoints.filter((e) => e.allocatedHostPort).map((e) => `${i.agentHostname}:${e.allocatedHostPort}`),
        ),
      ),
      servedAt: served(p.id),
    });
  }
  return out;
}
