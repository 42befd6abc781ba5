import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isResident, type App, type Pod, type TaskExit, type TaskRuntime } from '../../core/index.js';
import type { PlacementPolicy, PolicyFinding } from './placement-policy.js';
import { PlacementPass, type QueueEntry } from './placement-pass.js';
import { agentInfo, type AgentSpec, type EngineSettings } from './settings.js';
import { EngineState, taskState } from './state.js';
import { DEFAULT_KILL_GRACE_S, taskLaunch } from './task-launch.js';
import { ACTIVE, BACKOFF_COUNTED, TERMINAL, type Condition, type Instance, type StoredApp } from './types.js';
import { DeploymentDriver } from './deployment-driver.js';
import { passKillGates, type ExtensionRoute, type KillGate } from './extensions.js';
import type { VolumeProvider } from './volumes.js';
import { adoptLaunch, adoptLaunches, removeStrays } from './recovery.js';
import { TaskWatch } from './task-watch.js';
import { EventLoopLag } from './event-loop.js';
import { EngineMetrics } from './metrics.js';
import { withStderr } from './failure-cause.js';

const TICK_MS = 200;
/** The shortest gap between two passes when pokes wake the loop early. */
const MIN_PASS_MS = 20;

const EXIT_CONDITION: Record<TaskExit['state'], Condition> = {
  TASK_FINISHED: 'Finished',
  TASK_FAILED: 'Failed',
  TASK_KILLED: 'Killed',
  TASK_ERROR: 'Error',
  TASK_GONE: 'Gone',
  TASK_DROPPED: 'Gone',
};

/**
 * The embedded engine: Marathon's scheduler for one machine. Holds apps, instances and
 * deployments (persisted in SQLite before acting), converges tasks to instance goals through task
 * runtimes, relaunches with backoff, and drives deployments (DeploymentDriver).
 */
