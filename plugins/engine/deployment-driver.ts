import { randomUUID } from 'node:crypto';
import { classifyAppChange, findDependencyCycle, isResident, parentId, type App, type Pod } from '../../core/index.js';
import { planSteps } from './deploy-plan.js';
import { killOrder } from './kill-order.js';
import type { PlacementPolicy } from './placement-policy.js';
import { replaceStart, toLaunch } from './rolling-restart.js';
import type { EngineState, StateWriter } from './state.js';
import {
  ACTIVE,
  TERMINAL,
  type ActionState,
  type Deployment,
  type DeploymentAction,
  type GroupSpec,
  type Instance,
  type StoredApp,
} from './types.js';

/** The change would make dependencies cyclic (HTTP 422). */
export class CycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`Dependency graph has cyclic dependencies: ${cycle.join(' → ')}`);
  }
}

/** A plan touches apps another deployment holds (HTTP 409 unless forced). */
export class LockedError extends Error {
  constructor(readonly deploymentIds: string[]) {
    super(
      `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/${deploymentIds[0]}'.`,
    );
  }
}

export interface ChangeRequest {
  /** New definitions by id (null = remove). Only what changes needs to be here. */
  target: Map<string, App | null>;
  force?: boolean;
  /** Apps to restart even though their definition is unchanged (POST /restart). */
  restarts?: Set<string>;
  /** Use these stored versions as they are (rollback to a version, revert). */
  exact?: Map<string, StoredApp | null>;
  /** Pods among `target` (their run specs there, podRunSpec): stored with their definition. */
  pods?: Map<string, Pod>;
  /** Explicit groups to set (null = forget), stored with the apps. */
  groups?: Map<string, GroupSpec | null>;
}

/**
 * Deployments as Marathon runs them (marathon-semantics.md §4): the new definitions are stored at once, then
 * the plan's steps run in order, the actions of a step together. Each action is re-evaluated on
 * every engine tick from the instances plus a little persisted state, so a restarted engine simply
 * carries on.
 */
/** What deployments need of the scheduler beside the state: its placement policies, and a nudge. */
export interface DriverHost {
  readonly policies: readonly PlacementPolicy[];
  poke(): void;
}

export class DeploymentDriver {
  constructor(
    private readonly state: EngineState,
    private readonly host: DriverHost,
  ) {}

  locks(appId: string): Deployment[] {
    return [...this.state.deployments.values()].filter((d) => d.affectedApps.includes(appId));
  }

