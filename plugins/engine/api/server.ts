import Fastify, { type FastifyInstance } from 'fastify';
import type { Engine } from '../engine.js';
import { appsRoutes } from './apps-routes.js';
import { groupsRoutes } from './groups-routes.js';
import { eventsRoute } from './events-route.js';
import { batonRoutes } from './baton-routes.js';
import { deploymentsRoutes } from './deployments-routes.js';
import { infoRoutes } from './info-routes.js';
import { logsRoute } from './logs-route.js';
import { podsRoutes } from './pods-routes.js';
import { tasksRoutes } from './tasks-routes.js';
import { matchRoute } from '../extensions.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The engine's Marathon-compatible HTTP API (fastify: routing, body limits and error handling we
 * would otherwise write by hand). Binds loopback by default; binding anywhere else needs a token,
 * sent as `Authorization: token=<t>` (DC/OS style) or `Bearer <t>`.
 */
export async function startServer(
  e: Engine,
  host: string,
  port: number,
  token?: string,
): Promise<{ server: FastifyInstance; url: string }> {
  if (!LOOPBACK.test(host) && !token) {
    throw new Error(`refusing to serve the engine API on ${host} without a token (set BATON_ENGINE_TOKEN)`);
  }
  const server = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  let url = '';
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(Object.assign(new Error('Invalid JSON'), { statusCode: 400, details: (err as Error).message }), undefined);
    }
  });
  server.setErrorHandler((error, _req, reply) => {
    // A body that is not JSON carries the parser's complaint as `details` (Marathon's "Invalid JSON");
    // everything else (a bad query parameter, a failure) says what it is.
    const err = error as Error & { statusCode?: number; details?: string };
    const status = err.statusCode ?? 500;
    reply
      .code(status)
      .send(err.details !== undefined ? { message: 'Invalid JSON', details: err.details } : { message: err.message });
  });
  server.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `Not found: ${req.method} ${req.url}` }));
  if (token) {
    server.addHook('onRequest', async (req, reply) => {
      const h = String(req.headers.authorization ?? '');
      if (h !== `token=${token}` && h !== `Bearer ${token}`)
        return reply.code(401).send({ message: 'Not authenticated' });
    });
  }
  server.addHook('onSend', async (_req, reply) => {
    reply.header('X-Marathon-Leader', url);
  });
  appsRoutes(server, e);
  groupsRoutes(server, e);
  podsRoutes(server, e);
  infoRoutes(server, e, () => url);
  tasksRoutes(server, e);
  deploymentsRoutes(server, e);
  batonRoutes(server, e, () => url);
  logsRoute(server, e);
  eventsRoute(server, e);
  // Extensions attach when the engine starts, some after the API listens: match their routes per request.
  server.all('/baton/v1/x/*', async (req, reply) => {
    const m = matchRoute(e.routes, req.method, (req.params as { '*': string })['*']);
    if (!m) return reply.code(404).send({ message: `Not found: ${req.method} ${req.url}` });
    const out = await m.route.handler({ params: m.params, query: req.query as Record<string, string>, body: req.body });
    return reply.code(out.status ?? 200).send(out.body);
  });
  await server.listen({ host, port });
  const addr = server.server.address();
  url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
  return { server, url };
}
