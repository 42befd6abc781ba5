/**
 * The discovery plugin's contract (types only): the hook through which other plugins add DNS
 * records to the zone it serves (the vip plugin adds `*.l4lb.thisdcos.directory`). Reached through
 * core (`runner.hooksOf('discovery')`, `Contract<'discovery'>['records']`), never imported.
 */
import type { SyncHook } from 'tapable';
import type { RecordSet } from './records.js';

export type { RecordSet } from './records.js';

export interface DiscoveryHooks {
  /** Called on every rebuild of the zone: add records to it. */
  records: SyncHook<[RecordSet]>;
}

declare module '../../core/index.js' {
  interface PluginContracts {
    discovery: { hooks: DiscoveryHooks; records: RecordSet };
  }
}
