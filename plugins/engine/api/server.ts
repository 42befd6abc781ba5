import { createRequire } from 'node:module';
import type { FastifyInstance, default as FastifyFactory } from 'fastify';
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
import { isUiPath, uiRoutes } from './ui-route.js';
import { matchRoute } from '../extensions.js';
import { checkSettings } from '../settings.js';

const require = createRequire(import.meta.url);
/** fastify, loaded when an engine serves its API (~70 ms that commands talking to a running engine need not pay). */
const fastify = (): typeof FastifyFactory => require('fastify');

/**
 * The engine's Marathon-compatible HTTP API (fastify: routing, body limits and error handling we
 * would otherwise write by hand). Binds loopback by default; binding anywhere else needs a token,
 * sent as `Authorization: token=<t>` (DC/OS style) or `Bearer <t>`.
 */
/** Methods that read: a browser may send them without the token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function startServer(
  e: Engine,
  host: string,
  port: number,
  token?: string,
  /** Answer latency into the engine's metrics: a served engine's; a plan's own read-only one has none to show. */
  measured = true,
): Promise<{ server: FastifyInstance; url: string }> {
  checkSettings({ host, token });
  const server = fastify()({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
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
    const err = error as Error & { statusCode?: number; details?: string; code?: string };
    // A full disk refused the change (nothing was applied): Marathon answers a storage it cannot
    // write with 503, and clients retry later.
    if (err.code === 'BATON_STATE_UNWRITABLE') return reply.code(503).send({ message: err.message });
    const status = err.statusCode ?? 500;
    reply
      .code(status)
      .send(err.details !== undefined ? { message: 'Invalid JSON', details: err.details } : { message: err.message });
  });
  server.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `Not found: ${req.method} ${req.url}` }));
  server.addHook('onRequest', async (req, reply) => {
    // The dashboard's files hold no data: they load without the token, then ask for it.
    if (req.method === 'GET' && isUiPath(req.url)) return;
    const h = String(req.headers.authorization ?? '');
    const presented = token !== undefined && (h === `token=${token}` || h === `Bearer ${token}`);
    if (token && !presented) return reply.code(401).send({ message: 'Not authenticated' });
    // A browser's request that changes something (the dashboard's actions, or any web page the
    // user has open posting to loopback) needs the token: an engine without one is read-only to
    // browsers. Marathon's clients and the CLI send no Origin and keep working without it.
    if (!SAFE_METHODS.has(req.method) && req.headers.origin !== undefined && !presented)
      return reply.code(403).send({
        message:
          'Actions from a browser need the engine token: start the engine with BATON_ENGINE_TOKEN and give it to the dashboard',
      });
  });
  if (measured)
    server.addHook('onResponse', async (req, reply) => {
      e.metrics.request(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    });
  server.get('/metrics', async (_req, reply) =>
    reply.type(e.metrics.registry.contentType).send(await e.metrics.registry.metrics()),
  );
  uiRoutes(server);
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
