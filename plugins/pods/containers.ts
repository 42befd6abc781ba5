import path from 'node:path';
import {
  podContainerTaskId,
  type App,
  type AppVolume,
  type Pod,
  type PodContainer,
  type TaskLaunch,
} from '../../core/index.js';

/** Env names from endpoint names: runs outside [A-Z0-9_] → "_", upper-cased (marathon-semantics.md §8). */
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
 * The containers of a pod instance as tasks (marathon-semantics.md §6.2, §8): each with its own sandbox under
 * the instance's, its volume mounts resolved to host directories (shared ones are the same
 * directory for every container), its resources, and the pod's environment (pod env < container
 * env < Marathon's variables, which win), ENDPOINT_<NAME> included. Host networking: every
 * container has the agent's address, so they reach each other on it and on localhost.
 */
export function containerLaunches(t: TaskLaunch, incarnation: number, netns?: string): ContainerLaunch[] {
  const pod = t.pod!;
  const endpoints = pod.containers.flatMap((c) => c.endpoints.map((e) => ({ c: c.name, e })));
  const endpointEnv: Record<string, string> = {};
  endpoints.forEach(({ e }, k) => {
    const port = String(t.ports[k] ?? e.containerPort ?? '');
    // marathon-semantics.md §8: the host port with host networking, else the container port (inside the shared namespace).
    endpointEnv[`ENDPOINT_${envName(e.name)}`] =
      netns && e.containerPort !== undefined ? String(e.containerPort) : port;
    endpointEnv[`EP_HOST_${envName(e.name)}`] = port;
    if (e.containerPort !== undefined) endpointEnv[`EP_CONTAINER_${envName(e.name)}`] = String(e.containerPort);
  });
  const strings = (env: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(env).filter((x): x is [string, string] => typeof x[1] === 'string'));
  return pod.containers.map((c) => {
    const taskId = podContainerTaskId(t.instanceId, c.name, incarnation);
    const volumes: AppVolume[] = c.volumeMounts.flatMap((m) => {
      const hostPath = volumeSource(pod, t, m.name);
      return hostPath
        ? [{ containerPath: m.mountPath, hostPath, mode: m.readOnly ? ('RO' as const) : ('RW' as const) }]
        : [];
    });
    const env = {
      ...strings(pod.environment),
      ...strings(c.environment),
      ...t.env,
      ...endpointEnv,
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
        app: containerApp(pod, c, t.app, volumes, netns),
        pod: undefined,
        volumes: undefined, // persistent ones are among the container's mounts above
        sandbox: path.join(t.sandbox, 'tasks', taskId),
        env,
        killGraceSeconds: c.lifecycle?.killGracePeriodSeconds ?? t.killGraceSeconds,
      },
    };
  });
}

/**
 * The infrastructure container of a bridge-networked pod instance (marathon-semantics.md §6.2): it holds the network
 * namespace the pod's containers join and publishes every endpoint's container port on the agent's
 * address. It runs the first container's image with a shell that waits to be stopped, and takes
 * the instance's own task id (the engine knows it, so it is never taken for a stray).
 */
export function infraLaunch(t: TaskLaunch): TaskLaunch {
  const pod = t.pod!;
  const image = pod.containers.find((c) => c.image)!.image!;
  const endpoints = pod.containers.flatMap((c) => c.endpoints);
  return {
    ...t,
    pod: undefined,
    volumes: undefined,
    sandbox: path.join(t.sandbox, 'tasks', t.taskId),
    app: {
      ...t.app,
      executor: '',
      cmd: "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done",
      cpus: pod.executorResources.cpus,
      mem: Math.max(pod.executorResources.mem, 16),
      disk: 0,
      container: {
        type: 'DOCKER',
        volumes: [],
        docker: { image: image.id, forcePullImage: image.forcePull ?? false, privileged: false, parameters: [] },
        portMappings: endpoints.map((e) => ({
          containerPort: e.containerPort ?? 0,
          hostPort: e.hostPort ?? 0,
          servicePort: 0,
          protocol: 'tcp' as const,
          name: e.name,
        })),
      },
      networks: [{ mode: 'container/bridge' }],
      healthChecks: [],
      readinessChecks: [],
    },
  };
}

/** A pod container as the app a command or Docker runtime runs (its own resources; host networking, or the infra container's namespace). */
function containerApp(pod: Pod, c: PodContainer, runSpec: App, volumes: AppVolume[], netns?: string): App {
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
      ? {
          type: 'DOCKER',
          docker: { image: c.image.id, forcePullImage: c.image.forcePull ?? false, privileged: false, parameters: [] },
          volumes,
        }
      : { type: 'MESOS', volumes },
    // A Docker network mode naming another container shares its namespace ("container:<name>").
    networks: netns ? [{ mode: 'container', name: `container:${netns}` }] : [{ mode: 'host' }],
    portDefinitions: [],
    labels: { ...pod.labels, ...c.labels },
    env: {},
    healthChecks: [],
    readinessChecks: [],
  };
}
