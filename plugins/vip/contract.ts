/**
 * The vip plugin's contract (types only): the hook through which another plugin offers a data plane
 * for the engine's VIPs (marathon-lb offers HAProxy), and what a data plane is handed and must do.
 * Reached through core (`runner.hooksOf('vip')`, `Contract<'vip'>['dataplane']`), never imported.
 */
import type { AsyncSeriesBailHook } from 'tapable';
import type { Contract } from '../../core/index.js';
import type { L4Dataplane, L4Service, L4Source } from './dataplane.js';
import type { Backend } from './proxy.js';

export type { L4Dataplane, L4Service, L4Source } from './dataplane.js';
export type { Backend } from './proxy.js';

/** The hooks the vip plugin publishes. */
export interface VipHooks {
  /**
   * Offer a data plane for the engine's VIPs (first to return one wins; none: the Node proxy).
   * Called once the engine has started, with it.
   */
  dataplane: AsyncSeriesBailHook<[L4Source, Contract<'engine'>['api']], L4Dataplane | undefined>;
}

declare module '../../core/index.js' {
  interface PluginContracts {
    vip: { hooks: VipHooks; source: L4Source; service: L4Service; dataplane: L4Dataplane; backend: Backend };
  }
}
