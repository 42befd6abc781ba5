import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { idToTaskPrefix, isResident, type App, type Pod, type TaskExit, type TaskRuntime } from '../../core/index.js';
import { Backoff } from './backoff.js';
import { EngineEvents } from './events.js';
import { usage, type DeclineReason } from './placement.js';
import {
  constrainingTasks,
  openSession,
  type PlacementPolicy,
  type PlacementSession,
  type PolicyFinding,
} from './placement-policy.js';
import { agentInfo, type AgentSpec, type EngineSettings } from './settings.js';
import { Store } from './store.js';
import { Groups } from './groups.js';
import { DEFAULT_KILL_GRACE_S, taskLaunch } from './task-launch.js';
import {
  ACTIVE,
  BACKOFF_COUNTED,
  TERMINAL,
  type Condition,
  type Deployment,
  type Instance,
  type StoredApp,
  type TaskFailure,
} from './types.js';
import { DeploymentDriver } from './deployment-driver.js';
import { passKillGates, type ExtensionRoute, type KillGate } from './extensions.js';
import { placeInstance, type VolumeProvider } from './volumes.js';
import { adoptLaunches, removeStrays } from './recovery.js';
import { TaskWatch } from './task-watch.js';
import { EventLoopLag } from './event-loop.js';

const TICK_MS = 200;

const TASK_STATE: Record<Condition, string> = {
  Scheduled: 'TASK_STAGING',
  Staging: 'TASK_STAGING',
  Starting: 'TASK_STARTING',
  Running: 'TASK_RUNNING',
  Killing: 'TASK_KILLING',
  Killed: 'TASK_KILLED',
  Finished: 'TASK_FINISHED',
  Failed: 'TASK_FAILED',
  Error: 'TASK_ERROR',
  Gone: 'TASK_GONE',
};
export const taskState = (c: Condition) => TASK_STATE[c];

const EXIT_CONDITION: Record<TaskExit['state'], Condition> = {
  TASK_FINISHED: 'Finished',
  TASK_FAILED: 'Failed',
  TASK_KILLED: 'Killed',
  TASK_ERROR: 'Error',
  TASK_GONE: 'Gone',
  TASK_DROPPED: 'Gone',
};

/** Why an app's instances wait (for /v2/queue and `baton status`). */
export interface QueueEntry {
  appId: string;
  count: number;
  since: string;
  delayMs: number;
  /** Last placement attempt: per reason, how many agents declined. */
  declined: Partial<Record<DeclineReason, number>>;
  /** Last placement attempt: per unfulfilled constraint, how many agents it ruled out. */
  constraints: Record<string, number>;
  /** Of the app's wanted instances, how many are placed (launched) now. */
  placed: number;
}

/**
 * The embedded engine: Marathon's scheduler for one machine. Holds apps, instances and
 * deployments (persisted in SQLite before acting), converges tasks to instance goals through task
 * runtimes, relaunches with backoff, and drives deployments (DeploymentDriver).
 */
export class Engine {
  readonly events = new EngineEvents();
  readonly id: string;
  readonly store: Store;
  readonly groups: Groups;
  readonly apps = new Map<string, StoredApp>();
  readonly instances = new Map<string, Instance>();
  private readonly byApp = new Map<string, Set<Instance>>();
  private readonly agentsById: ReadonlyMap<string, AgentSpec>;
  /** Something changed since the loop last decided what to launch and kill (poke, instance writes). */
  private dirty = true;
  readonly deployments = new Map<string, Deployment>();
  readonly backoff = new Backoff();
  readonly lastFailure = new Map<string, TaskFailure>();
  readonly queue = new Map<string, QueueEntry>();
  /** Status sections of extensions (DNS, VIPs): `baton engine status` prints `summary`, the API returns all. */
  readonly extensions = new Map<string, () => { summary: string[] } & Record<string, unknown>>();
  /** API routes of extensions (the LB's traffic controls), served under `/baton/v1/x/` (extensions.ts). */
  readonly routes: ExtensionRoute[] = [];
  /** Awaited between marking a task Killing and signalling it: a balancer takes it out of rotation first. */
  readonly killGates: KillGate[] = [];
  /** Creates and destroys persistent volumes (a persistence plugin); resident apps wait without one. */
  volumes?: VolumeProvider;
  /** The engine's name servers as "address:port" (set by a discovery extension), given to tasks. */
  readonly resolvers: string[] = [];
  readonly driver: DeploymentDriver;
  private readonly watch: TaskWatch;
  private readonly busy = new Set<string>(); // instances with a launch or kill in flight
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private lastVersion = 0;
  readonly startedAt = new Date().toISOString();
  readonly eventLoop = new EventLoopLag();
  /** Set when stop() begins: extensions stop acting on a view that is being taken apart (health results cleared). */
  stopping = false;

