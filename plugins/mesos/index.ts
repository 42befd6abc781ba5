import { STAGE, definePlugin } from '../../core/index.js';
import { createMesosRuntime } from './runtime.js';

/** Mesos command tasks (`cmd`/`args`, no image) as real processes on the embedded engine. */
export default definePlugin({
  name: 'mesos',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    runner
      .hooksOf('engine')
      .runtimes.tap('mesos', (reg) => reg.add(createMesosRuntime(reg.engineId, reg.offeredCpus, reg.stateDir)));
    // A process has no mount namespace: volumes appear as links in its sandbox, nowhere else.
    runner.hooks.validate.tap(
      { name: 'mesos', stage: STAGE.NORMAL, title: 'Command-task volumes can be shown in the sandbox' },
      (ctx) => {
        if (ctx.recipe.target.kind !== 'embedded') return;
        for (const { spec, path } of ctx.recipe.apps) {
          if (spec.container?.docker) continue;
          (spec.container?.volumes ?? []).forEach((v, i) => {
            if (v.hostPath !== undefined && v.containerPath.startsWith('/')) {
              ctx.issues
                .at(...path)
                .warn(
                  ['container', 'volumes', i, 'containerPath'],
                  'mesos.volume-absolute-path',
                  `command tasks on the embedded engine see volumes only in their sandbox: use a relative containerPath (it appears at $MESOS_SANDBOX/<containerPath>); '${v.containerPath}' is not mounted`,
                );
            }
          });
        }
      },
    );
  },
});