export class Engine {
  /** Apps, instances, deployments, groups: committed to SQLite before anyone acts on them (state.ts). */
  readonly state: EngineState;
  readonly id: string;
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
  readonly runtimes: TaskRuntime[];
  readonly startedAt = new Date().toISOString();
  readonly eventLoop = new EventLoopLag();
  /** Set when stop() begins: extensions stop acting on a view that is being taken apart (health results cleared). */
  stopping = false;
  /** Something changed since the loop last decided what to launch and kill (poke, instance writes). */
  private dirty = true;
  private readonly watch: TaskWatch;
  private readonly busy = new Set<string>(); // instances with a launch or kill in flight
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    readonly settings: EngineSettings,
    runtimes: (engineId: string, settings: EngineSettings) => TaskRuntime[],
    readonly policies: PlacementPolicy[] = [],
    /** Serve a stopped engine's state as it is: never started, nothing written (engine.db must exist). */
    readOnly = false,
  ) {
    this.state = new EngineState(settings, (wake) => (wake ? this.poke() : void (this.dirty = true)), readOnly);
    // A full disk is said in the log twice (when writes start being refused, when they are taken
    // again), not once per refused write.
    this.state.store.onWritability = (since, err) =>
      void process.stderr.write(since ? `engine: ${err?.message}\n` : 'engine: the state store takes writes again\n');
    this.id = this.state.id;
    this.runtimes = runtimes(this.id, settings);
    this.driver = new DeploymentDriver(this.state, this);
    this.watch = new TaskWatch(this.runtimes, () => this.poke());
  }

  private metricsOf?: EngineMetrics;
  /** The engine's Prometheus metrics (made on first use: a served engine's, not a plan's read-only one). */
  get metrics(): EngineMetrics {
    this.metricsOf ??= new EngineMetrics(this);
    return this.metricsOf;
  }

  runtimeFor(app: App, pod?: Pod): TaskRuntime | undefined {
    return pod ? this.runtimes.find((r) => r.acceptsPod?.(pod)) : this.runtimes.find((r) => r.accepts(app));
  }

  /** Ask the loop to run now (after an API change or a task event). */
  poke(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Adopt what an earlier engine left running, then start the loop. */
  async start(): Promise<void> {
    await adoptLaunches(this.state, (app, pod) => this.runtimeFor(app, pod));
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const began = Date.now();
        try {
          await this.tick();
        } catch (err) {
          if (!this.stateUnwritable(err)) process.stderr.write(`engine tick failed: ${(err as Error).stack}\n`);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, TICK_MS);
          this.wake = () => {
            this.wake = undefined;
            clearTimeout(t);
            // Pokes come in bursts (a thousand launches finishing): one pass per MIN_PASS_MS
            // serves them all, where a pass per poke went over every instance each time.
            setTimeout(resolve, Math.max(0, began + MIN_PASS_MS - Date.now()));
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /** Since when the store has refused writes (a full disk): the status and the metrics show it. */
  get unwritableSince(): string | undefined {
    return this.state.store.refusedSince;
  }

  /**
   * A write the store refused (BATON_STATE_UNWRITABLE: disk full, read-only filesystem): nothing
   * changed, in the store or in memory, so the loop carries on and tries again on its next pass
   * (the store logs when writes start being refused and when they are taken again). False for any
   * other error.
   */
  stateUnwritable(err: unknown): boolean {
    return (err as { code?: string }).code === 'BATON_STATE_UNWRITABLE';
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
    this.metricsOf?.close();
    for (let i = 0; this.busy.size > 0 && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    this.state.close();
  }

  private lastReconcile = 0;
  private lastObserve = 0;

  private async tick(): Promise<void> {
    if (Date.now() - this.lastReconcile > 10_000) {
      this.lastReconcile = Date.now();
      await removeStrays(this.state, this.runtimes);
    }
    // Inspecting every task is paced by the clock, not by pokes: ten launches finishing would
    // otherwise mean ten rounds of inspecting every container while they are starting up.
    if (Date.now() - this.lastObserve >= TICK_MS) {
      this.lastObserve = Date.now();
      await this.observe();
    }
    // Deciding is skipped while nothing changed: no change was made or reported since the last
    // pass, no deployment runs, nothing waits (a backoff or a placement retried on time).
    if (!this.dirty && this.state.deployments.size === 0 && this.queue.size === 0) return;
    this.dirty = false;
    this.driver.progressAll();
    this.driver.reconcileUnlocked();
    this.converge();
  }

  /** Learn the state of the live tasks that may have changed from their runtime (task-watch.ts). */
  private async observe(): Promise<void> {
    const live = this.watch.due(this.state.instances.values(), this.busy);
    await Promise.all(
      live.map(async (i) => {
        const rt = this.runtimes.find((r) => r.name === i.handle!.runtime);
        if (!rt) return;
        const s = await rt.inspect(i.handle!).catch(() => ({ running: true as const })); // unreachable: unknown, keep
        if (this.busy.has(i.instanceId) || !ACTIVE.has(i.condition)) return;
        try {
          if (!s.running) this.onExit(i, s.exit, rt);
          else if (i.condition === 'Starting') this.state.setCondition(i, 'Running');
        } catch (err) {
          if (!this.stateUnwritable(err)) throw err;
          // Not recorded, so not acted on: inspected again on the next pass until the store takes it.
          this.watch.again(i);
        }
      }),
    );
  }

  private onExit(i: Instance, exit: TaskExit, rt: TaskRuntime): void {
    const killedByUs = i.killing || i.goal !== 'Running';
    const condition: Condition = killedByUs && exit.reason === undefined ? 'Killed' : EXIT_CONDITION[exit.state];
    let lastExit: TaskExit =
      killedByUs && exit.reason === undefined
        ? {
            ...exit,
            state: 'TASK_KILLED',
            message: i.killReason ? `killed: ${i.killReason}` : `killed (${exit.message})`,
          }
        : exit;
    // Before the status update goes out, which carries the message.
    if (BACKOFF_COUNTED.has(condition) && exit.exitCode)
      lastExit = { ...exit, message: withStderr(exit.message, rt, i) };
    this.state.setCondition(i, condition, {
      lastExit,
      killing: false,
      killReason: undefined,
      health: undefined,
      ready: undefined,
    });
    const stored = this.state.apps.get(i.appId);
    if (stored && BACKOFF_COUNTED.has(condition)) {
      this.recordFailure(i, lastExit.message, taskState(condition));
      // Backoff is keyed by the config version the task ran (marathon-semantics.md §1.10): an old task crashing during
      // an upgrade must not delay the new version's launches.
      const ran = this.state.specOf(i, stored);
      if (i.goal === 'Running') this.state.backoff.failed(i.appId, ran.versionInfo.lastConfigChangeAt, ran.app);
    }
    if (i.handle) void rt.cleanup?.(i.handle);
    this.poke();
  }

  /** The app's `lastTaskFailure` (Marathon's TaskFailure): a task that failed, or a launch that did. */
  private recordFailure(i: Instance, message: string, state: string): void {
    const agent = this.state.agent(i.agentId);
    this.state.recordFailure({
      appId: i.appId,
      host: agent?.hostname ?? '',
      message,
      state,
      taskId: i.taskId ?? '',
      timestamp: new Date().toISOString(),
      version: i.runSpecVersion,
      slaveId: agent?.id ?? '',
    });
  }

  /** Launch what should run, kill what should not, forget what is done. */
  private converge(): void {
    const st = this.state;
    const pass = new PlacementPass(st, this.settings.agents, this.policies, this.queue, !!this.volumes);
    for (const i of st.instances.values()) {
      if (this.busy.has(i.instanceId)) continue;
      // Killing with no kill in flight: an engine that stopped mid-kill (or a kill that failed);
      // the kill is made again, else the task would run on, marked Killing, holding its deployment.
      if (i.condition === 'Killing') {
        void this.kill(i, i.killReason);
        continue;
      }
      // Staging with no task handle and no launch in flight: a launch whose task started while
      // the store refused writes. Its runtime is asked for it (as after a restart).
      if (i.condition === 'Staging' && !i.handle && i.taskId) {
        void this.adopt(i);
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
      const stored = st.apps.get(i.appId);
      if (!stored) continue;
      // Relaunches keep the instance's version; new instances of a deployment carry the new one.
      const spec = st.specOf(i, stored);
      const placed = pass.place(i, spec);
      if (placed) void this.launch(i, spec, placed.agent, placed.ports);
    }
    pass.publish(this.queue);
  }

  /** Placement policies' static checks of an app (the API's 422). */
  checkPlacement(app: App): PolicyFinding[] {
    return this.policies.flatMap((p) => p.check?.(app) ?? []);
  }

  private async launch(i: Instance, spec: StoredApp, agent: AgentSpec, ports: number[]): Promise<void> {
    const rt = this.runtimeFor(spec.app, spec.pod);
    this.busy.add(i.instanceId);
    try {
      const taskId = `${i.instanceId}._app.${i.incarnation + 1}`;
      const info = agentInfo(agent, this.settings.stateDir);
      // Persisted before anything starts: a crash from here on is recoverable (recovery.ts).
      this.state.setCondition(i, 'Staging', {
        incarnation: i.incarnation + 1,
        runSpecVersion: spec.version,
        taskId,
        sandbox: path.join(info.workDir, 'sandboxes', taskId),
        agentId: agent.id,
        ports,
        stagedAt: new Date().toISOString(),
        startedAt: undefined,
        handle: undefined,
        lastExit: undefined,
        health: undefined,
        ready: undefined,
        readiness: undefined,
      });
      if (!rt)
        throw new Error(
          spec.pod
            ? 'no task runtime launches pods (is the pods plugin on?)'
            : `no task runtime accepts this app (is the ${spec.app.container ? 'docker' : 'mesos'} plugin on?)`,
        );
      if (isResident(spec.app) && !i.reservation)
        // Recorded before the task starts: a crash after this keeps the volumes with the instance.
        this.state.update(i, {
          reservation: { agentId: agent.id, volumes: this.volumes!.create(spec.app, i.instanceId, info) },
        });
      await mkdir(i.sandbox!, { recursive: true });
      const handle = await rt.launch(taskLaunch(i, spec, info, ports, this.resolvers));
      const startedAt = new Date().toISOString();
      this.state.backoff.started(i.appId);
      // Running once an inspection after the launch finds it alive (observe): a task that exits at
      // once (a bad command, a port taken) never counts as started for a deployment.
      this.watch.launched(i);
      this.state.setCondition(i, 'Starting', { handle, startedAt, activeSince: i.activeSince ?? startedAt });
    } catch (err) {
      // The store refused a write: before the launch, nothing started (the instance waits as it
      // was); after it, the task runs and the store says Staging without it — the instance is
      // adopted from its runtime once the store takes writes (adoptStaged), never launched twice.
      if (this.stateUnwritable(err)) return;
      // Worded as Mesos words it, so Marathon's clients and UIs read it as they would there.
      const lastExit: TaskExit = {
        state: 'TASK_FAILED',
        message: `Failed to launch container: ${(err as Error).message}`,
      };
      try {
        this.state.setCondition(i, 'Failed', { lastExit });
        this.recordFailure(i, lastExit.message, 'TASK_FAILED');
        this.state.backoff.failed(i.appId, spec.versionInfo.lastConfigChangeAt, spec.app);
      } catch (e) {
        if (!this.stateUnwritable(e)) throw e;
      }
    } finally {
      this.busy.delete(i.instanceId);
      this.poke();
    }
  }

  private async adopt(i: Instance): Promise<void> {
    this.busy.add(i.instanceId);
    try {
      await adoptLaunch(this.state, i, (app, pod) => this.runtimeFor(app, pod));
    } catch (err) {
      if (!this.stateUnwritable(err)) throw err;
    } finally {
      this.busy.delete(i.instanceId);
      this.poke();
    }
  }

  /**
   * A kill the API asked for: recorded first (a store that refuses it throws, and the API says so),
   * then made. An engine that stops before the kill is made makes it on its next start.
   */
  requestKill(i: Instance, reason?: string): void {
    if (!i.handle || !ACTIVE.has(i.condition)) return;
    if (!this.busy.has(i.instanceId)) this.state.setCondition(i, 'Killing', { killing: true, killReason: reason });
    void this.kill(i, reason);
  }

  /** Kill an instance's task (SIGTERM, then SIGKILL after the app's grace period). */
  async kill(i: Instance, reason?: string): Promise<void> {
    if (this.busy.has(i.instanceId) || !i.handle || !ACTIVE.has(i.condition)) return;
    const rt = this.runtimes.find((r) => r.name === i.handle!.runtime);
    if (!rt) return;
    this.busy.add(i.instanceId);
    try {
      if (i.condition !== 'Killing' || !i.killing)
        this.state.setCondition(i, 'Killing', { killing: true, killReason: reason });
      await passKillGates(this.killGates, i);
      const app = this.state.apps.get(i.appId)?.app;
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
    this.state.forget(i);
    if (i.reservation && this.volumes) this.volumes.destroy(i.reservation.volumes);
  }

  /** Extensions (health probing) stop with the engine. */
  private readonly stopHandlers: (() => void | Promise<void>)[] = [];
  onStop(fn: () => void | Promise<void>): void {
    this.stopHandlers.push(fn);
  }
}
