import type { Contract } from '../../core/index.js';

/**
 * Volumes in `baton engine status` and `baton status`: every reservation, including those of
 * stopped instances (a resident app scaled down), which Marathon's task lists do not show.
 */
export function reportVolumes(engine: Contract<'engine'>['api']): void {
  engine.addStatusSection('volumes', () => {
    const reserved = [...engine.instances.values()].filter((i) => i.reservation);
    const perApp: Record<string, string[]> = {};
    for (const i of reserved) {
      const mib = i.reservation!.volumes.reduce((n, v) => n + v.size, 0);
      const state = i.goal === 'Running' ? 'in use' : 'stopped, kept';
      (perApp[i.appId] ??= []).push(
        `volumes on ${i.reservation!.agentId} (${state}, ${mib} MiB): ${i.reservation!.volumes.map((v) => `${v.containerPath} = ${v.persistenceId}`).join(', ')}`,
      );
    }
    const byAgent = new Map<string, number>();
    for (const i of reserved)
      byAgent.set(
        i.reservation!.agentId,
        (byAgent.get(i.reservation!.agentId) ?? 0) + i.reservation!.volumes.reduce((n, v) => n + v.size, 0),
      );
    return {
      summary:
        reserved.length === 0
          ? ['none']
          : [
              `${reserved.length} reservation(s); reserved disk: ${[...byAgent].map(([a, n]) => `${a} ${n} MiB`).join(', ')}`,
            ],
      perApp,
      volumes: reserved.flatMap((i) =>
        i.reservation!.volumes.map((v) => ({
          appId: i.appId,
          instanceId: i.instanceId,
          agentId: i.reservation!.agentId,
          goal: i.goal,
          ...v,
        })),
      ),
    };
  });
}
