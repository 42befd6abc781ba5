import type { App } from '../../core/index.js';
import type { AgentSpec } from './settings.js';

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
   * The rule `agent` breaks for one more task of `app` ("hostname:UNIQUE"), or undefined when it may
   * take it. `placed` are the app's tasks that count (marathon.md §2.3: launched, not lost, and of a
   * version at least as new as the app's last config change).
   */
  reject?(app: App, agent: AgentSpec, placed: readonly PlacedTask[]): string | undefined;
  /** Scale-down: instance ids to kill first, at most `count`, chosen from `candidates` (in kill order). */
  killFirst?(app: App, candidates: readonly PlacedTask[], count: number): string[];
}

/** What the engine's `placement` hook hands to plugins. */
export interface PlacementRegistry {
  agents: readonly AgentSpec[];
  add(policy: PlacementPolicy): void;
}
