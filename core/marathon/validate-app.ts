import { idProblems } from './ids.js';
import { isResident, type App, type AppVolume } from './types.js';
import type { Issues } from '../validation.js';

const MESOS_HEALTH = ['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'];

/**
 * Marathon's semantic app rules (marathon-semantics.md §1.11, §3, §9) on a *normalised* app. `rawId` is the
 * id as written (id rules apply to what the user typed). Each rule has a stable id (`app.*`);
 * docs/recipes.md lists them. Plugins add their own rules (constraints, volumes, docker, ...)
 * through the runner's `validate` hook.
 */
export function validateApp(app: App, issues: Issues, rawId: unknown = app.id): void {
  if (typeof rawId === 'string') {
    for (const p of idProblems(rawId)) issues.error(['id'], 'app.id', p);
  }

  // Command: exactly one of cmd/args, or a container (marathon-semantics.md §1.2).
  if (app.cmd !== undefined && app.args !== undefined) {
    issues.error(['cmd'], 'app.cmd-args-container', "'cmd' and 'args' cannot both be set");
  } else if (app.cmd === undefined && app.args === undefined && !app.container) {
    issues.error(
      ['cmd'],
      'app.cmd-args-container',
      "one of 'cmd' or 'args' is required unless a 'container' (image) is given",
    );
  } else if (
    app.container &&
    app.container.type === 'MESOS' &&
    !app.container.docker &&
    app.cmd === undefined &&
    app.args === undefined
  ) {
    issues.error(['cmd'], 'app.cmd-args-container', "a MESOS container without an image needs 'cmd' or 'args'");
  }
  if (typeof app.cmd === 'string' && app.cmd.length === 1) {
    issues.error(['cmd'], 'app.cmd-length', "'cmd' must be longer than one character");
  }

  validateResources(app, issues);
  validateContainer(app, issues);
  validateNetworksAndPorts(app, issues);
  validateHealthAndReadiness(app, issues);
  validateLifecycle(app, issues);

  for (const [name, value] of Object.entries(app.env)) {
    if (typeof value === 'object' && !(value.secret in app.secrets)) {
      issues.error(
        ['env', name, 'secret'],
        'app.env.secret-ref',
        `references secret '${value.secret}', which is not defined in 'secrets'`,
      );
    }
  }
  app.constraints.forEach((c, i) => {
    if (!Array.isArray(c) || c.length < 2 || c.length > 3) {
      issues.error(['constraints', i], 'app.constraint.arity', 'Each constraint must have either 2 or 3 fields');
    }
  });
  const roles = new Set(['*', 'slave_public', ...(app.role ? [app.role] : [])]);
  (app.acceptedResourceRoles ?? []).forEach((r, i) => {
    if (!roles.has(r)) {
      issues.error(
        ['acceptedResourceRoles', i],
        'app.accepted-roles',
        `role '${r}' is not valid: only '*', 'slave_public' or the app's own role may be accepted (Marathon 1.10)`,
      );
    }
  });
  app.dependencies.forEach((d, i) => {
    for (const p of idProblems(d)) issues.error(['dependencies', i], 'app.dependency-id', p);
  });
}

function validateResources(app: App, issues: Issues): void {
  if (app.cpus < 0.001) issues.error(['cpus'], 'app.resources.cpus', 'must be at least 0.001');
  if (app.gpus > 0 && app.container?.type === 'DOCKER') {
    issues.error(
      ['gpus'],
      'app.resources.gpus-docker',
      'GPUs are not supported with DOCKER containers; use a MESOS container',
    );
  }
  for (const k of ['cpus', 'mem'] as const) {
    const limit = app.resourceLimits?.[k];
    if (limit === undefined || limit === 'unlimited') continue;
    if (typeof limit !== 'number')
      issues.error(['resourceLimits', k], 'app.resources.limit', "must be a number or 'unlimited'");
    else if (limit < app[k])
      issues.error(['resourceLimits', k], 'app.resources.limit', `must be at least the requested ${k} (${app[k]})`);
  }
}

