import { canonicalId, parentId } from './ids.js';
import { READ_ONLY_APP_FIELDS } from './schema.js';
import type {
  App,
  AppVolume,
  Container,
  HealthCheck,
  Network,
  PortDefinition,
  PortMapping,
  ReadinessCheck,
} from './types.js';
import type { Issues } from '../validation.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON is untyped until normalised */
type Raw = Record<string, any>;

const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrOf = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

export const HEALTH_DEFAULTS = {
  gracePeriodSeconds: 300,
  intervalSeconds: 60,
  timeoutSeconds: 20,
  maxConsecutiveFailures: 3,
  delaySeconds: 15,
  ignoreHttp1xx: false,
  ipProtocol: 'IPv4',
} as const;

/**
 * Marathon's AppNormalization (marathon-semantics.md §1, §13): deprecated fields translated, defaults filled,
 * ids made absolute. Runs before semantic validation, exactly as Marathon does. Conflicts that
 * only normalisation can see (e.g. `uris` and `fetch` together) are reported to `issues`.
 * `parent` is the group the app is defined in.
 */
export function normalizeApp(input: Raw, issues: Issues, parent = '/'): App {
  const raw: Raw = { ...input };
  for (const k of READ_ONLY_APP_FIELDS) delete raw[k];

  const id = typeof raw.id === 'string' ? canonicalId(raw.id, parent) : '';
  const resident = arrOf<Raw>(raw.container?.volumes).some((v) => isObj(v) && isObj(v.persistent));
  const external = arrOf<Raw>(raw.container?.volumes).some((v) => isObj(v) && isObj(v.external));

  const container = normalizeContainer(raw, issues);
  const networks = normalizeNetworks(raw, container, issues);
  const hostMode = networks.length === 1 && networks[0].mode === 'host';

  let portDefinitions: PortDefinition[] | undefined;
  if (raw.ports !== undefined && raw.portDefinitions !== undefined) {
    issues.error(
      ['ports'],
      'app.ports.deprecated-with-port-definitions',
      "'ports' (deprecated) and 'portDefinitions' cannot be used together",
    );
  }
  if (hostMode) {
    const defs: Raw[] | undefined = Array.isArray(raw.portDefinitions)
      ? raw.portDefinitions
      : Array.isArray(raw.ports)
        ? raw.ports.map((port: number) => ({ port }))
        : undefined;
    portDefinitions =
      defs === undefined
        ? [{ port: 0, protocol: 'tcp', name: 'default' }]
        : defs.map((d) => ({ ...d, port: d.port ?? 0, protocol: d.protocol ?? 'tcp' }) as PortDefinition);
  }

  if (container && !hostMode) {
    const bridge = networks.some((n) => n.mode === 'container/bridge');
    const mappings: Raw[] = container.portMappings ?? [{ containerPort: 0, name: 'default' }];
    container.portMappings = mappings.map((m) => {
      const out: Raw = {
        ...m,
        containerPort: m.containerPort ?? 0,
        servicePort: m.servicePort ?? 0,
        protocol: m.protocol ?? 'tcp',
      };
      // In bridge mode a missing hostPort means "dynamic" (marathon-semantics.md §9); in container mode it means none.
      if (bridge && out.hostPort === undefined) out.hostPort = 0;
      return out as PortMapping;
    });
  }

  if (raw.uris !== undefined && raw.fetch !== undefined) {
    issues.error(['uris'], 'app.fetch.uris-with-fetch', "'uris' (deprecated) and 'fetch' cannot be used together");
  }
  const fetch = Array.isArray(raw.fetch)
    ? raw.fetch
    : arrOf<string>(raw.uris).map((uri) => ({
        uri,
        extract: /\.(tgz|tar\.gz|tbz2|tar\.bz2|txz|tar\.xz|zip)$/.test(uri),
      }));

  const upgradeDefault =
    resident || external
      ? { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }
      : { minimumHealthCapacity: 1, maximumOverCapacity: 1 };
  const app: App = {
    id,
    ...(raw.cmd !== undefined ? { cmd: raw.cmd } : {}),
    ...(raw.args !== undefined ? { args: raw.args } : {}),
    ...(raw.user !== undefined ? { user: raw.user } : {}),
    executor: raw.executor ?? '',
    fetch,
    instances: raw.instances ?? 1,
    cpus: raw.cpus ?? 1,
    mem: raw.mem ?? 128,
    disk: raw.disk ?? 0,
    gpus: raw.gpus ?? 0,
    ...(raw.resourceLimits !== undefined ? { resourceLimits: raw.resourceLimits } : {}),
    ...(container ? { container } : {}),
    networks,
    ...(portDefinitions ? { portDefinitions } : {}),
    requirePorts: hostMode ? (raw.requirePorts ?? false) : false,
    env: isObj(raw.env) ? raw.env : {},
    secrets: isObj(raw.secrets) ? raw.secrets : {},
    labels: isObj(raw.labels) ? raw.labels : {},
    constraints: arrOf<unknown[]>(raw.constraints).map((c) =>
      Array.isArray(c) && typeof c[1] === 'string' ? [c[0], c[1].toUpperCase(), ...c.slice(2)] : c,
    ) as string[][],
    ...(raw.acceptedResourceRoles !== undefined ? { acceptedResourceRoles: raw.acceptedResourceRoles } : {}),
    ...(raw.role !== undefined ? { role: raw.role } : {}),
    healthChecks: arrOf<Raw>(raw.healthChecks).map(normalizeHealthCheck),
    readinessChecks: arrOf<Raw>(raw.readinessChecks).map(normalizeReadinessCheck),
    ...(raw.check !== undefined ? { check: raw.check } : {}),
    upgradeStrategy: { ...upgradeDefault, ...(isObj(raw.upgradeStrategy) ? raw.upgradeStrategy : {}) },
    backoffSeconds: raw.backoffSeconds ?? 1,
    backoffFactor: raw.backoffFactor ?? 1.15,
    maxLaunchDelaySeconds: raw.maxLaunchDelaySeconds ?? 300,
    killSelection: raw.killSelection ?? 'YOUNGEST_FIRST',
    unreachableStrategy:
      raw.unreachableStrategy ?? (resident ? 'disabled' : { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }),
    ...(raw.taskKillGracePeriodSeconds !== undefined
      ? { taskKillGracePeriodSeconds: raw.taskKillGracePeriodSeconds }
      : {}),
    dependencies: arrOf<string>(raw.dependencies).map((d) =>
      typeof d === 'string' ? canonicalId(d, parentId(id)) : d,
    ),
    ...(resident || raw.residency !== undefined
      ? {
          residency: {
            relaunchEscalationTimeoutSeconds: 3600,
            taskLostBehavior: 'WAIT_FOREVER',
            ...(raw.residency ?? {}),
          },
        }
      : {}),
    ...(raw.tty !== undefined ? { tty: raw.tty } : {}),
    ...(raw.executorResources !== undefined ? { executorResources: raw.executorResources } : {}),
  };
  return app;
}

