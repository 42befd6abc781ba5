/**
 * The marathon plugin's contract (types only): the hooks it publishes — the endpoint of a target,
 * a client for other plugins' commands, deploy strategies — and the types they hand out. Reached
 * through core (`runner.hooksOf('marathon')`, `Contract<'marathon'>['client']`), never imported.
 */
import type { AsyncSeriesBailHook } from 'tapable';
import type { App, PipelineContext, PlanChange, TargetSpec } from '../../core/index.js';
import type { Endpoint, MarathonClient } from './client.js';

export type { Endpoint, MarathonClient } from './client.js';

/** What a strategy is asked with: the change, the app as it will be deployed, and the target's API. */
export interface StrategyRequest {
  ctx: PipelineContext;
  change: PlanChange;
  /** The recipe's app with Baton's ownership label. */
  app: App;
  client: MarathonClient;
  /** Wait for Marathon deployments of these apps with the run's deadlines and progress reporting. */
  waitFor(deploymentIds: string[], appIds: string[], signal?: AbortSignal): Promise<void>;
}

/** A strategy's handling of one app in one deploy. */
export interface StrategyRun {
  /** `apply`: start (create the new version beside the old one). */
  start(): Promise<void>;
  /** `wait`: drive it to the end within the run's deadlines. */
  finish(): Promise<void>;
  /** `rollback`: traffic and capacity back on the version that served before. */
  rollback(): Promise<void>;
}

/** Hooks the marathon plugin publishes. */
export interface MarathonHooks {
  /** Bail: the Marathon endpoint serving a target kind (the engine plugin answers for "embedded"). */
  endpoint: AsyncSeriesBailHook<[TargetSpec, PipelineContext | undefined], Endpoint | undefined>;
  /**
   * Bail: a Marathon API client for a recipe's target (no recipe: the default target), for other
   * plugins' commands (`baton group`, `baton lb`). This plugin answers it.
   */
  client: AsyncSeriesBailHook<[string | undefined], MarathonClient | undefined>;
  /**
   * Bail: a deploy strategy (blue-green, canary) claims one app's change by returning a run; the
   * app is then deployed by that run instead of a plain Marathon deployment (rolling).
   */
  strategy: AsyncSeriesBailHook<[StrategyRequest], StrategyRun | undefined>;
}

declare module '../../core/index.js' {
  interface PluginContracts {
    marathon: {
      hooks: MarathonHooks;
      client: MarathonClient;
      endpoint: Endpoint;
      strategyRequest: StrategyRequest;
      strategyRun: StrategyRun;
    };
  }
}