  readonly runtimes: TaskRuntime[];

  constructor(
    readonly settings: EngineSettings,
    runtimes: (engineId: string, settings: EngineSettings) => TaskRuntime[],
    readonly policies: PlacementPolicy[] = [],
  ) {
    this.agentsById = new Map(settings.agents.map((a) => [a.id, a]));
    this.store = new Store(settings.stateDir);
    this.groups = new Groups(this.store);
    this.id = this.store.meta('engineId') ?? randomUUID().slice(0, 8);
    this.store.setMeta('engineId', this.id);
    this.runtimes = runtimes(this.id, settings);
    for (const a of this.store.loadApps()) this.apps.set(a.app.id, a);
    for (const i of this.store.loadInstances()) {
      // Health and readiness live in memory (as in Marathon): a new engine probes afresh.
      delete i.health;
      this.add(i);
    }
    this.refuseVanishedAgents();
    for (const d of this.store.loadDeployments()) this.deployments.set(d.id, d);
    for (const f of this.store.loadFailures()) this.lastFailure.set(f.appId, f);
    this.driver = new DeploymentDriver(this);
    this.watch = new TaskWatch(this.runtimes, () => this.poke());
  }

  /**
   * Tasks and volumes live on agents: an engine started with agents that lack some its state has
   * tasks or reservations on would relaunch those elsewhere and leave the volumes behind. Refused,
   * naming them, before anything is touched.
   */
  private refuseVanishedAgents(): void {
    const known = new Set(this.settings.agents.map((a) => a.id));
    const gone = new Set<string>();
    for (const i of this.instances.values()) {
      const on = i.reservation?.agentId ?? (ACTIVE.has(i.condition) ? i.agentId : undefined);
      if (on && !known.has(on)) gone.add(on);
    }
    if (gone.size === 0) return;
    this.store.close();
    throw new Error(
      `the state directory ${this.settings.stateDir} has tasks or volumes on agents these settings do not have: ${[...gone].join(', ')}; start the engine with the agents it ran with (its settings.json), or remove those apps first`,
    );
  }

  agent(id: string | undefined): AgentSpec | undefined {
    return id === undefined ? undefined : this.agentsById.get(id);
  }

  runtimeFor(app: App, pod?: Pod): TaskRuntime | undefined {
    return pod ? this.runtimes.find((r) => r.acceptsPod?.(pod)) : this.runtimes.find((r) => r.accepts(app));
  }

  /** A new version timestamp, strictly increasing (two changes in one millisecond stay ordered). */
  newVersion(): string {
    const now = Math.max(Date.now(), this.lastVersion + 1);
    this.lastVersion = now;
    return new Date(now).toISOString();
  }

  /** An app's instances (an index: scheduling asks this per app on every pass). */
  instancesOf(appId: string): Instance[] {
    return [...(this.byApp.get(appId) ?? [])];
  }

  private add(i: Instance): void {
    this.instances.set(i.instanceId, i);
    const mine = this.byApp.get(i.appId);
    if (mine) mine.add(i);
    else this.byApp.set(i.appId, new Set([i]));
  }

  saveInstance(i: Instance): void {
    this.store.putInstance(i);
    this.dirty = true;
  }

  setCondition(i: Instance, condition: Condition): void {
    i.condition = condition;
    i.since = new Date().toISOString();
    this.saveInstance(i);
    this.events.emit('instance_changed_event', {
      instanceId: i.instanceId,
      condition,
      runSpecId: i.appId,
      agentId: i.agentId ?? '',
      host: this.agent(i.agentId)?.hostname ?? '',
      runSpecVersion: i.runSpecVersion,
    });
    if (i.taskId && condition !== 'Scheduled') {
      this.events.emit('status_update_event', {
        slaveId: i.agentId ?? '',
        taskId: i.taskId,
        taskStatus: TASK_STATE[condition],
        message: i.lastExit?.message ?? '',
        appId: i.appId,
        host: this.agent(i.agentId)?.hostname ?? '',
        ipAddresses: [{ ipAddress: this.agent(i.agentId)?.address ?? '', protocol: 'IPv4' }],
        ports: i.ports,
        version: i.runSpecVersion,
      });
    }
  }

