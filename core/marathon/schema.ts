/**
 * JSON Schema (draft-07, checked with Ajv) for Marathon 1.10 app, pod and group definitions: the
 * structural half of validation. Built from Marathon's RAML types (docs/docs/rest-api/public/api/v2/types
 * in https://github.com/mesosphere/marathon), not from its 1.7 JSON Schema, which lacks 1.8+ fields.
 * Every object is closed (`additionalProperties: false`) so that unknown fields are *reported*;
 * Marathon itself ignores them (marathon-semantics.md §1.11, issue #2564). Semantic rules live in
 * validate-app.ts / validate-pod.ts.
 */
type Schema = Record<string, unknown>;

/** A closed object: unknown keys are reported. */
function obj(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', properties, required, additionalProperties: false };
}
const str: Schema = { type: 'string' };
const nonEmpty: Schema = { type: 'string', minLength: 1 };
const bool: Schema = { type: 'boolean' };
const num = (minimum?: number, maximum?: number): Schema => ({
  type: 'number',
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
const int = (minimum?: number, maximum?: number): Schema => ({ ...num(minimum, maximum), type: 'integer' });
const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });
const map = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
const strMap = map(str);
const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as string, 'null'] });

const labels = strMap;
/** Read-only fields Marathon returns from GET; accepted (so exported JSON round-trips) and dropped. */
export const READ_ONLY_APP_FIELDS = [
  'version',
  'versionInfo',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'readinessCheckResults',
  'tasks',
  'lastTaskFailure',
  'taskStats',
  'tasksStats',
] as const;
const readOnly: Record<string, Schema> = Object.fromEntries(READ_ONLY_APP_FIELDS.map((k) => [k, {}]));

