import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine.js';
import { guarded, killTasks } from './apps-routes.js';
import { liveTasks, taskJson } from './render.js';
import { jsonBody, queryOf } from './request.js';

/** `/v2/tasks` and `POST /v2/tasks/delete`: every app's tasks at once. */
export function tasksRoutes(server: FastifyInstance, e: Engine): void {
  server.get('/v2/tasks', async (req) => {
    const statuses = queryOf(req).list('status');
    const want = (c: string) =>
      statuses.length === 0 ||
      statuses.some((s) =>
        s === 'running' ? c === 'Running' : s === 'staging' ? c === 'Staging' || c === 'Starting' : true,
      );
    return {
      tasks: liveTasks(e)
        .filter((i) => want(i.condition))
        .map((i) => taskJson(e, i)),
    };
  });
  server.post('/v2/tasks/delete', async (req, reply) => {
    const q = queryOf(req);
    const ids = jsonBody<{ ids?: unknown }>(req).ids;
    if (!Array.isArray(ids)) return reply.code(400).send({ message: 'Expected {"ids": [...]}' });
    const known = new Set([...e.state.instances.values()].map((i) => i.taskId));
    const unknown = ids.filter((id) => !known.has(String(id)));
    if (unknown.length) return reply.code(400).send({ message: `Unknown task ids: ${unknown.join(', ')}` });
    return guarded(reply, () =>
      killTasks(
        e,
        reply,
        ids.map(String),
        q.bool('scale', false),
        q.bool('wipe', false),
        q.bool('force', false),
        false,
      ),
    );
  });
}
