/** The parts of the engine's answers the dashboard reads (Marathon's /v2 shapes and Baton's /baton/v1). */

export interface HealthResult {
  alive: boolean;
  consecutiveFailures?: number;
  lastFailureCause?: string | null;
  lastSuccess?: string | null;
  lastFailure?: string | null;
}

export interface Task {
  id: string;
  appId: string;
  host: string;
  ports: number[];
  state: string;
  startedAt?: string | null;
  stagedAt?: string;
  version?: string;
  slaveId?: string;
  ipAddresses?: { ipAddress: string }[];
  healthCheckResults?: HealthResult[];
  localVolumes?: { containerPath: string; persistenceId: string }[];
}

export interface App {
  id: string;
  instances: number;
  cpus: number;
  mem: number;
  disk?: number;
  cmd?: string | null;
  version: string;
  env?: Record<string, unknown>;
  labels?: Record<string, string>;
  container?: { type?: string; docker?: { image?: string }; volumes?: unknown[] } | null;
  healthChecks?: { protocol?: string; path?: string; portIndex?: number; intervalSeconds?: number }[];
  tasksRunning?: number;
  tasksStaged?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: { id: string }[];
  tasks?: Task[];
  lastTaskFailure?: { message?: string; state?: string; timestamp?: string; taskId?: string } | null;
  dependencies?: string[];
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
}

export interface Deployment {
  id: string;
  version: string;
  affectedApps: string[];
  affectedPods?: string[];
  currentStep: number;
  totalSteps: number;
  currentActions: { action: string; app?: string; pod?: string; readinessCheckResults?: unknown[] }[];
  steps: { actions: { action: string; app?: string; pod?: string }[] }[];
}

export interface Group {
  id: string;
  dependencies?: string[];
  apps: App[];
  groups: Group[];
  pods?: { id: string }[];
  version?: string;
}

export interface PodStatus {
  id: string;
  status: string;
  statusSince?: string;
  spec: {
    id: string;
    scaling?: { instances?: number };
    containers: { name: string; resources?: { cpus?: number; mem?: number } }[];
  };
  instances: {
    id: string;
    status: string;
    agentHostname?: string;
    containers: {
      name: string;
      status: string;
      containerId?: string;
      endpoints?: { name: string; allocatedHostPort?: number }[];
    }[];
  }[];
}

export interface ExtensionSection {
  summary?: string[];
  perApp?: Record<string, string[]>;
  [k: string]: unknown;
}

export interface Status {
  url: string;
  engineId: string;
  pid: number;
  startedAt: string;
  stateDir: string;
  tokenRequired: boolean;
  apps: number;
  pods: number;
  deployments: number;
  tasks: { running: number; staging: number; waiting: number };
  agents: {
    id: string;
    hostname: string;
    address: string;
    role?: string;
    tasks: number;
    attributes?: Record<string, string>;
    resources: { cpus: number; mem: number; disk: number; ports: string };
    used: { cpus: number; mem: number; disk: number; ports: number };
  }[];
  queue: { appId: string; count: number; why?: string; delayUntil?: string | null }[];
  eventLoop?: { p99?: number; max?: number };
  extensions: Record<string, ExtensionSection>;
}

export interface History {
  id: string;
  current: string | null;
  versions: {
    version: string;
    outcomes: { version: string; outcome: string; at?: string; message?: string; deploymentId?: string }[];
  }[];
}

export interface TrafficServer {
  backend: string;
  name: string;
  taskId?: string;
  appId: string;
  status: string;
  weight: number;
  scur: number;
  stot: number;
  hrsp2xx: number;
  hrsp5xx: number;
  econ: number;
  eresp: number;
  rtime: number;
}

export interface Analysis {
  at: number;
  step?: number;
  weight?: number;
  requests?: number;
  errors?: number;
  errorRate?: number;
  rtimeMs?: number;
  maxErrorRate?: number;
  minRequests?: number;
  maxResponseTimeMs?: number;
  verdict?: string;
}

export interface TrafficGroup {
  group: string;
  running: boolean;
  backends: string[];
  split:
    | (null | {
        group: string;
        app: string;
        percent: number;
        note?: {
          strategy?: string;
          step?: number;
          steps?: { weight: number; pauseSeconds?: number }[];
          stepEndsAt?: number | null;
          analysis?: Analysis;
          command?: string | null;
          heartbeat?: number;
        };
      })
    | undefined;
  history: Analysis[];
  servers: TrafficServer[];
}

export interface LbRow {
  proxy: string;
  name: string;
  type: 'frontend' | 'backend' | 'server';
  status: string;
  weight: number;
  sessions: number;
  total: number;
  http5xx: number;
  errors: number;
  check: string;
}