const envValue: Schema = {
  type: ['string', 'object'],
  properties: { secret: nonEmpty },
  required: [],
  additionalProperties: false,
};
const secrets = map(obj({ source: nonEmpty }, ['source']));
const upgradeStrategy = obj({ minimumHealthCapacity: num(0, 1), maximumOverCapacity: num(0, 1) });
const unreachableStrategy: Schema = {
  type: ['string', 'object'],
  properties: { inactiveAfterSeconds: int(0), expungeAfterSeconds: int(0) },
  additionalProperties: false,
};
const portProtocol: Schema = { type: 'string', enum: ['tcp', 'udp', 'udp,tcp'] };
const portName: Schema = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' };
const network = obj({
  mode: { type: 'string', enum: ['host', 'container/bridge', 'container'] },
  name: nullable(str),
  labels: nullable(labels),
});
const portDefinition = obj({ port: int(0, 65535), protocol: portProtocol, name: portName, labels });
const portMapping = obj({
  containerPort: int(0, 65535),
  hostPort: int(0, 65535),
  servicePort: int(0, 65535),
  protocol: portProtocol,
  name: portName,
  labels,
  networkNames: arr(nonEmpty),
});
const artifact = obj(
  {
    uri: { type: 'string', minLength: 1, maxLength: 1024 },
    extract: bool,
    executable: bool,
    cache: bool,
    destPath: str,
  },
  ['uri'],
);
const persistentInfo = obj(
  {
    type: { type: 'string', enum: ['root', 'path', 'mount'] },
    size: int(1),
    maxSize: int(1),
    profileName: str,
    constraints: arr(arr(str)),
  },
  ['size'],
);
const externalInfo = obj({ size: int(1), name: str, provider: str, options: map({}), shared: bool });
const appVolume = obj(
  {
    containerPath: nonEmpty,
    hostPath: str,
    mode: { type: 'string', enum: ['RO', 'RW'] },
    persistent: persistentInfo,
    external: externalInfo,
    secret: nonEmpty,
  },
  ['containerPath'],
);
const dockerParameter = obj({ key: nonEmpty, value: str }, ['key', 'value']);
const docker = obj(
  {
    image: nonEmpty,
    forcePullImage: bool,
    privileged: bool,
    parameters: arr(dockerParameter),
    pullConfig: obj({ secret: nonEmpty }),
    credential: obj({ principal: str, secret: str }),
    network: { type: 'string', enum: ['BRIDGE', 'HOST', 'NONE', 'USER'] },
    portMappings: arr(portMapping),
  },
  ['image'],
);
const linuxInfo = obj({
  seccomp: obj({ profileName: str, unconfined: bool }),
  ipcInfo: obj({ mode: { type: 'string', enum: ['PRIVATE', 'SHARE_PARENT'] }, shmSize: int(0) }),
});
const container = obj({
  type: { type: 'string', enum: ['MESOS', 'DOCKER'] },
  docker,
  volumes: arr(appVolume),
  portMappings: arr(portMapping),
  linuxInfo,
});
const healthCheck = obj({
  protocol: { type: 'string', enum: ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'] },
  path: str,
  portIndex: int(0),
  port: int(0, 65535),
  command: obj({ value: nonEmpty }, ['value']),
  gracePeriodSeconds: int(0),
  intervalSeconds: int(0),
  timeoutSeconds: int(0),
  maxConsecutiveFailures: int(0),
  delaySeconds: int(0),
  ignoreHttp1xx: bool,
  ipProtocol: { type: 'string', enum: ['IPv4', 'IPv6'] },
});
const readinessCheck = obj({
  name: nonEmpty,
  protocol: { type: 'string', enum: ['HTTP', 'HTTPS'] },
  path: str,
  portName: nonEmpty,
  intervalSeconds: int(1),
  timeoutSeconds: int(1),
  httpStatusCodesForReady: arr(int(100, 999)),
  preserveLastResponse: bool,
});
const httpCheck = obj({
  endpoint: nonEmpty,
  path: str,
  scheme: { type: 'string', enum: ['HTTP', 'HTTPS', 'http', 'https'] },
});
const tcpCheck = obj({ endpoint: nonEmpty });
const appCheck = obj({
  http: obj({ portIndex: int(0), path: str, scheme: str }),
  tcp: obj({ portIndex: int(0) }),
  exec: obj({ command: obj({ value: nonEmpty }) }),
  intervalSeconds: int(0),
  timeoutSeconds: int(0),
  delaySeconds: int(0),
});
const resourceLimit: Schema = { type: ['number', 'string'] };
const executorResources = obj({ cpus: num(0.1), mem: num(32), disk: num(10) });

export const APP_SCHEMA: Schema = obj(
  {
    id: nonEmpty,
    cmd: { type: 'string', minLength: 1 },
    args: arr(str),
    user: str,
    executor: { type: 'string', pattern: '^(//cmd)|(/?[^/]+(/[^/]+)*)|$' },
    fetch: arr(artifact),
    uris: arr(str),
    instances: int(0),
    cpus: num(0),
    mem: num(0),
    disk: num(0),
    gpus: int(0),
    executorResources,
    resourceLimits: obj({ cpus: resourceLimit, mem: resourceLimit }),
    container,
    networks: arr(network),
    portDefinitions: arr(portDefinition),
    ports: arr(int(0, 65535)),
    requirePorts: bool,
    ipAddress: obj({
      networkName: str,
      labels,
      groups: arr(str),
      discovery: obj({ ports: arr(obj({ number: int(0, 65535), name: str, protocol: str, labels })) }),
    }),
    env: map(envValue),
    secrets,
    labels,
    constraints: arr(arr(str)),
    acceptedResourceRoles: arr(nonEmpty, { minItems: 1, uniqueItems: true }),
    role: nonEmpty,
    healthChecks: arr(healthCheck),
    readinessChecks: arr(readinessCheck),
    check: appCheck,
    upgradeStrategy,
    backoffSeconds: int(0),
    backoffFactor: num(1),
    maxLaunchDelaySeconds: int(0),
    killSelection: { type: 'string', enum: ['YOUNGEST_FIRST', 'OLDEST_FIRST'] },
    unreachableStrategy,
    taskKillGracePeriodSeconds: int(0),
    dependencies: arr(nonEmpty, { uniqueItems: true }),
    residency: obj({
      relaunchEscalationTimeoutSeconds: int(0),
      taskLostBehavior: { type: 'string', enum: ['WAIT_FOREVER', 'RELAUNCH_AFTER_TIMEOUT'] },
    }),
    tty: bool,
    ...readOnly,
  },
  ['id'],
);

const podEndpoint = obj(
  {
    name: portName,
    containerPort: nullable(int(0, 65535)),
    hostPort: nullable(int(0, 65535)),
    protocol: arr(str),
    labels,
    networkNames: arr(nonEmpty),
  },
  ['name'],
);
const podHealthCheck = obj({
  http: httpCheck,
  tcp: tcpCheck,
  exec: obj({ command: obj({ shell: nonEmpty, argv: arr(str) }) }),
  gracePeriodSeconds: int(0),
  intervalSeconds: int(0),
  maxConsecutiveFailures: int(0),
  timeoutSeconds: int(0),
  delaySeconds: int(0),
});
const podResources = obj({ cpus: num(0), mem: num(0), disk: num(0), gpus: int(0) });
const podContainer = obj(
  {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    exec: obj({ command: obj({ shell: nonEmpty, argv: arr(str) }), overrideEntrypoint: bool }, ['command']),
    resources: podResources,
    resourceLimits: obj({ cpus: resourceLimit, mem: resourceLimit }),
    endpoints: arr(podEndpoint),
    image: obj(
      {
        kind: { type: 'string', enum: ['DOCKER'] },
        id: nonEmpty,
        forcePull: bool,
        pullConfig: obj({ secret: nonEmpty }),
        labels,
      },
      ['kind', 'id'],
    ),
    environment: map(envValue),
    user: str,
    healthCheck: podHealthCheck,
    check: map({}),
    volumeMounts: arr(obj({ name: nonEmpty, mountPath: nonEmpty, readOnly: bool }, ['name', 'mountPath'])),
    artifacts: arr(obj({ uri: nonEmpty, extract: bool, executable: bool, cache: bool, destPath: str }, ['uri'])),
    labels,
    lifecycle: obj({ killGracePeriodSeconds: num(0) }),
    tty: bool,
    linuxInfo,
  },
  ['name', 'resources'],
);
const podVolume = obj({ name: nonEmpty, host: str, persistent: persistentInfo, secret: nonEmpty }, ['name']);

export const POD_SCHEMA: Schema = obj(
  {
    id: nonEmpty,
    labels,
    version: str,
    user: str,
    environment: map(envValue),
    containers: arr(podContainer, { minItems: 1 }),
    secrets,
    volumes: arr(podVolume),
    networks: arr(network),
    scaling: obj({ kind: { type: 'string', enum: ['fixed'] }, instances: int(0), maxInstances: int(0) }),
    scheduling: obj({
      backoff: obj({ backoff: num(0), backoffFactor: num(1), maxLaunchDelay: num(0) }),
      upgrade: upgradeStrategy,
      placement: obj({
        constraints: arr(
          obj({ fieldName: nonEmpty, operator: nonEmpty, value: nullable(str) }, ['fieldName', 'operator']),
        ),
        acceptedResourceRoles: arr(nonEmpty),
      }),
      killSelection: { type: 'string', enum: ['YOUNGEST_FIRST', 'OLDEST_FIRST'] },
      unreachableStrategy,
    }),
    executorResources,
    role: nonEmpty,
    linuxInfo,
    legacySharedCgroups: bool,
  },
  ['id', 'containers'],
);

/** Groups nest; Ajv resolves the recursive `$ref` through the recipe's `$defs`. */
export const GROUP_SCHEMA: Schema = obj(
  {
    id: nonEmpty,
    apps: arr({ $ref: '#/$defs/app' }),
    pods: arr({ $ref: '#/$defs/pod' }),
    groups: arr({ $ref: '#/$defs/group' }),
    dependencies: arr(nonEmpty, { uniqueItems: true }),
    enforceRole: bool,
    version: str,
  },
  ['id'],
);

/** Keys of the app schema: used for "did you mean" suggestions on unknown fields. */
export const APP_FIELDS = Object.keys(APP_SCHEMA.properties as object);