function normalizeContainer(raw: Raw, issues: Issues): Container | undefined {
  if (!isObj(raw.container)) return undefined;
  const c: Raw = { ...raw.container };
  const type = c.type ?? 'DOCKER'; // marathon-semantics.md §1.4: a container object defaults to DOCKER
  let docker: Raw | undefined = isObj(c.docker) ? { ...c.docker } : undefined;
  if (docker) {
    if (docker.portMappings !== undefined) {
      if (c.portMappings !== undefined) {
        issues.error(
          ['container', 'docker', 'portMappings'],
          'app.container.port-mappings-twice',
          "port mappings are set both in 'container.docker.portMappings' (deprecated) and 'container.portMappings'",
        );
      } else {
        c.portMappings = docker.portMappings;
      }
      delete docker.portMappings;
    }
    docker = {
      ...docker,
      forcePullImage: docker.forcePullImage ?? false,
      privileged: docker.privileged ?? false,
      parameters: docker.parameters ?? [],
    };
  }
  const volumes = arrOf<Raw>(c.volumes).map((v) => {
    const out: Raw = { ...v };
    if (isObj(v.persistent)) {
      out.persistent = { ...v.persistent, type: v.persistent.type ?? (v.persistent.profileName ? 'mount' : 'root') };
    }
    return out as AppVolume;
  });
  return {
    ...c,
    type,
    ...(docker ? { docker: docker as Container['docker'] } : {}),
    volumes,
    ...(c.portMappings !== undefined ? { portMappings: c.portMappings } : {}),
  } as Container;
}

/** `networks`, translating deprecated `docker.network` and `ipAddress` (marathon-semantics.md §1.5). */
function normalizeNetworks(raw: Raw, container: Container | undefined, issues: Issues): Network[] {
  const legacy = raw.container?.docker?.network as string | undefined;
  if (container?.docker) delete (container.docker as Raw).network; // translated below
  if (raw.networks !== undefined && (legacy !== undefined || raw.ipAddress !== undefined)) {
    issues.error(
      ['networks'],
      'app.networks.deprecated-mixed',
      "'networks' cannot be combined with the deprecated 'container.docker.network' or 'ipAddress'",
    );
  }
  if (Array.isArray(raw.networks)) {
    return raw.networks.map((n: Raw) => {
      const out: Raw = { mode: n.mode ?? 'container' };
      if (n.name != null) out.name = n.name;
      if (n.labels != null && Object.keys(n.labels).length > 0) out.labels = n.labels;
      return out as Network;
    });
  }
  if (isObj(raw.ipAddress)) {
    const ip = raw.ipAddress;
    if (container && container.type === 'MESOS' && container.portMappings === undefined && isObj(ip.discovery)) {
      container.portMappings = arrOf<Raw>(ip.discovery.ports).map((p) => ({
        containerPort: p.number,
        name: p.name,
        protocol: p.protocol ?? 'tcp',
        labels: p.labels,
        servicePort: 0,
      })) as PortMapping[];
    }
    return [
      {
        mode: 'container',
        ...(ip.networkName ? { name: ip.networkName } : {}),
        ...(ip.labels ? { labels: ip.labels } : {}),
      },
    ];
  }
  switch (legacy) {
    case 'BRIDGE':
      return [{ mode: 'container/bridge' }];
    case 'USER':
      return [{ mode: 'container' }];
    default:
      return [{ mode: 'host' }];
  }
}

function normalizeHealthCheck(h: Raw): HealthCheck {
  const protocol = h.protocol ?? 'HTTP';
  const out: Raw = { ...HEALTH_DEFAULTS, ...h, protocol };
  // marathon-semantics.md §3.1: portIndex 0 is injected when neither port nor portIndex is given, except for COMMAND.
  if (protocol !== 'COMMAND' && h.port === undefined && h.portIndex === undefined) out.portIndex = 0;
  return out as HealthCheck;
}

function normalizeReadinessCheck(r: Raw): ReadinessCheck {
  return {
    name: 'readinessCheck',
    protocol: 'HTTP',
    path: '/',
    portName: 'http-api',
    intervalSeconds: 30,
    timeoutSeconds: 10,
    httpStatusCodesForReady: [200],
    preserveLastResponse: false,
    ...r,
  } as ReadinessCheck;
}
