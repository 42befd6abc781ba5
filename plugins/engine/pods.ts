import { createHash } from 'node:crypto';
import {
  HEALTH_DEFAULTS,
  stableJson,
  type App,
  type HealthCheck,
  type Pod,
  type PodContainer,
} from '../../core/index.js';

/** The endpoints of a pod in one order (container by container): the order of its host ports. */
export function podEndpoints(
  pod: Pod,
): { container: string; name: string; hostPort: number; containerPort?: number }[] {
  return pod.containers.flatMap((c) =>
    c.endpoints.map((e) => ({
      container: c.name,
      name: e.name,
      hostPort: e.hostPort ?? 0,
      ...(e.containerPort !== undefined ? { containerPort: e.containerPort } : {}),
    })),
  );
}

/** A container's health check (podHealthCheck) as the engine's check of the instance: Mesos-level, per container (marathon-semantics.md §6.2). */
function podCheck(pod: Pod, c: PodContainer): HealthCheck | undefined {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const h = c.healthCheck as Record<string, any> | undefined;
  if (!h) return undefined;
  const common = {
    ...HEALTH_DEFAULTS,
    ...(h.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: h.gracePeriodSeconds } : {}),
    ...(h.intervalSeconds !== undefined ? { intervalSeconds: h.intervalSeconds } : {}),
    ...(h.timeoutSeconds !== undefined ? { timeoutSeconds: h.timeoutSeconds } : {}),
    ...(h.maxConsecutiveFailures !== undefined ? { maxConsecutiveFailures: h.maxConsecutiveFailures } : {}),
    ...(h.delaySeconds !== undefined ? { delaySeconds: h.delaySeconds } : {}),
  };
  const portIndex = (name: string) => podEndpoints(pod).findIndex((e) => e.name === name);
  if (h.http)
    return {
      ...common,
      protocol: h.http.scheme === 'HTTPS' ? 'MESOS_HTTPS' : 'MESOS_HTTP',
      path: h.http.path ?? '/',
      portIndex: portIndex(h.http.endpoint),
    };
  if (h.tcp) return { ...common, protocol: 'MESOS_TCP', portIndex: portIndex(h.tcp.endpoint) };
  // The runtime runs it in this container: its name goes with the command.
  if (h.exec)
    return {
      ...common,
      protocol: 'COMMAND',
      command: { value: h.exec.command?.shell ?? (h.exec.command?.argv ?? []).join(' ') },
    };
  return undefined;
}

/**
 * The run spec the engine schedules for a pod (marathon-semantics.md §6): one instance = every container,
 * launched together on one agent; resources are the containers' plus the executor's; one host
 * port per endpoint; scheduling, upgrade, backoff and persistent volumes as for apps. The pod
 * itself goes with the launch to a runtime that accepts pods.
 */
export function podRunSpec(pod: Pod): App {
  const sum = (k: 'cpus' | 'mem' | 'disk' | 'gpus') =>
    pod.containers.reduce((n, c) => n + (c.resources[k] ?? 0), 0) + (k === 'gpus' ? 0 : pod.executorResources[k]);
  const s = pod.scheduling;
  return {
    id: pod.id,
    // The pod's definition (scaling aside) in a field every change check compares: a new container
    // command is a restart of the pod even though the run spec's resources stay the same.
    executor: `//pod/${createHash('sha1')
      .update(stableJson({ ...pod, scaling: undefined, version: undefined }))
      .digest('hex')}`,
    fetch: [],
    instances: pod.scaling.instances,
    cpus: Math.round(sum('cpus') * 1000) / 1000,
    mem: sum('mem'),
    disk: sum('disk'),
    gpus: sum('gpus'),
    container: {
      type: 'MESOS',
      // Persistent pod volumes make the pod resident, exactly like an app's (reservations, marathon-semantics.md §5).
      volumes: pod.volumes
        .filter((v) => v.persistent)
        .map((v) => ({ containerPath: v.name, mode: 'RW' as const, persistent: v.persistent })),
      portMappings: podEndpoints(pod).map((e) => ({
        containerPort: e.containerPort ?? 0,
        hostPort: e.hostPort,
        servicePort: 0,
        protocol: 'tcp' as const,
        name: e.name,
      })),
    },
    networks: pod.networks,
    requirePorts: false,
    env: {},
    secrets: {},
    labels: pod.labels,
    constraints: s.placement.constraints.map((c) => [
      c.fieldName,
      c.operator,
      ...(c.value !== undefined ? [c.value] : []),
    ]),
    ...(s.placement.acceptedResourceRoles ? { acceptedResourceRoles: s.placement.acceptedResourceRoles } : {}),
    healthChecks: pod.containers.map((c) => podCheck(pod, c)).filter((h): h is HealthCheck => h !== undefined),
    readinessChecks: [],
    upgradeStrategy: s.upgrade,
    backoffSeconds: s.backoff.backoff,
    backoffFactor: s.backoff.backoffFactor,
    maxLaunchDelaySeconds: s.backoff.maxLaunchDelay,
    killSelection: s.killSelection,
    unreachableStrategy: s.unreachableStrategy,
    taskKillGracePeriodSeconds:
      Math.max(0, ...pod.containers.map((c) => c.lifecycle?.killGracePeriodSeconds ?? 0)) || undefined,
    dependencies: [],
  };
}
