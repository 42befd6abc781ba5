import { canonicalId, idProblems } from './ids.js';
import type { Issues } from '../validation.js';
import type { Pod } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON is untyped until normalised */
type Raw = Record<string, any>;
const arrOf = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Pod defaults (marathon-semantics.md §6.1). `null` fields in exported pods mean "absent". */
export function normalizePod(raw: Raw, parent = '/'): Pod {
  const resident = arrOf<Raw>(raw.volumes).some((v) => v?.persistent);
  const networks = arrOf<Raw>(raw.networks).map((n) => ({
    mode: n.mode ?? 'container',
    ...(n.name != null ? { name: n.name } : {}),
    ...(n.labels != null && Object.keys(n.labels).length > 0 ? { labels: n.labels } : {}),
  }));
  const hostMode = networks.length === 0 || networks.every((n) => n.mode === 'host');
  const s: Raw = raw.scheduling ?? {};
  return {
    ...raw,
    id: typeof raw.id === 'string' ? canonicalId(raw.id, parent) : '',
    labels: raw.labels ?? {},
    environment: raw.environment ?? {},
    secrets: raw.secrets ?? {},
    volumes: arrOf(raw.volumes),
    networks: networks.length ? networks : [{ mode: 'host' }],
    containers: arrOf<Raw>(raw.containers).map((c) => ({
      ...c,
      resources: { cpus: 1, mem: 128, disk: 0, gpus: 0, ...(c.resources ?? {}) },
      endpoints: arrOf<Raw>(c.endpoints).map((e) => {
        const out: Raw = { ...e };
        if (e.containerPort == null) delete out.containerPort;
        if (e.hostPort == null) {
          if (hostMode) out.hostPort = 0;
          else delete out.hostPort;
        }
        return out;
      }),
      // Marathon's own fixtures write `"scheme": "http"`; its RAML type is HTTP | HTTPS: send that.
      ...(typeof c.healthCheck?.http?.scheme === 'string'
        ? {
            healthCheck: {
              ...c.healthCheck,
              http: { ...c.healthCheck.http, scheme: c.healthCheck.http.scheme.toUpperCase() },
            },
          }
        : {}),
      environment: c.environment ?? {},
      volumeMounts: arrOf(c.volumeMounts),
      labels: c.labels ?? {},
    })),
    scaling: { kind: 'fixed', instances: raw.scaling?.instances ?? 1 },
    scheduling: {
      backoff: { backoff: 1, backoffFactor: 1.15, maxLaunchDelay: 300, ...(s.backoff ?? {}) },
      upgrade: resident
        ? { minimumHealthCapacity: 0.5, maximumOverCapacity: 0, ...(s.upgrade ?? {}) }
        : { minimumHealthCapacity: 1, maximumOverCapacity: 1, ...(s.upgrade ?? {}) },
      placement: {
        constraints: arrOf(s.placement?.constraints),
        ...(s.placement?.acceptedResourceRoles?.length
          ? { acceptedResourceRoles: s.placement.acceptedResourceRoles }
          : {}),
      },
      killSelection: s.killSelection ?? 'YOUNGEST_FIRST',
      unreachableStrategy:
        s.unreachableStrategy ?? (resident ? 'disabled' : { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }),
    },
    executorResources: { cpus: 0.1, mem: 32, disk: 10, ...(raw.executorResources ?? {}) },
  } as Pod;
}

/** Pod rules of marathon-semantics.md §6.1 and §3.1 (pod health checks). */
export function validatePod(pod: Pod, issues: Issues, rawId: unknown = pod.id): void {
  if (typeof rawId === 'string') for (const p of idProblems(rawId)) issues.error(['id'], 'pod.id', p);
  const hostMode = pod.networks.every((n) => n.mode === 'host');
  const containerNames = new Set<string>();
  const endpointNames = new Set<string>();
  const mounted = new Set<string>();
  const volumeNames = new Set(pod.volumes.map((v) => v.name));
  pod.containers.forEach((c, i) => {
    const at = ['containers', i];
    if (containerNames.has(c.name))
      issues.error(
        [...at, 'name'],
        'pod.container.duplicate-name',
        `container name '${c.name}' is used more than once`,
      );
    containerNames.add(c.name);
    if (!c.exec && !c.image)
      issues.error([...at, 'exec'], 'pod.container.exec-or-image', "a container needs 'exec' or an 'image'");
    const own = new Set<string>();
    c.endpoints.forEach((e, j) => {
      if (endpointNames.has(e.name))
        issues.error(
          [...at, 'endpoints', j, 'name'],
          'pod.endpoint.duplicate-name',
          `endpoint name '${e.name}' is used more than once in the pod`,
        );
      endpointNames.add(e.name);
      own.add(e.name);
      if (hostMode && e.containerPort !== undefined) {
        issues.error(
          [...at, 'endpoints', j, 'containerPort'],
          'pod.endpoint.container-port',
          "'containerPort' is not allowed with host networking",
        );
      }
      if (!hostMode && e.containerPort === undefined) {
        issues.error(
          [...at, 'endpoints', j, 'containerPort'],
          'pod.endpoint.container-port',
          "'containerPort' is required with container networking",
        );
      }
    });
    const hc = c.healthCheck as Record<string, any> | undefined;
    if (hc) {
      const kinds = ['http', 'tcp', 'exec'].filter((k) => hc[k] !== undefined);
      if (kinds.length !== 1)
        issues.error([...at, 'healthCheck'], 'pod.health.kind', "needs exactly one of 'http', 'tcp' or 'exec'");
      const ep = hc.http?.endpoint ?? hc.tcp?.endpoint;
      if (ep !== undefined && !own.has(ep))
        issues.error(
          [...at, 'healthCheck', kinds[0] ?? 'http', 'endpoint'],
          'pod.health.endpoint',
          `no endpoint named '${ep}' in this container`,
        );
      if ((hc.timeoutSeconds ?? 20) >= (hc.intervalSeconds ?? 60))
        issues.error(
          [...at, 'healthCheck', 'timeoutSeconds'],
          'pod.health.timeout',
          'must be less than intervalSeconds',
        );
    }
    c.volumeMounts.forEach((m, j) => {
      if (!volumeNames.has(m.name))
        issues.error([...at, 'volumeMounts', j, 'name'], 'pod.volume-mount.unknown', `no volume named '${m.name}'`);
      mounted.add(m.name);
    });
  });
  pod.volumes.forEach((v, i) => {
    if (!mounted.has(v.name))
      issues.error(['volumes', i], 'pod.volume.unmounted', `volume '${v.name}' is not mounted by any container`);
  });
  if (pod.scheduling.upgrade.maximumOverCapacity !== 0 && pod.volumes.some((v) => v.persistent)) {
    issues.error(
      ['scheduling', 'upgrade', 'maximumOverCapacity'],
      'pod.resident.upgrade',
      'must be 0 for pods with persistent volumes',
    );
  }
}
