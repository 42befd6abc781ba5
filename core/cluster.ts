import type { App, Pod } from './marathon/types.js';

/** What a target holds now: the run specs it runs (normalised Marathon definitions). */
export interface ClusterState {
  apps: App[];
  pods: Pod[];
}

/**
 * The cluster port: what the pipeline needs from a place that runs services. Target plugins
 * (the embedded engine, a Marathon client) implement it and hand it out through the runner's
 * `resolveTarget` hook; core never knows which one it talks to.
 */
export interface ClusterPort {
  /** e.g. "embedded", "marathon". */
  readonly kind: string;
  /** For humans: "embedded engine at http://127.0.0.1:8080". */
  readonly description: string;
  /** Current run specs. Must not change anything. */
  state(signal?: AbortSignal): Promise<ClusterState>;
  /** Where an app's running instances answer: agent host and host ports (for smoke tests). Optional. */
  endpoints?(appId: string, signal?: AbortSignal): Promise<InstanceEndpoint[]>;
}

/** One running instance as reachable from outside: its task, host and host ports. */
export interface InstanceEndpoint {
  taskId: string;
  host: string;
  ports: number[];
}

/** Label Baton puts on what it deploys, so `plan` knows which specs a recipe owns (and may remove). */
export const RECIPE_LABEL = 'baton.recipe';
