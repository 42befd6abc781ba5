import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { BatonError, STAGE, definePlugin } from '../../core/index.js';
import { PARAMETERS } from './parameters.js';
import { createDockerRuntime, imageOf, pullImage } from './runtime.js';

const require = createRequire(import.meta.url);
/** dockerode, loaded on first use: importing it costs ~120 ms, and most commands never talk to Docker. */
const dockerode = (): typeof Docker => require('dockerode');

/** A dockerode client for an endpoint: "unix:///path", "tcp://host:port", or the default (DOCKER_HOST or the local socket). */
export function dockerClient(endpoint?: string): Docker {
  const Docker = dockerode();
  if (!endpoint) return new Docker();
  const u = new URL(endpoint);
  return u.protocol === 'unix:'
    ? new Docker({ socketPath: u.pathname })
    : new Docker({ host: u.hostname, port: Number(u.port || 2375) });
}

export const describeEndpoint = (endpoint?: string) =>
  endpoint ?? (process.env.DOCKER_HOST || 'unix:///var/run/docker.sock');

/**
 * Docker containers on the embedded engine (`container.type: DOCKER`; `MESOS` with `docker.image`
 * runs through this runtime too, as Docker stands in for the Mesos containerizer here).
 */
export default definePlugin({
  name: 'docker',
  version: '0.1.0',
  dependsOn: ['engine'],
  apply(runner, { log }) {
    runner.hooksOf('engine').runtimes.tap('docker', (reg) => {
      const clients = new Map<string, Docker>();
      const forEndpoint = (e?: string) => {
        const key = e ?? '';
        if (!clients.has(key)) clients.set(key, dockerClient(e));
        return clients.get(key)!;
      };
      const byAgent = new Map(reg.agents.map((a) => [a.id, a.docker]));
      reg.add(
        createDockerRuntime({
          engineId: reg.engineId,
          dockerFor: (agentId) => forEndpoint(byAgent.get(agentId)),
          allDockers: () => [...new Set([undefined, ...byAgent.values()])].map(forEndpoint),
        }),
      );
    });

    // `docker run` options that have no mapping are errors, not silently dropped.
    runner.hooks.validate.tap({ name: 'docker', title: 'Docker parameters' }, (ctx) => {
      for (const { spec, path } of ctx.recipe.apps) {
        (spec.container?.docker?.parameters ?? []).forEach((p, i) => {
          if (!(p.key in PARAMETERS)) {
            ctx.issues
              .at(...path)
              .error(
                ['container', 'docker', 'parameters', i, 'key'],
                'docker.parameter-unsupported',
                `'${p.key}' is not a supported docker run option; supported: ${Object.keys(PARAMETERS).join(', ')}`,
              );
          }
        });
      }
    });

    // The daemon must answer before anything changes; process tasks are not affected either way.
    runner.hooks.preflight.tapPromise(
      { name: 'docker', stage: STAGE.NORMAL, title: 'Docker daemon and images (apps with an image)' },
      async (ctx) => {
        if (ctx.recipe.target.kind !== 'embedded' || !ctx.recipe.apps.some((a) => imageOf(a.spec))) return;
        const agents = ((ctx.recipe.raw.engine as { agents?: { docker?: string }[] } | undefined)?.agents ?? []).map(
          (a) => a.docker,
        );
        for (const endpoint of new Set(agents.length ? agents : [undefined])) {
          const d = dockerClient(endpoint);
          try {
            await d.ping({ abortSignal: AbortSignal.timeout(3000) } as never);
          } catch (err) {
            throw new BatonError(
              'BATON_TARGET_UNAVAILABLE',
              `The Docker daemon at ${describeEndpoint(endpoint)} does not answer: ${(err as Error).message}`,
              {
                details:
                  "Start dockerd (or set DOCKER_HOST / the agent's docker endpoint). Process tasks are not affected.",
              },
            );
          }
          // An image that is not here and cannot be pulled fails now, before anything changes.
          for (const { spec } of ctx.recipe.apps) {
            const image = imageOf(spec);
            if (!image) continue;
            const present = await d
              .getImage(image)
              .inspect()
              .then(
                () => true,
                () => false,
              );
            if (present && !spec.container?.docker?.forcePullImage) continue;
            log.progress(`pulling ${image}`, spec.id);
            await pullImage(d, image, 60_000).catch((err: Error) => {
              throw new BatonError(
                'BATON_DEPLOY_FAILED',
                `${spec.id}: image ${image} is not on this machine and cannot be pulled: ${err.message.split('\n')[0]}`,
                {
                  details: 'Build or load it locally (docker build / docker load), or make its registry reachable.',
                },
              );
            });
          }
        }
      },
    );
  },
});
