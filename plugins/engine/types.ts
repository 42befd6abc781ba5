import type { App, HealthCheckResult, Pod, TaskExit, TaskHandle } from '../../core/index.js';

/** Marathon instance goals and conditions (marathon-semantics.md §0). */
export type Goal = 'Running' | 'Stopped' | 'Decommissioned';
export type Condition =
  'Scheduled' | 'Staging' | 'Starting' | 'Running' | 'Killing' | 'Killed' | 'Finished' | 'Failed' | 'Error' | 'Gone';

export const TERMINAL: ReadonlySet<Condition> = new Set(['Killed', 'Finished', 'Failed', 'Error', 'Gone']);
export const ACTIVE: ReadonlySet<Condition> = new Set(['Staging', 'Starting', 'Running', 'Killing']);
/** Conditions whose failures count toward backoff (Killed does not, marathon-semantics.md §1.10). */
export const BACKOFF_COUNTED: ReadonlySet<Condition> = new Set(['Failed', 'Finished', 'Error', 'Gone']);

/** One app instance = one task incarnation at a time (its task id changes on relaunch). */
export interface Instance {
  instanceId: string;
  appId: string;
  runSpecVersion: string;
  goal: Goal;
  condition: Condition;
  since: string;
  incarnation: number;
  taskId?: string;
  agentId?: string;
  ports: number[];
  stagedAt?: string;
  startedAt?: string;
  /** When the instance first reached Running in any incarnation (for killSelection). */
  activeSince?: string;
  handle?: TaskHandle;
  sandbox?: string;
  lastExit?: TaskExit;
  /** Set while the engine is killing the task, so its exit reads as TASK_KILLED. */
  killing?: boolean;
  /** Why the engine killed it (e.g. failed health checks), for the task's exit message. */
  killReason?: string;
  /** Per health check of its app version, Marathon's Health record (not persisted, as in Marathon). */
  health?: HealthResult[];
  /** Readiness during a deployment: true once a response had a ready status. */
  ready?: boolean;
  readiness?: ReadinessResult;
  createdAt: string;
  /** Resident instances: the agent and persistent volumes they keep until the app is deleted or wiped. */
  reservation?: Reservation;
}

/** Marathon's per-instance health record (marathon-semantics.md §3.2; healthCheckResults in task JSON). */
export type HealthResult = HealthCheckResult;

export interface ReadinessResult {
  name: string;
  taskId: string;
  ready: boolean;
  lastResponse?: { status: number; contentType: string; body: string };
}

export interface StoredApp {
  /** For a pod: the run spec the engine schedules (pods.ts); the definition itself is `pod`. */
  app: App;
  pod?: Pod;
  version: string;
  versionInfo: { lastConfigChangeAt: string; lastScalingAt: string };
}

export type ActionKind = 'StartApplication' | 'ScaleApplication' | 'RestartApplication' | 'StopApplication';

export interface DeploymentAction {
  action: ActionKind;
  app: string;
}

/** Per-action progress that cannot be derived from the instances (persisted with the deployment). */
export interface ActionState {
  initialized?: boolean;
  killNow?: number;
  maxCapacity?: number;
  oldKilled?: number;
  healthySeen?: string[];
  done?: boolean;
}

export interface Deployment {
  id: string;
  version: string;
  steps: DeploymentAction[][];
  /** 0-based index of the step being worked on. */
  currentStep: number;
  affectedApps: string[];
  /** Definitions before and after, for revert (null = absent). */
  original: Record<string, StoredApp | null>;
  target: Record<string, StoredApp | null>;
  state: Record<string, ActionState>;
  /** Apps whose restart was requested (POST /restart): every instance is replaced, same definition or not. */
  restarts?: string[];
  startedAt: string;
}

export interface TaskFailure {
  appId: string;
  host: string;
  message: string;
  state: string;
  taskId: string;
  timestamp: string;
  version: string;
  slaveId: string;
}

/** One persistent volume of a reservation (marathon-semantics.md §5.3): where it lives on its agent. */
export interface ReservedVolume {
  containerPath: string;
  /** `<runSpec>#<containerPath>#<uuid>`, as Marathon names it. */
  persistenceId: string;
  hostPath: string;
  /** MiB counted against the agent's disk for as long as the reservation exists. */
  size: number;
}

/** A resident instance's reservation: its agent and volumes, kept across relaunches and stops. */
export interface Reservation {
  agentId: string;
  volumes: ReservedVolume[];
}

/** What the engine keeps of a group beyond its apps (marathon-semantics.md §7). */
export interface GroupSpec {
  id: string;
  dependencies: string[];
  enforceRole?: boolean;
}
