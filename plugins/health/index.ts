import { definePlugin } from '../../core/index.js';
import { attachProber, type EngineView } from './prober.js';

interface EngineProbeHooks {
  probes: { tap(name: string, fn: (engine: EngineView) => void): void };
}

/**
 * Health and readiness checks on the embedded engine with Marathon's exact semantics (marathon.md
 * §3): probes on schedule, grace periods, kills after too many failures, readiness gating.
 */
export default definePlugin({
  name: 'health',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    runner.hooksOf<EngineProbeHooks>('engine').probes.tap('health', (engine) => void attachProber(engine));
  },
});