function validateContainer(app: App, issues: Issues): void {
  const c = app.container;
  if (!c) return;
  if (c.type === 'DOCKER' && !c.docker) {
    issues.error(['container', 'docker'], 'app.container.docker-image', "a DOCKER container needs 'docker.image'");
  }
  if (c.type === 'MESOS' && c.docker) {
    if (c.docker.parameters.length > 0) {
      issues.error(
        ['container', 'docker', 'parameters'],
        'app.container.mesos-docker-fields',
        "'parameters' is only supported by DOCKER containers",
      );
    }
    if (c.docker.privileged) {
      issues.error(
        ['container', 'docker', 'privileged'],
        'app.container.mesos-docker-fields',
        "'privileged' is only supported by DOCKER containers",
      );
    }
  }
  if ((c.docker as { credential?: unknown } | undefined)?.credential !== undefined) {
    issues.error(
      ['container', 'docker', 'credential'],
      'app.container.credential',
      "'credential' is no longer supported; use 'pullConfig'",
    );
  }
  c.volumes.forEach((v, i) => {
    const kinds = [
      v.hostPath !== undefined,
      v.persistent !== undefined,
      v.external !== undefined,
      v.secret !== undefined,
    ].filter(Boolean).length;
    if (kinds !== 1) {
      issues.error(
        ['container', 'volumes', i],
        'app.volume.kind',
        "a volume needs exactly one of 'hostPath', 'persistent', 'external' or 'secret'",
      );
    }
    if (v.secret === undefined && v.mode === undefined) {
      issues.error(['container', 'volumes', i, 'mode'], 'app.volume.mode', "is required ('RO' or 'RW')");
    }
    if (v.persistent) validatePersistentVolume(v, issues.at('container', 'volumes', i));
  });
}

/** marathon-semantics.md §5.1: a persistent volume is one relative path segment, read-write; maxSize and constraints only where they apply. */
function validatePersistentVolume(v: AppVolume, issues: Issues): void {
  const p = v.containerPath;
  if (typeof p !== 'string' || p === '' || p.includes('/') || p === '.' || p === '..') {
    issues.error(
      ['containerPath'],
      'app.volume.persistent-path',
      "must be a single relative path segment such as 'data' (no '/', not '.' or '..'); mount it elsewhere with a host volume whose hostPath is this name",
    );
  }
  if (v.mode !== undefined && v.mode !== 'RW')
    issues.error(['mode'], 'app.volume.persistent-mode', "must be 'RW' for a persistent volume");
  const pv = v.persistent!; // size > 0 is the schema's
  if (pv.maxSize !== undefined) {
    if (pv.type !== 'mount')
      issues.error(
        ['persistent', 'maxSize'],
        'app.volume.persistent-max-size',
        "is only allowed for volumes of type 'mount'",
      );
    else if (!(pv.maxSize > pv.size))
      issues.error(['persistent', 'maxSize'], 'app.volume.persistent-max-size', 'must be greater than size');
  }
  if (pv.type === 'root' && (pv.constraints?.length ?? 0) > 0) {
    issues.error(
      ['persistent', 'constraints'],
      'app.volume.persistent-constraints',
      "are not allowed on volumes of type 'root'",
    );
  }
}

/**
 * marathon-semantics.md §5.2: what an update of an app with persistent volumes may not change (its reservations were
 * made for the old resources). Paths are the new definition's.
 */