  /** Store the new definitions and start a deployment. Throws LockedError on a conflict. */
  deploy(req: ChangeRequest): Deployment {
    const e = this.state;
    const version = e.newVersion();
    const current = new Map([...e.apps].map(([id, s]) => [id, s.app]));
    const nextStored = new Map<string, StoredApp | null>();
    for (const [id, app] of req.target) {
      const cur = e.apps.get(id);
      const exact = req.exact?.get(id);
      if (app === null) {
        if (cur) nextStored.set(id, null);
        continue;
      }
      const kind = req.restarts?.has(id) ? 'restart' : classifyAppChange(cur?.app, app);
      if (kind === 'unchanged' && !exact) continue;
      const config = kind === 'create' || (kind === 'restart' && !req.restarts?.has(id));
      const pod = req.pods?.get(id);
      nextStored.set(
        id,
        exact ?? {
          app,
          ...(pod ? { pod } : {}),
          version,
          versionInfo: {
            lastConfigChangeAt: config || !cur ? version : cur.versionInfo.lastConfigChangeAt,
            lastScalingAt: version,
          },
        },
      );
    }
    const affected = [...nextStored.keys()];
    // Marathon refuses a change that makes the dependency graph cyclic (marathon-semantics.md §4.3).
    const inheritedAfter = this.inheritedWith(req.groups);
    const after = [...new Map([...current, ...[...nextStored].map(([id, s]) => [id, s?.app ?? null] as const)])].filter(
      (x): x is [string, App] => x[1] !== null,
    );
    const cycle = findDependencyCycle(
      after.map(([id, a]) => ({ id, dependencies: [...a.dependencies, ...inheritedAfter(id)] })),
    );
    if (cycle) throw new CycleError(cycle);
    const groupsChanged = [...(req.groups ?? new Map())].some(
      ([id, g]) => JSON.stringify(e.groups.get(id) ?? null) !== JSON.stringify(g),
    );
    const conflicts = [...new Set(affected.flatMap((id) => this.locks(id)))];
    if (conflicts.length > 0 && !req.force) throw new LockedError(conflicts.map((d) => d.id));

    const targetApps = new Map([...nextStored].map(([id, s]) => [id, s ? s.app : null]));
    const steps = planSteps(current, targetApps, req.restarts, inheritedAfter);
    const dep: Deployment = {
      id: randomUUID(),
      version,
      steps,
      currentStep: 0,
      affectedApps: affected,
      original: Object.fromEntries(affected.map((id) => [id, e.apps.get(id) ?? null])),
      target: Object.fromEntries(nextStored),
      state: {},
      startedAt: new Date().toISOString(),
      ...(req.restarts?.size ? { restarts: [...req.restarts] } : {}),
    };
    const cancelled = conflicts.map((c) => ({ dep: c, outcome: 'failed' as const }));
    e.commit((w) => {
      for (const c of conflicts) {
        w.removeDeployment(c.id);
        this.record(w, c, 'failed');
      }
      for (const s of nextStored.values()) if (s) w.putApp(s);
      if (req.groups) w.setGroups(req.groups);
      if (steps.length > 0) w.putDeployment(dep);
      else this.record(w, dep, 'succeeded');
      if (affected.length > 0 || groupsChanged) {
        const apps = [...e.apps.values()]
          .filter((s) => !nextStored.has(s.app.id))
          .concat([...nextStored.values()].filter((s): s is StoredApp => s !== null));
        w.putRootVersion({
          version,
          apps,
          groups: e.groups.with(req.groups ?? new Map()),
          affected: [...affected, ...(req.groups?.keys() ?? [])],
        });
      }
    });
    for (const c of cancelled)
      e.events.emit('deployment_failed', {
        id: c.dep.id,
        plan: this.planJson(c.dep),
        reason: 'Canceled by a forced deployment',
      });
    for (const id of affected) e.backoff.reset(id);
    e.events.emit('group_change_success', { groupId: '/', version });
    if (steps.length > 0) this.info(dep);
    else e.events.emit('deployment_success', { id: dep.id, plan: this.planJson(dep) });
    this.host.poke();
    return dep;
  }

  /** Dependencies each app inherits from its groups, with `groups` (a pending change) applied. */
  inheritedWith(groups?: Map<string, GroupSpec | null>): (id: string) => string[] {
    const e = this.state;
    const depsOf = (g: string) => (groups?.has(g) ? groups.get(g)?.dependencies : e.groups.get(g)?.dependencies) ?? [];
    return (id) => {
      const out: string[] = [];
      for (let p = parentId(id); ; p = parentId(p)) {
        out.push(...depsOf(p));
        if (p === '/') break;
      }
      return out;
    };
  }

  /** Stop a deployment where it is (instance goals already set stay set). */
  cancel(dep: Deployment, reason: string): void {
    this.state.commit((w) => {
      w.removeDeployment(dep.id);
      this.record(w, dep, 'failed');
    });
    this.state.events.emit('deployment_failed', { id: dep.id, plan: this.planJson(dep), reason });
  }

  /** DELETE /v2/deployments/{id} without force: cancel and deploy the original definitions. */
  revert(dep: Deployment): Deployment {
    this.cancel(dep, 'Reverted');
    const target = new Map<string, App | null>();
    const exact = new Map<string, StoredApp | null>();
    for (const [id, s] of Object.entries(dep.original)) {
      target.set(id, s ? s.app : null);
      if (s) exact.set(id, { ...s, version: this.state.newVersion() });
    }
    return this.deploy({ target, exact, force: true });
  }

  /** Remember how the versions this deployment brought ended (`baton history`, rollback targets). */
  private record(w: StateWriter, d: Deployment, outcome: 'succeeded' | 'failed'): void {
    for (const [id, s] of Object.entries(d.target)) if (s) w.recordOutcome(id, s.version, d.id, outcome);
  }

  planJson(d: Deployment) {
    return {
      id: d.id,
      version: d.version,
      original: {},
      target: {},
      steps: d.steps.map((s) => ({ actions: s.map((a) => ({ action: a.action, app: a.app })) })),
    };
  }

  private info(d: Deployment): void {
    this.state.events.emit('deployment_info', {
      plan: this.planJson(d),
      currentStep: { actions: d.steps[d.currentStep].map((a) => ({ action: a.action, app: a.app })) },
    });
  }

