import { definePlugin } from '../../core/index.js';
import { reportVolumes } from './status.js';
import { createLocalVolumes } from './volumes.js';

/**
 * Persistent local volumes on the embedded engine (marathon-semantics.md §5): directories under each agent's
 * work directory, reserved per instance and sticky to its agent; the engine decides their life.
 */
export default definePlugin({
  name: 'persistence',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    const engine = runner.hooksOf('engine');
    engine.volumes.tap('persistence', (reg) => reg.add(createLocalVolumes()));
    engine.started.tap('persistence', (e) => reportVolumes(e));
  },
});
