import { STAGE, definePlugin } from '../../core/index.js';
import { createPodRuntime } from './runtime.js';

/**
 * Pods on the embedded engine (marathon-semantics.md §6): the containers of an instance launched together on
 * one agent through the command and Docker runtimes, sharing the agent's address and the
 * instance's volumes; scheduled, health-checked and upgraded by the engine like apps.
 */
export default definePlugin({
  name: 'pods',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner) {
    runner.hooksOf('engine').runtimes.tap('pods', (reg) => reg.add(createPodRuntime(() => reg.runtimes)));
    runner.hooks.validate.tap(
      { name: 'pods', stage: STAGE.NORMAL, title: 'Pods the embedded engine can run' },
      (ctx) => {
        if (ctx.recipe.target.kind !== 'embedded') return;
        for (const { spec, path } of ctx.recipe.pods) {
          const images = spec.containers.every((c) => c.image);
          spec.networks.forEach((n, i) => {
            if (n.mode === 'host' || (n.mode === 'container/bridge' && images)) return;
            ctx.issues
              .at(...path)
              .error(
                ['networks', i, 'mode'],
                'pods.network-mode',
                n.mode === 'container/bridge'
                  ? "a 'container/bridge' pod runs every container in one Docker network namespace: each container needs an 'image' (or use host networking)"
                  : "the embedded engine runs pods with host networking (containers share the agent's address) or 'container/bridge' (Docker containers in one namespace); named container networks are not supported",
              );
          });
          spec.containers.forEach((c, i) =>
            c.volumeMounts.forEach((m, j) => {
              if (!c.image && m.mountPath.startsWith('/')) {
                ctx.issues
                  .at(...path)
                  .warn(
                    ['containers', i, 'volumeMounts', j, 'mountPath'],
                    'pods.mount-absolute-path',
                    `a container without an image sees volumes only in its sandbox: use a relative mountPath ('${m.mountPath}' is not mounted)`,
                  );
              }
            }),
          );
        }
      },
    );
  },
});
