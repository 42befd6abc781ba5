import type { App } from '../../core/index.js';
import type { AgentSpec } from './settings.js';
import { ACTIVE, type Instance } from './types.js';

/** One of an app's tasks as a placement policy sees it: which agent it is on. */
export interface PlacedTask {
  instanceId: string;
  agent: AgentSpec;
}

/** A finding of a policy's static check, with its path inside the app definition. */
export interface PolicyFinding {
  path: (string | number)[];
  message: string;
}

/**
 * What a placement plugin (constraints) contributes to the engine's scheduler. Plain data in and
 * out, so a plugin can declare this shape instead of importing the engine.
 */
export interface PlacementPolicy {
  name: string;
  /** The app's placement fields are well-formed (the API answers 422 otherwise). */
  check?(app: App): PolicyFinding[];
  /**
   * Start placing tasks of `app` in one scheduling pass. `placed` are the app's tasks that count
   * (marathon-semantics.md §2.3: launched, not lost, and of a version at least as new as the app's last config
   * change). Undefined: this policy has nothing to say about the app.
   */
  session?(app: App, placed: readonly PlacedTask[]): PlacementSession | undefined;
  /** Scale-down: instance ids to kill first, at most `count`, chosen from `candidates` (in kill order). */
  killFirst?(app: App, candidates: readonly PlacedTask[], count: number): string[];
}

/** One app's placement within a pass: a verdict per agent, told of each task placed meanwhile. */
export interface PlacementSession {
  /** The rule `agent` breaks for one more task ("hostname:UNIQUE"), or undefined when it may take it. */
  reject(agent: AgentSpec): string | undefined;
  /** A task of the app was just placed on `agent`. */
  placed(agent: AgentSpec): void;
}

/** What the engine's `placement` hook hands to plugins. */
export interface PlacementRegistry {
  agents: readonly AgentSpec[];
  add(policy: PlacementPolicy): void;
}

/** All policies' sessions for one app as one: the first rule broken wins; every policy hears of placements. */
export function openSession(
  policies: readonly PlacementPolicy[],
  app: App,
  placed: readonly PlacedTask[],
): PlacementSession {
  const sessions = policies.flatMap((p) => {
    const s = p.session?.(app, placed);
    return s ? [s] : [];
  });
  return {
    reject(agent) {
      for (const s of sessions) {
        const r = s.reject(agent);
        if (r !== undefined) return r;
      }
      return undefined;
    },
    placed(agent) {
      for (const s of sessions) s.placed(agent);
    },
  };
}

/**
 * The app's tasks that constrain a new launch (marathon-semantics.md §2.3): launched and not terminal, of a
 * version at least as new as the last config change (old-version tasks are invisible during a
 * config-change upgrade; a restart keeps lastConfigChangeAt, so they count then).
 */
export function constrainingTasks(
  instances: readonly Instance[],
  lastConfigChangeAt: string,
  agentOf: (id: string) => AgentSpec | undefined,
): PlacedTask[] {
  const out: PlacedTask[] = [];
  for (const o of instances) {
    if (!o.agentId || !ACTIVE.has(o.condition) || o.runSpecVersion < lastConfigChangeAt) continue;
    const agent = agentOf(o.agentId);
    if (agent) out.push({ instanceId: o.instanceId, agent });
  }
  return out;
}