export function residentUpdateIssues(current: App, next: App, issues: Issues): void {
  if (!isResident(current)) return;
  const msg =
    'Services with persistent volumes configured may not change resource requirements, volumes or fixed host ports';
  // Compared field by field: a cluster echoes defaults (empty constraints, nulls) a recipe leaves out.
  const vols = (a: App) =>
    JSON.stringify(
      (a.container?.volumes ?? [])
        .map((v) => [
          v.containerPath,
          v.hostPath ?? null,
          v.mode ?? 'RW',
          v.persistent
            ? [
                v.persistent.type ?? 'root',
                v.persistent.size,
                v.persistent.maxSize ?? null,
                v.persistent.profileName ?? null,
                v.persistent.constraints?.length ? v.persistent.constraints : null,
              ]
            : null,
        ])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
  if (vols(current) !== vols(next))
    issues.error(['container', 'volumes'], 'app.resident.change', `${msg} (volumes changed)`);
  for (const k of ['cpus', 'mem', 'disk', 'gpus', 'requirePorts'] as const) {
    if (current[k] !== next[k])
      issues.error([k], 'app.resident.change', `${msg} (${k} ${String(current[k])} → ${String(next[k])})`);
  }
  const fixed = (a: App) =>
    [
      ...(a.container?.portMappings ?? []).map((m) => m.hostPort ?? 0),
      ...(a.requirePorts ? (a.portDefinitions ?? []).map((d) => d.port) : []),
    ]
      .filter((x) => x !== 0)
      .sort((x, y) => x - y)
      .join(',');
  const portsAt = next.container?.portMappings?.length ? ['container', 'portMappings'] : ['portDefinitions'];
  if (fixed(current) !== fixed(next))
    issues.error(
      portsAt,
      'app.resident.change',
      `${msg} (fixed host ports ${fixed(current) || 'none'} → ${fixed(next) || 'none'})`,
    );
}

function validateNetworksAndPorts(app: App, issues: Issues): void {
  const modes = app.networks.map((n) => n.mode);
  const host = modes.filter((m) => m === 'host').length;
  const bridge = modes.filter((m) => m === 'container/bridge').length;
  const cont = modes.filter((m) => m === 'container').length;
  const ok =
    (host === 1 && modes.length === 1) || (bridge === 1 && modes.length === 1) || (cont >= 1 && cont === modes.length);
  if (!ok) {
    issues.error(
      ['networks'],
      'app.networks.combination',
      "use exactly one 'host' network, or exactly one 'container/bridge' network, or one or more 'container' networks",
    );
  }
  app.networks.forEach((n, i) => {
    if (n.mode === 'host' && (n.name !== undefined || n.labels !== undefined)) {
      issues.error(['networks', i], 'app.networks.host-fields', "a 'host' network may not have a name or labels");
    }
    if (n.mode === 'container/bridge' && n.name !== undefined) {
      issues.error(
        ['networks', i, 'name'],
        'app.networks.bridge-name',
        "a 'container/bridge' network may not have a name",
      );
    }
    if (n.mode === 'container' && n.name === undefined) {
      issues.error(['networks', i, 'name'], 'app.networks.container-name', "a 'container' network needs a name");
    }
  });
  const names = app.networks.map((n) => n.name).filter((n) => n !== undefined);
  if (new Set(names).size !== names.length)
    issues.error(['networks'], 'app.networks.duplicate-name', 'network names must be unique');
  if (app.container?.type === 'DOCKER' && cont > 1) {
    issues.error(
      ['networks'],
      'app.networks.docker-one-container-network',
      'DOCKER containers may join at most one container network',
    );
  }

  if (host === 1) {
    if (app.container?.portMappings !== undefined && app.container.portMappings.length > 0) {
      issues.error(
        ['container', 'portMappings'],
        'app.ports.mappings-with-host',
        "'portMappings' cannot be used with 'host' networking; use 'portDefinitions'",
      );
    }
    const defs = app.portDefinitions ?? [];
    uniqueNames(defs, ['portDefinitions'], issues);
    const seen = new Map<number, number>();
    defs.forEach((d, i) => {
      if (d.port !== 0 && seen.has(d.port)) {
        issues.error(
          ['portDefinitions', i, 'port'],
          'app.ports.duplicate-port',
          `port ${d.port} is already used by portDefinitions/${seen.get(d.port)}`,
        );
      }
      seen.set(d.port, i);
    });
  } else {
    const mappings = app.container?.portMappings ?? [];
    uniqueNames(mappings, ['container', 'portMappings'], issues);
    if (cont > 1) {
      mappings.forEach((m, i) => {
        if (m.hostPort !== undefined && (m.networkNames?.length ?? 0) !== 1) {
          issues.error(
            ['container', 'portMappings', i, 'networkNames'],
            'app.ports.network-names',
            'with more than one container network, a mapping with a hostPort must name exactly one network',
          );
        }
      });
    }
  }
}

function uniqueNames(ports: { name?: string }[], base: (string | number)[], issues: Issues): void {
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    if (p.name === undefined) return;
    if (seen.has(p.name))
      issues.error([...base, i, 'name'], 'app.ports.duplicate-name', `port name '${p.name}' is used more than once`);
    seen.add(p.name);
  });
}

/** The ports a health check's portIndex or a readiness check's portName can address. */
function addressablePorts(app: App): { name?: string }[] {
  const mappings = app.container?.portMappings ?? [];
  return mappings.length > 0 ? mappings : (app.portDefinitions ?? []);
}

