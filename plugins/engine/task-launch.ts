import type { AgentInfo, TaskLaunch } from '../../core/index.js';
import { taskEnv } from './task-env.js';
import type { Instance, StoredApp } from './types.js';

export const DEFAULT_KILL_GRACE_S = 3; // the Mesos command executor's default shutdown grace

/**
 * What a runtime is given to start an instance's current incarnation: its environment (marathon-semantics.md §8, plus
 * where the engine's DNS answers), host ports, kill grace, name servers and reserved volumes.
 * `resolvers`: the engine's DNS addresses (`ip:port`); only those on port 53 can be a task's name servers (resolv.conf takes no port).
 */
export function taskLaunch(
  i: Instance,
  spec: StoredApp,
  agent: AgentInfo,
  ports: number[],
  resolvers: readonly string[],
): TaskLaunch {
  const { taskId, sandbox } = i;
  if (!taskId || !sandbox) throw new Error(`instance ${i.instanceId}: no task id or sandbox yet`);
  const env = taskEnv(spec.app, agent, taskId, spec.version, ports, sandbox);
  // Baton's addition: where the engine's DNS answers (process tasks query it directly).
  if (resolvers.length) env.BATON_DNS = resolvers[0];
  const port53 = resolvers.filter((r) => r.endsWith(':53')).map((r) => r.slice(0, -3));
  return {
    taskId,
    instanceId: i.instanceId,
    app: spec.app,
    ...(spec.pod ? { pod: spec.pod } : {}),
    agent,
    sandbox,
    env,
    ports,
    killGraceSeconds: spec.app.taskKillGracePeriodSeconds ?? DEFAULT_KILL_GRACE_S,
    ...(i.reservation
      ? {
          volumes: i.reservation.volumes.map((v) => ({
            containerPath: v.containerPath,
            hostPath: v.hostPath,
            persistenceId: v.persistenceId,
          })),
        }
      : {}),
    ...(port53.length ? { dns: port53 } : {}),
  };
}
