import { randomUUID } from 'node:crypto';
import { BatonError, idToTaskPrefix, isResident } from '../../core/index.js';
import { Backoff } from './backoff.js';
import { EngineEvents } from './events.js';
import { Groups } from './groups.js';
import type { AgentSpec, EngineSettings } from './settings.js';
import { Store, type RootVersion } from './store.js';
import {
  ACTIVE,
  TERMINAL,
  type Condition,
  type Deployment,
  type GroupSpec,
  type Instance,
  type StoredApp,
  type TaskFailure,
} from './types.js';

/** Marathon's task state for each instance condition (status_update_event, task JSON). */
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

/** An instance's change count, kept on it under a symbol (read per task per API answer; JSON leaves it out). */
const REVISION = Symbol('revision');
type Revised = Instance & { [REVISION]?: number };

/** The fields of an instance a change may set (its identity stays). */
export type InstancePatch = Partial<Omit<Instance, 'instanceId' | 'appId' | 'createdAt'>>;

/**
 * Writes made together: each goes to the store inside one SQLite transaction, and the engine's
 * memory changes only once that transaction has committed — so nothing acts on a change that is
 * not on disk (a full disk refuses the whole change, and memory stays as the store is).
 */
export interface StateWriter {
  putApp(s: StoredApp): void;
  removeApp(appId: string): void;
  putDeployment(d: Deployment): void;
  removeDeployment(id: string): void;
  setGroups(changes: Map<string, GroupSpec | null>): void;
  putRootVersion(v: RootVersion): void;
  recordOutcome(appId: string, version: string, deploymentId: string, outcome: 'succeeded' | 'failed'): void;
}

/**
 * The engine's state: apps, instances, deployments, groups and task failures, in memory and in
 * SQLite (store.ts). Every change is committed to the store before memory and before anyone acts
 * on it; readers (the scheduler loop, deployments, the REST API, extensions) get read-only views.
 * Changes are announced (`changed`) so the scheduler looks again; instance changes are Marathon
 * events on `events`.
 */
export class EngineState {
  readonly events = new EngineEvents();
  readonly store: Store;
  readonly groups: Groups;
  readonly backoff = new Backoff();
  readonly id: string;
  private readonly appMap = new Map<string, StoredApp>();
  private readonly instanceMap = new Map<string, Instance>();
  private readonly byApp = new Map<string, Set<Instance>>();
  private readonly deploymentMap = new Map<string, Deployment>();
  private readonly failures = new Map<string, TaskFailure>();
  private readonly agentsById: ReadonlyMap<string, AgentSpec>;
  /** Stored app versions read back (they never change): a scale leaves every instance on an older version. */
  private readonly versionCache = new Map<string, StoredApp | null>();
  private lastVersion = 0;

  /** `changed(wake)`: something the scheduler decides on changed; `wake`: look now, not at the next tick. */
  constructor(
    readonly settings: EngineSettings,
    private readonly changed: (wake: boolean) => void,
    /** A stopped engine's state read as it is (plan, status): nothing is written. */
    readOnly = false,
  ) {
    this.agentsById = new Map(settings.agents.map((a) => [a.id, a]));
    this.store = new Store(settings.stateDir, readOnly);
    this.groups = new Groups(this.store.meta('groups'));
    this.id = this.store.meta('engineId') ?? randomUUID().slice(0, 8);
    if (!readOnly) this.store.setMeta('engineId', this.id);
    for (const a of this.store.loadApps()) this.appMap.set(a.app.id, a);
    for (const i of this.store.loadInstances()) {
      // Health and readiness live in memory (as in Marathon): a new engine probes afresh.
      delete i.health;
      this.index(i);
    }
    this.refuseVanishedAgents();
    for (const d of this.store.loadDeployments()) this.deploymentMap.set(d.id, d);
    for (const f of this.store.loadFailures()) this.failures.set(f.appId, f);
  }

