import { classifyAppChange, isResident, type App } from '../../core/index.js';
import { place, usage, type PlacementResult } from './placement.js';
import { openSession, type PlacedTask, type PlacementPolicy, type PlacementSession } from './placement-policy.js';
import { replaceStart, toLaunch } from './rolling-restart.js';
import type { AgentSpec } from './settings.js';
import { ACTIVE, type Instance, type StoredApp } from './types.js';
import { waitingWhy } from './api/render.js';

/** What `plan` learns about one app: how many of its instances would wait, and why. */
export interface Prediction {
  id: string;
  pending: number;
  why: string;
  /** A rolling upgrade that cannot start a new instance while the old ones hold their places. */
  stuckUpgrade?: boolean;
}

interface SimTask {
  instanceId: string;
  appKey: string;
  agentId: string;
  ports: number[];
}

/**
 * Predict placement for a recipe before anything is applied (the same placement code and policies
 * as the scheduler, on a copy of the state): new and scaled apps place their instances; a config
 * change replays Marathon's rolling arithmetic (marathon-semantics.md §4.5) with every new instance assumed healthy at
 * once, so what remains is what resources, ports and constraints forbid — e.g. UNIQUE or MAX_PER
 * leaving no room to surge. Removed apps free their agents first, as Marathon's plan stops them first.
 */
export function predictPlacement(
  agents: AgentSpec[],
  policies: PlacementPolicy[],
  current: ReadonlyMap<string, StoredApp>,
  instances: Iterable<Instance>,
  next: App[],
  removed: string[] = [],
): Prediction[] {
  const apps = new Map<string, App>();
  const tasks: SimTask[] = [];
  for (const i of instances) {
    if (!i.agentId || !ACTIVE.has(i.condition) || i.goal !== 'Running' || removed.includes(i.appId)) continue;
    const app = current.get(i.appId)?.app;
    if (!app) continue;
    apps.set(`${i.appId}#old`, app);
    tasks.push({ instanceId: i.instanceId, appKey: `${i.appId}#old`, agentId: i.agentId, ports: i.ports });
  }
  const agentById = new Map(agents.map((a) => [a.id, a]));
  // Dynamic ports start at a pseudo-random offset as in the scheduler; seeded, so a plan is repeatable.
  let seed = 1;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  // Usage is computed once and then kept up to date: place() books what it places, kills give back.
  const use = usage(agents, tasks.map(simInstance), apps);
  const release = (t: SimTask) => {
    const u = use.get(t.agentId);
    const app = apps.get(t.appKey);
    if (!u || !app) return;
    u.cpus += app.cpus;
    u.mem += app.mem;
    u.disk += app.disk;
    for (const p of t.ports) u.usedPorts.delete(p);
    u.perApp.set(t.appKey, (u.perApp.get(t.appKey) ?? 1) - 1);
  };
  const placedOf = (key: string): PlacedTask[] =>
    tasks.filter((t) => t.appKey === key).map((t) => ({ instanceId: t.instanceId, agent: agentById.get(t.agentId)! }));
  const tryPlace = (app: App, key: string, session: PlacementSession): PlacementResult => {
    const r = place({ ...app, id: key }, use, (agent) => session.reject(agent), random);
    if (r.agent) {
      tasks.push({ instanceId: `${key}-${tasks.length}`, appKey: key, agentId: r.agent.id, ports: r.ports! });
      session.placed(r.agent);
    }
    return r;
  };
  const describe = (r: PlacementResult, placed: number, wanted: number) =>
    waitingWhy(
      {
        appId: '',
        count: wanted - placed,
        since: '',
        delayMs: 0,
        declined: r.declined,
        constraints: r.constraints,
        placed,
      },
      agents.length,
      wanted,
    );

  const out: Prediction[] = [];
  for (const app of next) {
    const cur = current.get(app.id)?.app;
    const kind = classifyAppChange(cur, app);
    const oldKey = `${app.id}#old`;
    const newKey = `${app.id}#new`;
    apps.set(newKey, app);
    if (kind === 'unchanged') continue;
    const book = (t: SimTask) => {
      const u = use.get(t.agentId)!;
      u.cpus -= app.cpus;
      u.mem -= app.mem;
      u.disk -= app.disk;
      for (const p of t.ports) u.usedPorts.add(p);
      u.perApp.set(t.appKey, (u.perApp.get(t.appKey) ?? 0) + 1);
    };
    if (kind === 'create' || kind === 'scale') {
      // Scaling keeps the version: the running tasks count for constraints.
      for (const t of tasks) {
        if (t.appKey !== oldKey) continue;
        release(t);
        t.appKey = newKey;
        book(t);
      }
      const have = tasks.filter((t) => t.appKey === newKey).length;
      const session = openSession(policies, app, placedOf(newKey));
      let last: PlacementResult | undefined;
      let placed = have;
      for (let k = have; k < app.instances; k++) {
        last = tryPlace(app, newKey, session);
        if (!last.agent) break;
        placed++;
      }
      if (last && !last.agent)
        out.push({ id: app.id, pending: app.instances - placed, why: describe(last, placed, app.instances) });
      continue;
    }
    // Config change: old tasks are invisible to the new version's constraints (marathon-semantics.md §2.3) but hold
    // their resources and ports until killed.
    const n = app.instances;
    const old = tasks.filter((t) => t.appKey === oldKey);
    const s = replaceStart(
      n,
      app.upgradeStrategy.minimumHealthCapacity,
      app.upgradeStrategy.maximumOverCapacity,
      old.length,
      old.length,
      isResident(app),
    );
    const kill = (count: number) => {
      for (let k = 0; k < count; k++) {
        const idx = tasks.findIndex((t) => t.appKey === oldKey);
        if (idx < 0) return;
        release(tasks[idx]);
        tasks.splice(idx, 1);
      }
    };
    kill(s.killNow);
    const session = openSession(policies, app, []);
    let started = 0;
    for (;;) {
      const oldActive = tasks.filter((t) => t.appKey === oldKey).length;
      if (started >= n) {
        kill(oldActive);
        break;
      }
      const want = toLaunch(n, s.maxCapacity, oldActive, started);
      let launched = 0;
      let last: PlacementResult | undefined;
      for (let k = 0; k < want; k++) {
        last = tryPlace(app, newKey, session);
        if (!last.agent) break;
        launched++;
      }
      started += launched;
      if (launched === 0) {
        if (!last) {
          // Nothing may launch until an old instance goes: the newest ones are healthy, so one does.
          if (started > 0 && oldActive > 0) {
            kill(1);
            continue;
          }
          break; // n = 0
        }
        out.push({
          id: app.id,
          pending: n - started,
          why: `rolling upgrade cannot continue with ${oldActive} old instance(s) running: ${describe(last, started, n)}`,
          stuckUpgrade: true,
        });
        break;
      }
      kill(Math.min(launched, oldActive)); // each new instance healthy → one old one killed
    }
  }
  return out;
}

function simInstance(t: SimTask): Instance & { appId: string } {
  return {
    instanceId: t.instanceId,
    appId: t.appKey,
    agentId: t.agentId,
    ports: t.ports,
    condition: 'Running',
    goal: 'Running',
    runSpecVersion: '',
    since: '',
    incarnation: 1,
    createdAt: '',
  };
}
