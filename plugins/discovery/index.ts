import { SyncHook } from 'tapable';
import { definePlugin } from '../../core/index.js';
import { attachDiscovery, dnsEndpoint } from './attach.js';
import type { RecordSet } from './records.js';

export const PLUGIN = 'discovery';

/**
 * Service discovery on the embedded engine, as Mesos-DNS: an embedded DNS server (dns-packet for
 * the wire format) answering A and SRV records for running tasks under `.marathon.mesos`.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner, { log }) {
    const hooks = runner.publishHooks(PLUGIN, {
      records: new SyncHook<[RecordSet]>(['records'], 'discovery.records'),
    });
    runner.hooksOf('engine').started.tap(PLUGIN, (engine) => {
      void attachDiscovery(engine, { ...dnsEndpoint(), extend: (r) => hooks.records.call(r), log });
    });
  },
});