  get apps(): ReadonlyMap<string, StoredApp> {
    return this.appMap;
  }
  get instances(): ReadonlyMap<string, Instance> {
    return this.instanceMap;
  }
  get deployments(): ReadonlyMap<string, Deployment> {
    return this.deploymentMap;
  }
  /** Each app's `lastTaskFailure` (kept across engine restarts, removed with the app). */
  get lastFailure(): ReadonlyMap<string, TaskFailure> {
    return this.failures;
  }

  agent(id: string | undefined): AgentSpec | undefined {
    return id === undefined ? undefined : this.agentsById.get(id);
  }

  /** An app's instances (an index: scheduling asks this per app on every pass). */
  instancesOf(appId: string): Instance[] {
    return [...(this.byApp.get(appId) ?? [])];
  }

  /** A new version timestamp, strictly increasing (two changes in one millisecond stay ordered). */
  newVersion(): string {
    const now = Math.max(Date.now(), this.lastVersion + 1);
    this.lastVersion = now;
    return new Date(now).toISOString();
  }

  /** The app version an instance runs (relaunches keep it; deployments move instances on). */
  specOf(i: Instance, current: StoredApp): StoredApp {
    if (current.version === i.runSpecVersion) return current;
    // Asked per instance on every health probe, API answer and deployment pass: read from SQLite
    // once per version (5,000 tasks after a scale spent most of an API answer here).
    const key = `${i.appId}\0${i.runSpecVersion}`;
    let stored = this.versionCache.get(key);
    if (stored === undefined) {
      if (this.versionCache.size >= 10_000) this.versionCache.clear();
      stored = this.store.appVersion(i.appId, i.runSpecVersion) ?? null;
      this.versionCache.set(key, stored);
    }
    return stored ?? current;
  }

  /**
   * Health as deployments see it (marathon-semantics.md §3.5): without health checks a running task is healthy; with
   * them, every check of the instance's app version must be alive (a health plugin probes them).
   */
  isHealthy(i: Instance): boolean {
    if (i.condition !== 'Running') return false;
    const stored = this.appMap.get(i.appId);
    const checks = stored ? this.specOf(i, stored).app.healthChecks.length : 0;
    return checks === 0 || (i.health?.length === checks && i.health.every((h) => h.alive));
  }

  /** Ready (marathon-semantics.md §3.4): no readiness check, or one response had a ready status during a deployment. */
  isReady(i: Instance): boolean {
    const stored = this.appMap.get(i.appId);
    return !stored || this.specOf(i, stored).app.readinessChecks.length === 0 || i.ready === true;
  }

  /**
   * How many times an instance changed: what its rendered task JSON is cached against
   * (api/render.ts), so a renderer never compares fields to know. Health results are not counted:
   * each probe gives the instance a new array, which the renderer compares on its own.
   */
  revision(i: Instance): number {
    return (i as Revised)[REVISION] ?? 0;
  }

  /** An instance changed in memory only (readiness results, which are not persisted). */
  touch(i: Instance): void {
    (i as Revised)[REVISION] = this.revision(i) + 1;
  }

  /** Commit several writes at once (StateWriter); memory follows only a committed transaction. */
  commit<T>(fn: (w: StateWriter) => T): T {
    const after: (() => void)[] = [];
    const s = this.store;
    const w: StateWriter = {
      putApp: (a) => {
        s.putApp(a, true);
        after.push(() => this.appMap.set(a.app.id, a));
      },
      removeApp: (id) => {
        s.deleteApp(id);
        after.push(() => {
          this.appMap.delete(id);
          this.failures.delete(id);
          this.backoff.reset(id);
        });
      },
      putDeployment: (d) => {
        s.putDeployment(d);
        after.push(() => this.deploymentMap.set(d.id, d));
      },
      removeDeployment: (id) => {
        s.deleteDeployment(id);
        after.push(() => this.deploymentMap.delete(id));
      },
      setGroups: (changes) => {
        s.setMeta('groups', JSON.stringify(this.groups.with(changes)));
        after.push(() => this.groups.apply(changes));
      },
      putRootVersion: (v) => s.putRootVersion(v),
      recordOutcome: (appId, version, deploymentId, outcome) => s.recordOutcome(appId, version, deploymentId, outcome),
    };
    const result = s.tx(() => fn(w));
    for (const apply of after) apply();
    this.changed(false);
    return result;
  }