function validateHealthAndReadiness(app: App, issues: Issues): void {
  const ports = addressablePorts(app);
  let mesosChecks = 0;
  app.healthChecks.forEach((h, i) => {
    const at = ['healthChecks', i];
    if (h.port !== undefined && h.portIndex !== undefined) {
      issues.error([...at, 'port'], 'app.health.port', "use either 'port' or 'portIndex', not both");
    }
    if (h.portIndex !== undefined && h.portIndex >= ports.length) {
      issues.error(
        [...at, 'portIndex'],
        'app.health.port-index',
        `portIndex ${h.portIndex} does not address a port: the app has ${ports.length} port(s)`,
      );
    }
    if (h.protocol === 'COMMAND' && !h.command) {
      issues.error([...at, 'command'], 'app.health.command', "a COMMAND health check needs 'command.value'");
    }
    if (h.protocol !== 'COMMAND' && h.command) {
      issues.error(
        [...at, 'command'],
        'app.health.command',
        `'command' is only valid with protocol COMMAND, not ${h.protocol}`,
      );
    }
    if (h.ipProtocol === 'IPv6' && !(MESOS_HEALTH.includes(h.protocol) && app.container?.type === 'DOCKER')) {
      issues.error(
        [...at, 'ipProtocol'],
        'app.health.ipv6',
        'IPv6 is only supported by MESOS_HTTP, MESOS_HTTPS and MESOS_TCP checks on DOCKER containers',
      );
    }
    if (MESOS_HEALTH.includes(h.protocol)) mesosChecks++;
  });
  if (mesosChecks > 1) {
    issues.error(
      ['healthChecks'],
      'app.health.mesos-count',
      'at most one MESOS_HTTP, MESOS_HTTPS or MESOS_TCP health check is allowed',
    );
  }

  if (app.readinessChecks.length > 1) {
    issues.error(['readinessChecks'], 'app.readiness.count', 'at most one readiness check is allowed');
  }
  app.readinessChecks.forEach((r, i) => {
    if (!ports.some((p) => p.name === r.portName)) {
      issues.error(['readinessChecks', i, 'portName'], 'app.readiness.port-name', `no port is named '${r.portName}'`);
    }
    if (r.timeoutSeconds >= r.intervalSeconds) {
      issues.error(
        ['readinessChecks', i, 'timeoutSeconds'],
        'app.readiness.timeout',
        'must be less than intervalSeconds',
      );
    }
  });
}

function validateLifecycle(app: App, issues: Issues): void {
  const u = app.unreachableStrategy;
  if (typeof u === 'string') {
    if (u !== 'disabled')
      issues.error(['unreachableStrategy'], 'app.unreachable-strategy', "must be 'disabled' or an object");
  } else if (u.expungeAfterSeconds < u.inactiveAfterSeconds) {
    issues.error(
      ['unreachableStrategy', 'expungeAfterSeconds'],
      'app.unreachable-strategy',
      'must be at least inactiveAfterSeconds',
    );
  }
  if (isResident(app)) {
    if (app.upgradeStrategy.maximumOverCapacity !== 0) {
      issues.error(
        ['upgradeStrategy', 'maximumOverCapacity'],
        'app.resident.upgrade',
        "must be 0 for apps with persistent volumes (a new task can only use the old task's reservation)",
      );
    }
    if (u !== 'disabled') {
      issues.error(
        ['unreachableStrategy'],
        'app.resident.unreachable',
        "must be 'disabled' for apps with persistent volumes",
      );
    }
  }
  if (app.labels.MARATHON_SINGLE_INSTANCE_APP === 'true') {
    if (app.instances > 1)
      issues.error(
        ['instances'],
        'app.single-instance',
        'a single-instance app (label MARATHON_SINGLE_INSTANCE_APP) may have at most 1 instance',
      );
    const { minimumHealthCapacity, maximumOverCapacity } = app.upgradeStrategy;
    if (minimumHealthCapacity !== 0 || maximumOverCapacity !== 0) {
      issues.error(
        ['upgradeStrategy'],
        'app.single-instance',
        'a single-instance app needs upgradeStrategy {minimumHealthCapacity: 0, maximumOverCapacity: 0}',
      );
    }
  }
}
