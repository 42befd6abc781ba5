import path from 'node:path';
import { podContainerTaskId, type App, type AppVolume, type Pod, type PodContainer, type TaskLaunch } from '../../core/index.js';

/** Env names from endpoint names: runs outside [A-Z0-9_] → "_", upper-cased (§8). */
const envName = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
const dbl = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

/** One container of a pod instance as a task of its own, for the runtime that runs it. */
export interface ContainerLaunch {
  name: string;
  launch: TaskLaunch;
}

/** Where a pod volume lives for this instance: ephemeral in the instance's sandbox, host, or persistent (the reservation). */
function volumeSource(pod: Pod, t: TaskLaunch, name: string): string | undefined {
  const v = pod.volumes.find((x) => x.name === name);
  if (!v) return undefined;
  if (v.persistent) return t.volumes?.find((x) => x.containerPath === name)?.hostPath;
  if (v.host !== undefined) return path.isAbsolute(v.host) ? v.host : path.join(t.sandbox, v.host);
  if (v.secret !== undefined) return undefined;
  return path.join(t.sandbox, 'volumes', name);
}

/**
 * The containers of a pod instance as tasks (marathon.md §6.2, §8): each with its own sandbox under
 * the instance's, its volume mounts resolved to host directories (shared ones are the same
 * directory for every container), its resources, and the pod's environment (pod env < container
 * env < Marathon's variables, which win), ENDPOINT_<NAME> included. Host networking: every
 * container has the agent's address, so they reach each other on it and on localhost.
 */
export function containerLaunches(t: TaskLaunch, incarnation: number): ContainerLaunch[] {
  const pod = t.pod!;
  const endpoints = pod.containers.flatMap((c) => c.endpoints.map((e) => ({ c: c.name, e })));
  const endpointEnv: Record<string, string> = {};
  endpoints.forEach(({ e }, k) => {
    const port = String(t.ports[k] ?? e.containerPort ?? '');
    endpointEnv[`ENDPOINT_${envName(e.name)}`] = port;
    endpointEnv[`EP_HOST_${envName(e.name)}`] = port;
    if (e.containerPort !== undefined) endpointEnv[`EP_CONTAINER_${envName(e.name)}`] = String(e.containerPort);
  });
  const strings = (env: Record<string, unknown>) => Object.fromEntries(Object.entries(env).filter((x): x is [string, string] => typeof x[1] === 'string'));
  return pod.containers.map((c) => {
    const taskId = podContainerTaskId(t.instanceId, c.name, incarnation);
    const volumes: AppVolume[] = c.volumeMounts.flatMap((m) => {
      const hostPath = volumeSource(pod, t, m.name);
      return hostPath ? [{ containerPath: m.mountPath, hostPath, mode: m.readOnly ? 'RO' as const : 'RW' as const }] : [];
    });
    const env = {
      ...strings(pod.environment), ...strings(c.environment), ...t.env, ...endpointEnv,
      MESOS_TASK_ID: taskId,
      MESOS_EXECUTOR_ID: `instance-${t.instanceId}`,
      MARATHON_CONTAINER_ID: c.name,
      MARATHON_CONTAINER_RESOURCE_CPUS: dbl(c.resources.cpus),
      MARATHON_CONTAINER_RESOURCE_MEM: dbl(c.resources.mem),
      MARATHON_CONTAINER_RESOURCE_DISK: dbl(c.resources.disk),
      MARATHON_CONTAINER_RESOURCE_GPUS: String(c.resources.gpus),
    };
    return {
      name: c.name,
      launch: {
        ...t,
        taskId,
        app: containerApp(pod, c, t.app, volumes),
        pod: undefined,
        volumes: undefined, // persistent ones are among the container's mounts above
        sandbox: path.join(t.sandbox, 'tasks', taskId),
        env,
        killGraceSeconds: c.lifecycle?.killGracePeriodSeconds ?? t.killGraceSeconds,
      },
    };
  });
}

/** A pod container as the app a command or Docker runtime runs (host networking, its own resources). */
function containerApp(pod: Pod, c: PodContainer, runSpec: App, volumes: AppVolume[]): App {
  const command = c.exec?.command;
  return {
    ...runSpec,
    id: pod.id,
    executor: '',
    ...(command?.shell !== undefined ? { cmd: command.shell } : command?.argv ? { args: command.argv } : {}),
    cpus: c.resources.cpus,
    mem: c.resources.mem,
    disk: c.resources.disk,
    gpus: c.resources.gpus,
    container: c.image
      ? { type: 'DOCKER', docker: { image: c.image.id, forcePullImage: c.image.forcePull ?? false, privileged: false, parameters: [] }, volumes }
      : { type: 'MESOS', volumes },
    networks: [{ mode: 'host' }],
    portDefinitions: [],
    labels: { ...pod.labels, ...c.labels },
    env: {},
    healthChecks: [],
    readinessChecks: [],
  };
}
