import type { FastifyInstance } from 'fastify';
import { CORE_VERSION } from '../../../core/index.js';
import type { Engine } from '../engine.js';

/** `/ping`, `/v2/info`, `/v2/leader`, `/v2/eventSubscriptions`: what a Marathon says about itself. */
export function infoRoutes(server: FastifyInstance, e: Engine, url: () => string): void {
  server.get('/ping', async (req, reply) =>
    String(req.headers.accept ?? '').includes('application/json')
      ? reply.type('application/json').send('"pong"')
      : reply.type('text/plain').send('pong'),
  );

  server.get('/v2/info', async () => ({
    name: 'baton-engine',
    version: '1.10.26',
    buildref: `baton-${CORE_VERSION}`,
    elected: true,
    leader: new URL(url()).host,
    frameworkId: `baton-${e.id}`,
    marathon_config: {
      local_port_min: 10000,
      local_port_max: 20000,
      mesos_role: 'slave_public',
      features: [],
      task_launch_timeout: 300000,
      task_reservation_timeout: 20000,
      reconciliation_interval: 600000,
      scale_apps_interval: 300000,
    },
    zookeeper_config: {},
    http_config: { http_port: new URL(url()).port },
  }));
  server.get('/v2/leader', async () => ({ leader: new URL(url()).host }));
  // The only Marathon there is: it steps down and is elected again at once, deployments carrying on.
  server.delete('/v2/leader', async () => ({ message: 'Leadership abdicated' }));
  // Marathon's answer when it runs without `--event_subscriber http_callback`, its default: /v2/events it is.
  server.all('/v2/eventSubscriptions', async (_req, reply) =>
    reply.code(400).send({
      message:
        'http event callback system is not running on this Marathon instance. Please re-start this instance with "--event_subscriber http_callback".',
    }),
  );
}
