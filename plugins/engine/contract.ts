/**
 * The engine's contract (types only): the hooks it publishes and the extension API a started
 * engine hands the plugins that work beside it — runtimes, placement policies, volumes, probes,
 * balancers, DNS. Other plugins never import this file: they reach it through core
 * (`runner.hooksOf('engine')`, `Contract<'engine'>['api']`), core/contracts.ts says how.
 */
import type { Registry } from 'prom-client';
import type { SyncHook } from 'tapable';
import type { App, HealthCheckResult, Pod, TaskExit, TaskHandle, TaskRuntime } from '../../core/index.js';
import type { ExtensionRoute, KillGate } from './extensions.js';
import type { PlacementRegistry, PlacementPolicy, PlacedTask, PolicyFinding } from './placement-policy.js';
import type { AgentSpec, EngineSettings } from './settings.js';
import type { Goal, Condition, ReadinessResult, Reservation } from './types.js';
import type { MarathonEvent } from './events.js';
import type { VolumeProvider, VolumeRegistry, ReservedVolume } from './volumes.js';

export type { ExtensionRoute, KillGate, KillingTask } from './extensions.js';
export type {
  PlacementRegistry,
  PlacementPolicy,
  PlacementSession,
  PlacedTask,
  PolicyFinding,
} from './placement-policy.js';
export type { AgentSpec, EngineSettings } from './settings.js';
export type { VolumeProvider, VolumeRegistry, ReservedVolume } from './volumes.js';
export type { MarathonEvent } from './events.js';

/** An app (or a pod's run spec) as the engine holds it, read-only to extensions. */
export interface AppView {
  readonly app: App;
  readonly pod?: Pod;
  readonly version: string;
  readonly versionInfo: { readonly lastConfigChangeAt: string; readonly lastScalingAt: string };
}

/** One instance (one task incarnation at a time), read-only to extensions. */
export interface InstanceView {
  readonly instanceId: string;
  readonly appId: string;
  readonly runSpecVersion: string;
  readonly goal: Goal;
  readonly condition: Condition;
  readonly since: string;
  readonly incarnation: number;
  readonly taskId?: string;
  readonly agentId?: string;
  readonly ports: readonly number[];
  readonly stagedAt?: string;
  readonly startedAt?: string;
  readonly handle?: TaskHandle;
  readonly sandbox?: string;
  readonly lastExit?: TaskExit;
  /** Per health check of its version, Marathon's health record (set by a health plugin). */
  readonly health?: readonly HealthCheckResult[];
  readonly ready?: boolean;
  readonly readiness?: ReadinessResult;
  readonly reservation?: Reservation;
}

/** A status section of an extension: `baton engine status` prints `summary`; /baton/v1/status has all of it. */
export type StatusSection = { summary: string[]; perApp?: Record<string, string[]> } & Record<string, unknown>;

/**
 * What a started engine offers the plugins that work beside it: its state to read, the few
 * actions an extension takes, and the places where an extension plugs in.
 */
export interface EngineApi {
  readonly id: string;
  readonly settings: Readonly<Omit<EngineSettings, 'token'>> & { readonly agents: readonly AgentSpec[] };
  readonly apps: ReadonlyMap<string, AppView>;
  readonly instances: ReadonlyMap<string, InstanceView>;
  readonly runtimes: readonly TaskRuntime[];
  readonly events: {
    on(listener: (e: MarathonEvent) => void): () => void;
    emit(eventType: string, fields?: Record<string, unknown>): void;
  };
  /** Set once the engine stops: extensions leave what they serve as it is (the next engine adopts it). */
  readonly stopping: boolean;
  agent(id: string | undefined): AgentSpec | undefined;
  /** The app version an instance runs (relaunches keep theirs during a deployment). */
  specOf(i: InstanceView, current: AppView): AppView;
  /** Healthy by every health check of its version (true without checks). */
  isHealthy(i: InstanceView): boolean;
  /** The deployments that hold an app. */
  locks(appId: string): readonly { id: string }[];
  /** Kill an instance's task (it relaunches: its goal stays), saying why. */
  kill(i: InstanceView, reason?: string): Promise<void>;
  /** Ask the scheduler to look again now. */
  poke(): void;
  /** A health plugin's results for an instance (undefined: none yet), one per check of its version. */
  setHealth(i: InstanceView, health: readonly HealthCheckResult[]): void;
  /** A health plugin's readiness result for a new task of a deployment. */
  setReadiness(i: InstanceView, readiness: ReadinessResult, ready: boolean): void;
  /** A status section (DNS names, VIPs, the balancer). */
  addStatusSection(name: string, section: () => StatusSection): void;
  /** API routes under /baton/v1/x/ (a balancer's traffic controls). */
  addRoutes(routes: readonly ExtensionRoute[]): void;
  /** Awaited between marking a task Killing and signalling it (a balancer takes it out of rotation first). */
  addKillGate(gate: KillGate): void;
  /** A name server tasks get ($BATON_DNS; Docker `--dns` when on port 53), "address:port". */
  addResolver(address: string): void;
  /**
   * The engine's Prometheus registry (GET /metrics): an extension adds its own metrics to it
   * (prom-client, `registers: [engine.metrics]`), named `baton_…`, labels bounded (no task ids).
   */
  readonly metrics: Registry;
  onStop(fn: () => void | Promise<void>): void;
}

/** What runtime plugins get: the engine's id, where it keeps state, and where to add their runtime. */
export interface RuntimeRegistry {
  engineId: string;
  /** CPUs all agents offer together (runtimes size their parent cgroup by it). */
  offeredCpus: number;
  /** The agents (runtimes that talk to per-agent daemons read `docker`). */
  agents: readonly AgentSpec[];
  /** The engine's state directory (a runtime keeps what it watches there); absent for validation. */
  stateDir?: string;
  add(runtime: TaskRuntime): void;
  /** Every runtime added (filled as plugins add theirs): a pod runtime launches containers through them. */
  runtimes: readonly TaskRuntime[];
}

/** Hooks the engine publishes (`runner.hooksOf('engine')`). */
export interface EngineHooks {
  /** Task runtimes (mesos, docker, pods) register here when an engine starts. */
  runtimes: SyncHook<[RuntimeRegistry]>;
  /** Placement plugins (constraints) add their policy here when an engine starts (and for plan-time predictions). */
  placement: SyncHook<[PlacementRegistry]>;
  /** A persistence plugin adds the volume provider of resident apps here when an engine starts. */
  volumes: SyncHook<[VolumeRegistry]>;
  /** A health plugin starts probing a started engine's tasks here (a hook of its own: validation asks whether anyone does). */
  probes: SyncHook<[EngineApi]>;
  /** A started engine, for extensions that work beside it (balancers, DNS, VIPs); they stop with `onStop`. */
  started: SyncHook<[EngineApi]>;
}

declare module '../../core/index.js' {
  interface PluginContracts {
    engine: {
      hooks: EngineHooks;
      api: EngineApi;
      app: AppView;
      instance: InstanceView;
      agent: AgentSpec;
      status: StatusSection;
      route: ExtensionRoute;
      killGate: KillGate;
      runtimes: RuntimeRegistry;
      placement: PlacementRegistry;
      policy: PlacementPolicy;
      placedTask: PlacedTask;
      finding: PolicyFinding;
      volumes: VolumeRegistry;
      volumeProvider: VolumeProvider;
      reservedVolume: ReservedVolume;
      readiness: ReadinessResult;
      event: MarathonEvent;
    };
  }
}