  /** One pass over every running deployment, oldest first. */
  progressAll(): void {
    const deps = [...this.state.deployments.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    for (const d of deps) this.progress(d);
  }

  private progress(d: Deployment): void {
    const e = this.state;
    const step = d.steps[d.currentStep];
    const before = JSON.stringify(d.state);
    let allDone = true;
    for (const a of step) {
      const key = `${d.currentStep}:${a.app}`;
      const st = (d.state[key] ??= {});
      if (!st.done) st.done = this.act(a, st, d);
      allDone &&= st.done;
    }
    if (!allDone) {
      // Written only when it changed; a write the store refuses puts the progress back as stored.
      if (JSON.stringify(d.state) !== before) this.save(d, () => (d.state = JSON.parse(before)));
      return;
    }
    const finished = d.currentStep + 1 >= d.steps.length;
    if (finished) {
      this.save(d, () => (d.state = JSON.parse(before)), true);
      e.events.emit('deployment_step_success', { plan: this.planJson(d), currentStep: { actions: step } });
      e.events.emit('deployment_success', { id: d.id, plan: this.planJson(d) });
      return;
    }
    d.currentStep++;
    this.save(d, () => {
      d.currentStep--;
      d.state = JSON.parse(before);
    });
    e.events.emit('deployment_step_success', { plan: this.planJson(d), currentStep: { actions: step } });
    this.info(d);
    this.progress(d);
  }

  /** Persist a deployment's progress (or its end); `undo` restores memory when the store refuses. */
  private save(d: Deployment, undo: () => void, finished = false): void {
    try {
      this.state.commit((w) => {
        if (!finished) return w.putDeployment(d);
        w.removeDeployment(d.id);
        this.record(w, d, 'succeeded');
      });
    } catch (err) {
      undo();
      throw err;
    }
  }

  /** Advance one action; true when it is done. */
  private act(a: DeploymentAction, st: ActionState, d: Deployment): boolean {
    switch (a.action) {
      case 'StartApplication':
        return true;
      case 'StopApplication':
        return this.stop(a.app);
      case 'ScaleApplication':
        return this.scale(a.app);
      case 'RestartApplication':
        return this.restart(a.app, st, d);
    }
  }

  private stop(appId: string): boolean {
    const e = this.state;
    const insts = e.instancesOf(appId);
    for (const i of insts) e.decommission(i);
    if (insts.length > 0) return false;
    if (e.apps.has(appId)) {
      e.commit((w) => w.removeApp(appId));
      e.events.emit('app_terminated_event', { appId });
    }
    return true;
  }

  /** ScaleApplication (marathon-semantics.md §4.4): kill extras in kill order, launch the missing, wait for them. */
  private scale(appId: string): boolean {
    const e = this.state;
    const stored = e.apps.get(appId);
    if (!stored) return true;
    this.scaleTo(stored);
    const insts = e.instancesOf(appId);
    const healthy = insts.filter((i) => i.goal === 'Running' && e.isHealthy(i) && e.isReady(i)).length;
    const dying = insts.some((i) => i.goal !== 'Running' && ACTIVE.has(i.condition));
    return healthy >= stored.app.instances && !dying;
  }

  /** Make the number of goal-Running instances equal `instances` (no waiting). */
  scaleTo(stored: StoredApp): void {
    const e = this.state;
    const active = e.instancesOf(stored.app.id).filter((i) => i.goal === 'Running');
    const n = stored.app.instances;
    if (active.length > n) {
      for (const i of this.toKill(stored.app, active, active.length - n)) this.state.retire(i);
    }
    for (let k = active.length; k < n; k++) e.scheduleInstance(stored);
  }

  /**
   * Which `count` instances a scale-down kills (marathon-semantics.md §4.4): placement policies pick first (GROUP_BY
   * rebalancing), then the kill order (condition weight, then killSelection).
   */
  private toKill(app: App, active: Instance[], count: number): Instance[] {
    const ordered = killOrder(active, app.killSelection);
    const byId = new Map(ordered.map((i) => [i.instanceId, i]));
    const candidates = ordered.flatMap((i) => {
      const agent = this.state.agent(i.agentId);
      return agent ? [{ instanceId: i.instanceId, agent }] : [];
    });
    const picked: Instance[] = [];
    for (const p of this.host.policies) {
      if (picked.length >= count || !p.killFirst) continue;
      const left = candidates.filter((c) => !picked.some((x) => x.instanceId === c.instanceId));
      for (const id of p.killFirst(app, left, count - picked.length)) {
        const i = byId.get(id);
        if (i && !picked.includes(i)) picked.push(i);
      }
    }
    for (const i of ordered) if (picked.length < count && !picked.includes(i)) picked.push(i);
    return picked;
  }

  /** RestartApplication: Marathon's TaskReplaceActor arithmetic (marathon-semantics.md §4.5), one evaluation per tick. */
  private restart(appId: string, st: ActionState, d: Deployment): boolean {
    const e = this.state;
    const stored = e.apps.get(appId);
    if (!stored) return true;
    const { app } = stored;
    const n = app.instances;
    const insts = e.instancesOf(appId);
    // Old = launched from a different definition. Instances of another version with the same
    // definition (a rollback to what they run) are kept, not replaced: they never stop serving.
    const requested = d.restarts?.includes(appId) === true;
    // Classified once per version (not per instance and call): this runs on every engine tick.
    const oldVersions = new Map<string, boolean>();
    const isOld = (i: Instance) => {
      if (i.runSpecVersion === stored.version) return false;
      if (!oldVersions.has(i.runSpecVersion)) {
        oldVersions.set(i.runSpecVersion, requested || classifyAppChange(e.specOf(i, stored).app, app) === 'restart');
      }
      return oldVersions.get(i.runSpecVersion)!;
    };
    const oldRunning = () => insts.filter((i) => isOld(i) && i.goal === 'Running');
    const order = (list: Instance[]) => [...list].sort((x, y) => Number(e.isHealthy(x)) - Number(e.isHealthy(y)));
    if (!st.initialized) {
      // With no health checks every goal-Running instance counts as healthy, even if staging.
      const healthyOld = oldRunning().filter((i) => app.healthChecks.length === 0 || e.isHealthy(i)).length;
      // Stopped reservations (a resident app scaled down) hold volumes, not capacity.
      const current = insts.filter((i) => i.goal !== 'Stopped').length;
      const s = replaceStart(
        n,
        app.upgradeStrategy.minimumHealthCapacity,
        app.upgradeStrategy.maximumOverCapacity,
        healthyOld,
        current,
        isResident(app),
      );
      st.initialized = true;
      st.killNow = s.killNow;
      st.maxCapacity = s.maxCapacity;
      st.oldKilled = 0;
      st.healthySeen = [];
      for (const i of order(oldRunning()).slice(0, s.killNow)) {
        this.state.retire(i);
        st.oldKilled++;
      }
    }
    // An old instance that dies on its own counts as a completed kill.
    for (const i of oldRunning()) {
      if (TERMINAL.has(i.condition)) {
        this.state.retire(i);
        st.oldKilled!++;
      }
    }
    const fresh = insts.filter((i) => !isOld(i) && i.goal === 'Running');
    for (const i of fresh)
      if (e.isHealthy(i) && e.isReady(i) && !st.healthySeen!.includes(i.instanceId)) st.healthySeen!.push(i.instanceId);
    // Each new instance that turned healthy (and ready) lets one more old instance go.
    const wantKilled = st.killNow! + st.healthySeen!.length;
    for (const i of order(oldRunning())) {
      if (st.oldKilled! >= wantKilled) break;
      this.state.retire(i);
      st.oldKilled!++;
    }
    // Capacity is freed only once an old task is actually terminal.
    const oldActive = insts.filter(
      (i) => isOld(i) && (i.condition === 'Scheduled' ? i.goal === 'Running' : !TERMINAL.has(i.condition)),
    ).length;
    const launch = toLaunch(n, st.maxCapacity!, oldActive, fresh.length);
    for (let k = 0; k < launch; k++) e.scheduleInstance(stored);
    const freshHealthy = fresh.filter((i) => e.isHealthy(i) && e.isReady(i)).length;
    return freshHealthy >= n && oldActive === 0 && fresh.length === n;
  }

  /**
   * Outside deployments, keep every unlocked app at its instance count (Marathon's periodic scale
   * check; crashed instances relaunch on their own since their goal stays Running).
   */
  reconcileUnlocked(): void {
    for (const stored of this.state.apps.values()) {
      if (this.locks(stored.app.id).length === 0) this.scaleTo(stored);
    }
  }
}
