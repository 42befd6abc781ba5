import { isResident } from '../../core/index.js';
import { usage } from './placement.js';
import type { DeclineReason } from './placement.js';
import { constrainingTasks, openSession, type PlacementPolicy, type PlacementSession } from './placement-policy.js';
import type { AgentSpec } from './settings.js';
import type { EngineState } from './state.js';
import { ACTIVE, type Instance, type StoredApp } from './types.js';
import { placeInstance } from './volumes.js';

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
 * One scheduling pass's placement: the agents' usage, one placement session per app version (its
 * constraints counted as instances are placed), and what waits and why — the queue the pass
 * publishes for /v2/queue, `baton status` and deploy progress.
 */
export class PlacementPass {
  private readonly use: ReturnType<typeof usage>;
  private readonly waiting = new Map<string, QueueEntry>();
  private readonly sessions = new Map<string, PlacementSession>();
  /** Instances by app, once per pass (placement filters look at an app's instances). */
  private readonly byApp = new Map<string, Instance[]>();

  constructor(
    private readonly st: EngineState,
    private readonly agents: AgentSpec[],
    private readonly policies: readonly PlacementPolicy[],
    /** The last pass's queue: an entry keeps when it started waiting. */
    private readonly previous: ReadonlyMap<string, QueueEntry>,
    private readonly volumes: boolean,
  ) {
    const appsById = new Map([...st.apps].map(([id, s]) => [id, s.app]));
    this.use = usage(agents, st.instances.values(), appsById);
    for (const i of st.instances.values()) {
      const list = this.byApp.get(i.appId);
      if (list) list.push(i);
      else this.byApp.set(i.appId, [i]);
    }
  }

  /** An agent and ports for an instance waiting to (re)launch at `spec`, booked; undefined: it waits. */
  place(i: Instance, spec: StoredApp): { agent: AgentSpec; ports: number[] } | undefined {
    const st = this.st;
    const others = this.byApp.get(i.appId) ?? [];
    const entry = this.waiting.get(i.appId) ?? {
      appId: i.appId,
      count: 0,
      since: this.previous.get(i.appId)?.since ?? new Date().toISOString(),
      delayMs: 0,
      declined: {},
      constraints: {},
      placed: 0,
    };
    this.waiting.set(i.appId, entry);
    entry.count++;
    const delay = st.backoff.waitMs(i.appId, spec.versionInfo.lastConfigChangeAt, spec.app);
    if (delay > 0) {
      entry.delayMs = delay;
      return undefined;
    }
    // One placement session per app version and pass: constraints count incrementally.
    const key = `${i.appId}@${spec.version}`;
    let session = this.sessions.get(key);
    if (!session)
      this.sessions.set(
        key,
        (session = openSession(
          this.policies,
          spec.app,
          constrainingTasks(others, spec.versionInfo.lastConfigChangeAt, (id) => st.agent(id)),
        )),
      );
    if (isResident(spec.app) && !this.volumes) {
      entry.declined = { UnfulfilledConstraint: this.agents.length };
      entry.constraints = { 'persistent volumes (no persistence plugin)': this.agents.length };
      return undefined;
    }
    const placed = placeInstance(i, spec.app, this.use, (agent) => session.reject(agent));
    if (!placed.agent) {
      entry.declined = placed.declined;
      entry.constraints = placed.constraints;
      return undefined;
    }
    entry.count--;
    session.placed(placed.agent);
    return { agent: placed.agent, ports: placed.ports! };
  }

  /** Replace `queue` with what still waits after this pass, with how many of each app are placed. */
  publish(queue: Map<string, QueueEntry>): void {
    queue.clear();
    for (const [id, e] of this.waiting) {
      if (e.count === 0) continue;
      e.placed = (this.byApp.get(id) ?? []).filter(
        (o) => o.agentId && ACTIVE.has(o.condition) && o.goal === 'Running',
      ).length;
      queue.set(id, e);
    }
  }
}