  /** Record a task failure (Marathon's TaskFailure) as the app's `lastTaskFailure`. */
  recordFailure(f: TaskFailure): void {
    this.store.putFailure(f);
    this.failures.set(f.appId, f);
  }

  /**
   * Change an instance: the store first, then memory — a write the store refuses (disk full)
   * throws and leaves the instance as it was.
   */
  update(i: Instance, patch: InstancePatch): void {
    this.store.putInstance({ ...i, ...patch });
    Object.assign(i, patch);
    this.touch(i);
    this.changed(false);
  }

  /** Change an instance's condition (and other fields with it), announced as Marathon's events. */
  setCondition(i: Instance, condition: Condition, patch: InstancePatch = {}): void {
    this.update(i, { ...patch, condition, since: new Date().toISOString() });
    const agent = this.agent(i.agentId);
    this.events.emit('instance_changed_event', {
      instanceId: i.instanceId,
      condition,
      runSpecId: i.appId,
      agentId: i.agentId ?? '',
      host: agent?.hostname ?? '',
      runSpecVersion: i.runSpecVersion,
    });
    if (i.taskId && condition !== 'Scheduled') {
      this.events.emit('status_update_event', {
        slaveId: i.agentId ?? '',
        taskId: i.taskId,
        taskStatus: TASK_STATE[condition],
        message: i.lastExit?.message ?? '',
        appId: i.appId,
        host: agent?.hostname ?? '',
        ipAddresses: [{ ipAddress: agent?.address ?? '', protocol: 'IPv4' }],
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
      this.update(i, { goal: 'Running', runSpecVersion: app.version });
      this.changed(true);
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
    this.store.putInstance(i);
    this.index(i);
    this.changed(false);
    return i;
  }

  /** Take an instance out of service (ephemeral: removed once terminal). */
  decommission(i: Instance): void {
    if (i.goal === 'Decommissioned') return;
    this.update(i, { goal: 'Decommissioned' });
    this.changed(true);
  }

  /**
   * Kill for good: ephemeral instances are decommissioned; resident ones are stopped and keep their
   * reservation and volumes for a later scale-up or upgrade (marathon-semantics.md §5.3 step 4).
   */
  retire(i: Instance): void {
    const app = this.appMap.get(i.appId)?.app;
    if (!(app && isResident(app) && i.reservation)) return this.decommission(i);
    if (i.goal === 'Stopped') return;
    this.update(i, { goal: 'Stopped' });
    this.changed(true);
  }

  /** Forget an instance that is done (its volumes are the caller's to destroy first). */
  forget(i: Instance): void {
    this.store.deleteInstance(i.instanceId);
    this.instanceMap.delete(i.instanceId);
    this.byApp.get(i.appId)?.delete(i);
    this.changed(false);
  }

  close(): void {
    this.store.close();
  }

  private index(i: Instance): void {
    this.instanceMap.set(i.instanceId, i);
    const mine = this.byApp.get(i.appId);
    if (mine) mine.add(i);
    else this.byApp.set(i.appId, new Set([i]));
  }

  /**
   * Tasks and volumes live on agents: an engine started with agents that lack some its state has
   * tasks or reservations on would relaunch those elsewhere and leave the volumes behind. Refused,
   * naming them, before anything is touched.
   */
  private refuseVanishedAgents(): void {
    const known = new Set(this.settings.agents.map((a) => a.id));
    const gone = new Set<string>();
    for (const i of this.instanceMap.values()) {
      const on = i.reservation?.agentId ?? (ACTIVE.has(i.condition) ? i.agentId : undefined);
      if (on && !known.has(on)) gone.add(on);
    }
    if (gone.size === 0) return;
    this.store.close();
    throw new BatonError(
      'BATON_CONFIG_INVALID',
      `the state directory ${this.settings.stateDir} has tasks or volumes on agents these settings do not have: ${[...gone].join(', ')}; start the engine with the agents it ran with (its settings.json), or remove those apps first`,
    );
  }
}