  /**
   * An instance of the app to launch. Resident apps first take back a stopped reservation (same
   * instance id, its volumes, re-targeted to this version; marathon-semantics.md §5.3 step 4), then get a new one.
   */
  scheduleInstance(app: StoredApp): Instance {
    const stopped = this.instancesOf(app.app.id)
      .filter((i) => i.goal === 'Stopped' && i.reservation)
      .sort(
        (a, b) =>
          Number(TERMINAL.has(b.condition)) - Number(TERMINAL.has(a.condition)) ||
          a.createdAt.localeCompare(b.createdAt),
      );
    if (stopped.length > 0) {
      const i = stopped[0];
      i.goal = 'Running';
      i.runSpecVersion = app.version;
      this.saveInstance(i);
      this.poke();
      return i;
    }
    const now = new Date().toISOString();
    const i: Instance = {
      instanceId: `${idToTaskPrefix(app.app.id)}.instance-${randomUUID()}`,
      appId: app.app.id,
      runSpecVersion: app.version,
      goal: 'Running',
      condition: 'Scheduled',
      since: now,
      incarnation: 0,
      ports: [],
      createdAt: now,
    };
    this.add(i);
    this.saveInstance(i);
    return i;
  }

  /** Take an instance out of service (ephemeral: removed once terminal). */
  decommission(i: Instance): void {
    if (i.goal === 'Decommissioned') return;
    i.goal = 'Decommissioned';
    this.saveInstance(i);
    this.poke();
  }

  /**
   * Kill for good: ephemeral instances are decommissioned; resident ones are stopped and keep their
   * reservation and volumes for a later scale-up or upgrade (marathon-semantics.md §5.3 step 4).
   */
  retire(i: Instance): void {
    const app = this.apps.get(i.appId)?.app;
    if (!(app && isResident(app) && i.reservation)) return this.decommission(i);
    if (i.goal === 'Stopped') return;
    i.goal = 'Stopped';
    this.saveInstance(i);
    this.poke();
  }

