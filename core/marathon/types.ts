/**
 * Marathon 1.10 run-spec types as Baton uses them after normalisation (marathon-semantics.md §1, §6, §7).
 * Field names are Marathon's own: recipes are written in Marathon JSON.
 */
export type EnvValue = string | { secret: string };
export type Labels = Record<string, string>;

export interface Network {
  mode: 'host' | 'container/bridge' | 'container';
  name?: string;
  labels?: Labels;
}
export interface PortDefinition {
  port: number;
  protocol: 'tcp' | 'udp' | 'udp,tcp';
  name?: string;
  labels?: Labels;
}
export interface PortMapping {
  containerPort: number;
  hostPort?: number;
  servicePort: number;
  protocol: 'tcp' | 'udp' | 'udp,tcp';
  name?: string;
  labels?: Labels;
  networkNames?: string[];
}
export interface PersistentVolumeInfo {
  type: 'root' | 'path' | 'mount';
  size: number;
  maxSize?: number;
  profileName?: string;
  constraints?: string[][];
}
export interface AppVolume {
  containerPath: string;
  hostPath?: string;
  mode?: 'RO' | 'RW';
  persistent?: PersistentVolumeInfo;
  external?: Record<string, unknown>;
  secret?: string;
}
export interface DockerInfo {
  image: string;
  forcePullImage: boolean;
  privileged: boolean;
  parameters: { key: string; value: string }[];
  pullConfig?: { secret: string };
}
export interface Container {
  type: 'MESOS' | 'DOCKER';
  docker?: DockerInfo;
  volumes: AppVolume[];
  portMappings?: PortMapping[];
  linuxInfo?: Record<string, unknown>;
}
export type HealthProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'COMMAND' | 'MESOS_HTTP' | 'MESOS_HTTPS' | 'MESOS_TCP';
export interface HealthCheck {
  protocol: HealthProtocol;
  path?: string;
  portIndex?: number;
  port?: number;
  command?: { value: string };
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  maxConsecutiveFailures: number;
  delaySeconds: number;
  ignoreHttp1xx: boolean;
  ipProtocol: 'IPv4' | 'IPv6';
}
export interface ReadinessCheck {
  name: string;
  protocol: 'HTTP' | 'HTTPS';
  path: string;
  portName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  httpStatusCodesForReady: number[];
  preserveLastResponse: boolean;
}
export interface UpgradeStrategy {
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
}
export type UnreachableStrategy = 'disabled' | { inactiveAfterSeconds: number; expungeAfterSeconds: number };
export type KillSelection = 'YOUNGEST_FIRST' | 'OLDEST_FIRST';

/** Marathon's per-instance, per-check health record (`healthCheckResults` in task JSON, marathon-semantics.md §3.2). */
export interface HealthCheckResult {
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess?: string;
  lastSuccess?: string;
  lastFailure?: string;
  lastFailureCause?: string;
  instanceId: string;
}

/** A normalised app: every defaulted field present. */
export interface App {
  id: string;
  cmd?: string;
  args?: string[];
  user?: string;
  executor: string;
  fetch: { uri: string; extract?: boolean; executable?: boolean; cache?: boolean; destPath?: string }[];
  instances: number;
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  resourceLimits?: { cpus?: number | 'unlimited'; mem?: number | 'unlimited' };
  container?: Container;
  networks: Network[];
  portDefinitions?: PortDefinition[];
  requirePorts: boolean;
  env: Record<string, EnvValue>;
  secrets: Record<string, { source: string }>;
  labels: Labels;
  constraints: string[][];
  acceptedResourceRoles?: string[];
  role?: string;
  healthChecks: HealthCheck[];
  readinessChecks: ReadinessCheck[];
  check?: Record<string, unknown>;
  upgradeStrategy: UpgradeStrategy;
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  killSelection: KillSelection;
  unreachableStrategy: UnreachableStrategy;
  taskKillGracePeriodSeconds?: number;
  dependencies: string[];
  residency?: { relaunchEscalationTimeoutSeconds: number; taskLostBehavior: string };
  tty?: boolean;
  executorResources?: { cpus?: number; mem?: number; disk?: number };
}

export interface PodEndpoint {
  name: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string[];
  labels?: Labels;
  networkNames?: string[];
}
export interface PodContainer {
  name: string;
  exec?: { command: { shell?: string; argv?: string[] }; overrideEntrypoint?: boolean };
  resources: { cpus: number; mem: number; disk: number; gpus: number };
  endpoints: PodEndpoint[];
  image?: { kind: 'DOCKER'; id: string; forcePull?: boolean };
  environment: Record<string, EnvValue>;
  healthCheck?: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  artifacts?: unknown[];
  labels: Labels;
  lifecycle?: { killGracePeriodSeconds?: number };
  user?: string;
  [key: string]: unknown;
}
export interface Pod {
  id: string;
  labels: Labels;
  user?: string;
  environment: Record<string, EnvValue>;
  containers: PodContainer[];
  secrets: Record<string, { source: string }>;
  volumes: { name: string; host?: string; persistent?: PersistentVolumeInfo; secret?: string }[];
  networks: Network[];
  scaling: { kind: 'fixed'; instances: number };
  scheduling: {
    backoff: { backoff: number; backoffFactor: number; maxLaunchDelay: number };
    upgrade: UpgradeStrategy;
    placement: {
      constraints: { fieldName: string; operator: string; value?: string }[];
      acceptedResourceRoles?: string[];
    };
    killSelection: KillSelection;
    unreachableStrategy: UnreachableStrategy;
  };
  executorResources: { cpus: number; mem: number; disk: number };
  role?: string;
  [key: string]: unknown;
}
export interface Group {
  id: string;
  apps: App[];
  pods: Pod[];
  groups: Group[];
  dependencies: string[];
  enforceRole?: boolean;
}

/** True when an app has persistent local volumes (a "resident" app, marathon-semantics.md §5.2). */
export function isResident(spec: { container?: { volumes?: AppVolume[] } }): boolean {
  return (spec.container?.volumes ?? []).some((v) => v.persistent !== undefined);
}
