import { definePlugin } from '../../core/index.js';
import { attachProber } from './prober.js';

/**
 * Health and readiness checks on the embedded engine with Marathon's exact semantics
 * (marathon-semantics.md §3): probes on schedule, grace periods, kills after too many failures, readiness gating.
 */
export default definePlugin({
  name: 'health',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    runner.hooksOf('engine').probes.tap('health', (engine) => void attachProber(engine));
  },
});