  /** Ask the loop to run now (after an API change or a task event). */
  poke(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Adopt what an earlier engine left running, then start the loop. */
  async start(): Promise<void> {
    await adoptLaunches(this);
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.tick();
        } catch (err) {
          process.stderr.write(`engine tick failed: ${(err as Error).stack}\n`);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, TICK_MS);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /** Stop the loop and close the store. Tasks keep running: the next engine adopts them. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const fn of this.stopHandlers) await fn();
    this.running = false;
    this.poke();
    await this.loop;
    this.watch.close();
    this.eventLoop.stop();
    for (let i = 0; this.busy.size > 0 && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    this.store.close();
  }

  private lastReconcile = 0;
  private lastObserve = 0;

  private async tick(): Promise<void> {
    if (Date.now() - this.lastReconcile > 10_000) {
      this.lastReconcile = Date.now();
      await removeStrays(this);
    }
    // Inspecting every task is paced by the clock, not by pokes: ten launches finishing would
    // otherwise mean ten rounds of inspecting every container while they are starting up.
    if (Date.now() - this.lastObserve >= TICK_MS) {
      this.lastObserve = Date.now();
      await this.observe();
    }
    // Deciding is skipped while nothing changed: no change was made or reported since the last
    // pass, no deployment runs, nothing waits (a backoff or a placement retried on time).
    if (!this.dirty && this.deployments.size === 0 && this.queue.size === 0) return;
    this.dirty = false;
    this.driver.progressAll();
    this.driver.reconcileUnlocked();
    this.converge();
  }

  /** Learn the state of the live tasks that may have changed from their runtime (task-watch.ts). */
  private async observe(): Promise<void> {
    const live = this.watch.due(this.instances.values(), this.busy);
    await Promise.all(
      live.map(async (i) => {
        const rt = this.runtimes.find((r) => r.name === i.handle!.runtime);
        if (!rt) return;
        const s = await rt.inspect(i.handle!).catch(() => ({ running: true as const })); // unreachable: unknown, keep
        if (this.busy.has(i.instanceId) || !ACTIVE.has(i.condition)) return;
        if (!s.running) this.onExit(i, s.exit, rt);
        else if (i.condition === 'Starting') this.setCondition(i, 'Running');
      }),
    );
  }

  private onExit(i: Instance, exit: TaskExit, rt: TaskRuntime): void {
    const killedByUs = i.killing || i.goal !== 'Running';
    const condition: Condition = killedByUs && exit.reason === undefined ? 'Killed' : EXIT_CONDITION[exit.state];
    i.lastExit =
      killedByUs && exit.reason === undefined
        ? {
            ...exit,
            state: 'TASK_KILLED',
            message: i.killReason ? `killed: ${i.killReason}` : `killed (${exit.message})`,
          }
        : exit;
    // Before the status update goes out, which carries the message.
    if (BACKOFF_COUNTED.has(condition) && exit.exitCode)
      i.lastExit = { ...exit, message: withStderr(exit.message, rt, i) };
    i.killing = false;
    i.killReason = undefined;
    i.health = undefined;
    i.ready = undefined;
    this.setCondition(i, condition);
    const stored = this.apps.get(i.appId);
    if (stored && BACKOFF_COUNTED.has(condition)) {
      this.recordFailure(i, i.lastExit.message, TASK_STATE[condition]);
      // Backoff is keyed by the config version the task ran (marathon-semantics.md §1.10): an old task crashing during
      // an upgrade must not delay the new version's launches.
      const ran = this.specOf(i, stored);
      if (i.goal === 'Running') this.backoff.failed(i.appId, ran.versionInfo.lastConfigChangeAt, ran.app);
    }
    if (i.handle) void rt.cleanup?.(i.handle);
    this.poke();
  }

  /** The app's `lastTaskFailure` (Marathon's TaskFailure): a task that failed, or a launch that did. */
  private recordFailure(i: Instance, message: string, state: string): void {
    const agent = this.agent(i.agentId);
    const failure = {
      appId: i.appId,
      host: agent?.hostname ?? '',
      message,
      state,
      taskId: i.taskId ?? '',
      timestamp: new Date().toISOString(),
      version: i.runSpecVersion,
      slaveId: agent?.id ?? '',
    };
    this.store.putFailure(failure);
    this.lastFailure.set(i.appId, failure);
  }

  /** The app version an instance runs (relaunches keep it; deployments move instances on). */
  specOf(i: Instance, current: StoredApp): StoredApp {
    return current.version === i.runSpecVersion
      ? current
      : (this.store.appVersion(i.appId, i.runSpecVersion) ?? current);
  }

  /** Launch what should run, kill what should not, forget what is done. */
  private converge(): void {
    const appsById = new Map([...this.apps].map(([id, s]) => [id, s.app]));
    const use = usage(this.settings.agents, this.instances.values(), appsById);
    const waiting = new Map<string, QueueEntry>();
    const sessions = new Map<string, PlacementSession>();
    // Instances by app, once per pass (placement filters look at an app's instances).
    const byApp = new Map<string, Instance[]>();
    for (const i of this.instances.values()) {
      const list = byApp.get(i.appId);
      if (list) list.push(i);
      else byApp.set(i.appId, [i]);
    }
    for (const i of this.instances.values()) {
      if (this.busy.has(i.instanceId)) continue;
      // Killing with no kill in flight: an engine that stopped mid-kill (or a kill that failed);
      // the kill is made again, else the task would run on, marked Killing, holding its deployment.
      if (i.condition === 'Killing') {
        void this.kill(i, i.killReason);
        continue;
      }
      if (
        i.goal !== 'Running' &&
        (i.condition === 'Staging' || i.condition === 'Starting' || i.condition === 'Running')
      ) {
        void this.kill(i);
        continue;
      }
      if (i.goal !== 'Running' && (TERMINAL.has(i.condition) || i.condition === 'Scheduled')) {
        if (i.goal === 'Decommissioned' || !i.reservation) this.expunge(i);
        continue;
      }
      if (i.goal !== 'Running' || !(i.condition === 'Scheduled' || TERMINAL.has(i.condition))) continue;
      const stored = this.apps.get(i.appId);
      if (!stored) continue;
      // Relaunches keep the instance's version; new instances of a deployment carry the new one.
      const spec = this.specOf(i, stored);
      const others = byApp.get(i.appId) ?? [];
      const entry = waiting.get(i.appId) ?? {
        appId: i.appId,
        count: 0,
        since: this.queue.get(i.appId)?.since ?? new Date().toISOString(),
        delayMs: 0,
        declined: {},
        constraints: {},
        placed: 0,
      };
      waiting.set(i.appId, entry);
      entry.count++;
      const delay = this.backoff.waitMs(i.appId, spec.versionInfo.lastConfigChangeAt, spec.app);
      if (delay > 0) {
        entry.delayMs = delay;
        continue;
      }
      // One placement session per app version and pass: constraints count incrementally.
      const key = `${i.appId}@${spec.version}`;
      let session = sessions.get(key);
      if (!session)
        sessions.set(
          key,
          (session = openSession(
            this.policies,
            spec.app,
            constrainingTasks(others, spec.versionInfo.lastConfigChangeAt, (id) => this.agent(id)),
          )),
        );
      if (isResident(spec.app) && !this.volumes) {
        entry.declined = { UnfulfilledConstraint: this.settings.agents.length };
        entry.constraints = { 'persistent volumes (no persistence plugin)': this.settings.agents.length };
        continue;
      }
      const placed = placeInstance(i, spec.app, use, (agent) => session.reject(agent));
      if (!placed.agent) {
        entry.declined = placed.declined;
        entry.constraints = placed.constraints;
        continue;
      }
      entry.count--;
      session.placed(placed.agent);
      void this.launch(i, spec, placed.agent, placed.ports!);
    }
    this.queue.clear();
    for (const [id, e] of waiting) {
      if (e.count === 0) continue;
      e.placed = (byApp.get(id) ?? []).filter(
        (o) => o.agentId && ACTIVE.has(o.condition) && o.goal === 'Running',
      ).length;
      this.queue.set(id, e);
    }
  }

  /** Placement policies' static checks of an app (the API's 422). */
  checkPlacement(app: App): PolicyFinding[] {
    return this.policies.flatMap((p) => p.check?.(app) ?? []);
  }

  private async launch(i: Instance, spec: StoredApp, agent: AgentSpec, ports: number[]): Promise<void> {
    const rt = this.runtimeFor(spec.app, spec.pod);
    this.busy.add(i.instanceId);
    try {
      i.incarnation += 1;
      i.runSpecVersion = spec.version;
      i.taskId = `${i.instanceId}._app.${i.incarnation}`;
      const info = agentInfo(agent, this.settings.stateDir);
      i.sandbox = path.join(info.workDir, 'sandboxes', i.taskId);
      i.agentId = agent.id;
      i.ports = ports;
      i.stagedAt = new Date().toISOString();
      i.startedAt = undefined;
      i.handle = undefined;
      i.lastExit = undefined;
      i.health = undefined;
      i.ready = undefined;
      i.readiness = undefined;
      this.setCondition(i, 'Staging'); // persisted before anything starts: a crash here is recoverable
      if (!rt)
        throw new Error(
          spec.pod
            ? 'no task runtime launches pods (is the pods plugin on?)'
            : `no task runtime accepts this app (is the ${spec.app.container ? 'docker' : 'mesos'} plugin on?)`,
        );
      if (isResident(spec.app) && !i.reservation) {
        // Recorded before the task starts: a crash after this keeps the volumes with the instance.
        i.reservation = { agentId: agent.id, volumes: this.volumes!.create(spec.app, i.instanceId, info) };
        this.saveInstance(i);
      }
      mkdirSync(i.sandbox, { recursive: true });
      i.handle = await rt.launch(taskLaunch(i, spec, info, ports, this.resolvers));
      i.startedAt = new Date().toISOString();
      i.activeSince ??= i.startedAt;
      this.backoff.started(i.appId);
      // Running once an inspection after the launch finds it alive (observe): a task that exits at
      // once (a bad command, a port taken) never counts as started for a deployment.
      this.watch.launched(i);
      this.setCondition(i, 'Starting');
    } catch (err) {
      // Worded as Mesos words it, so Marathon's clients and UIs read it as they would there.
      i.lastExit = { state: 'TASK_FAILED', message: `Failed to launch container: ${(err as Error).message}` };
      this.setCondition(i, 'Failed');
      this.recordFailure(i, i.lastExit.message, 'TASK_FAILED');
      this.backoff.failed(i.appId, spec.versionInfo.lastConfigChangeAt, spec.app);
    } finally {
      this.busy.delete(i.instanceId);
      this.poke();
    }
  }

  /** Kill an instance's task (SIGTERM, then SIGKILL after the app's grace period). */
  async kill(i: Instance, reason?: string): Promise<void> {
    if (this.busy.has(i.instanceId) || !i.handle || !ACTIVE.has(i.condition)) return;
    const rt = this.runtimes.find((r) => r.name === i.handle!.runtime);
    if (!rt) return;
    this.busy.add(i.instanceId);
    try {
      i.killing = true;
      i.killReason = reason;
      this.setCondition(i, 'Killing');
      await passKillGates(this.killGates, i);
      const app = this.apps.get(i.appId)?.app;
      await rt.kill(i.handle, app?.taskKillGracePeriodSeconds ?? DEFAULT_KILL_GRACE_S);
      const s = await rt.inspect(i.handle);
      this.onExit(i, s.running ? { state: 'TASK_KILLED', message: 'killed' } : s.exit, rt);
    } catch {
      // The runtime could not kill it now (Docker unreachable, say): it stays Killing, and the
      // next pass tries again.
    } finally {
      this.busy.delete(i.instanceId);
      this.poke();
    }
  }

  /** Forget a decommissioned instance; its volumes go with it (app deleted, or killed with wipe). */
  private expunge(i: Instance): void {
    if (i.reservation && this.volumes) this.volumes.destroy(i.reservation.volumes);
    this.instances.delete(i.instanceId);
    this.byApp.get(i.appId)?.delete(i);
    this.dirty = true;
    this.store.deleteInstance(i.instanceId);
  }

  /**
   * Health as deployments see it (marathon-semantics.md §3.5): without health checks a running task is healthy; with
   * them, every check of the instance's app version must be alive (a health plugin probes them).
   */
  isHealthy(i: Instance): boolean {
    if (i.condition !== 'Running') return false;
    const stored = this.apps.get(i.appId);
    const checks = stored ? this.specOf(i, stored).app.healthChecks.length : 0;
    return checks === 0 || (i.health?.length === checks && i.health.every((h) => h.alive));
  }

  /** Ready (marathon-semantics.md §3.4): no readiness check, or one response had a ready status during a deployment. */
  isReady(i: Instance): boolean {
    const stored = this.apps.get(i.appId);
    return !stored || this.specOf(i, stored).app.readinessChecks.length === 0 || i.ready === true;
  }

  /** Extensions (health probing) stop with the engine. */
  private readonly stopHandlers: (() => void | Promise<void>)[] = [];
  onStop(fn: () => void | Promise<void>): void {
    this.stopHandlers.push(fn);
  }
}

/**
 * A failed exit's message with the cause the task wrote to stderr (`exited with code 127: sh: 1:
 * nosuch: not found`): it is usually there, and Marathon's UIs show only this message.
 */
function withStderr(message: string, rt: TaskRuntime, i: Instance): string {
  const file = i.handle && i.sandbox ? rt.logFiles(i.handle, i.sandbox)?.stderr : undefined;
  const cause = file ? causeIn(tailLines(file)) : '';
  return cause ? `${message}: ${cause.length > 200 ? cause.slice(0, 200) + '…' : cause}` : message;
}

// Lines that are never the cause: stack frames, carets, a runtime's version banner.
const NOISE = /^(at\s|\^+$|Node\.js v\d|throw\s|\}|\{$)/;
// An error's own line (`Error: listen EADDRINUSE ...`, `sh: 1: x: not found`) before a mere mention.
const ERROR_LINE = /^([A-Za-z]*Error|error|fatal|panic)\b|: (not found|permission denied|no such file)/i;
const CAUSE = /\b(error|not found|denied|refused|failed|cannot|unable)\b/i;

/** The last line that reads like an error, else the last meaningful line ('' when there is none). */
function causeIn(lines: string[]): string {
  const meaningful = lines.filter((l) => !NOISE.test(l));
  return (
    meaningful.findLast((l) => ERROR_LINE.test(l)) ??
    meaningful.findLast((l) => CAUSE.test(l)) ??
    meaningful.at(-1) ??
    ''
  );
}

/** The non-empty lines of a file's last 4 KiB ([] when it cannot be read). */
function tailLines(file: string): string[] {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, 4096));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf
        .toString('utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}
