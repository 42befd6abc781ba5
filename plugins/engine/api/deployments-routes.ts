import type { FastifyInstance } from 'fastify';
import { canonicalId } from '../../../core/index.js';
import type { Engine } from '../engine.js';
import { deploymentJson, queueJson } from './render.js';
import { queryOf } from './request.js';

/** `/v2/deployments` (list, revert, cancel) and `/v2/queue` (what waits, and its launch delay). */
export function deploymentsRoutes(server: FastifyInstance, e: Engine): void {
  server.get('/v2/deployments', async () => [...e.state.deployments.values()].map((d) => deploymentJson(e, d)));
  server.delete('/v2/deployments/:id', async (req, reply) => {
    const d = e.state.deployments.get((req.params as { id: string }).id);
    if (!d)
      return reply.code(404).send({ message: `DeploymentPlan ${(req.params as { id: string }).id} does not exist` });
    if (queryOf(req).bool('force', false)) {
      e.driver.cancel(d, 'Canceled');
      return reply.code(202).send();
    }
    const r = e.driver.revert(d);
    return reply.header('Marathon-Deployment-Id', r.id).send({ deploymentId: r.id, version: r.version });
  });

  server.get('/v2/queue', async (req) => queueJson(e, queryOf(req).list('embed').includes('baton')));
  server.delete('/v2/queue/*', async (req, reply) => {
    const m = /^(.*)\/delay$/.exec('/' + (req.params as { '*': string })['*']);
    if (!m) return reply.code(404).send({ message: 'Not found' });
    const id = canonicalId(m[1]);
    // As Marathon's QueueResource: only what waits in the queue has a delay to reset.
    if (!e.queue.has(id)) return reply.code(404).send({ message: `Application ${id} not found in tasks queue.` });
    e.state.backoff.reset(id);
    e.poke();
    return reply.code(204).send();
  });
}
