import type { App } from '../../core/index.js';

/** What discovery reads of a started engine (declared here: plugins do not import each other). */
export interface EngineView {
  apps: Map<string, { app: App; version: string }>;
  instances: Map<string, ViewInstance>;
  settings: { host: string; agents: { id: string; hostname: string; address: string }[] };
  agent(id: string | undefined): { id: string; hostname: string; address: string } | undefined;
  /** Healthy by every health check of its version (true without checks). */
  isHealthy(i: ViewInstance): boolean;
  events: { on(listener: (e: { eventType: string }) => void): () => void };
  onStop(fn: () => void | Promise<void>): void;
  /** Status sections shown by `baton engine status` and /baton/v1/status. */
  extensions: Map<string, () => { summary: string[] } & Record<string, unknown>>;
  /** The engine's name servers, "address:port"; tasks get them as $BATON_DNS (Docker tasks as --dns when on port 53). */
  resolvers: string[];
}

export interface ViewInstance {
  instanceId: string;
  appId: string;
  taskId?: string;
  agentId?: string;
  condition: string;
  goal: string;
  ports: number[];
}
