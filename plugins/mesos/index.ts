import { definePlugin, type TaskRuntime } from '../../core/index.js';
import { createMesosRuntime } from './runtime.js';

interface EngineRuntimeHooks {
  runtimes: { tap(name: string, fn: (reg: { engineId: string; offeredCpus: number; add(rt: TaskRuntime): void }) => void): void };
}

/** Mesos command tasks (`cmd`/`args`, no image) as real processes on the embedded engine. */
export default definePlugin({
  name: 'mesos',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    runner.hooksOf<EngineRuntimeHooks>('engine').runtimes.tap('mesos', (reg) => reg.add(createMesosRuntime(reg.engineId, reg.offeredCpus)));
  },
});
