import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalId, Issues, marathonPath, residentUpdateIssues, type App } from '../../../core/index.js';
import type { Engine } from '../engine.js';
import { CycleError, LockedError } from '../deployment-driver.js';
import { ACTIVE, type StoredApp } from '../types.js';
import { assignServicePorts, invalidBody, InvalidError, readApp } from './app-input.js';
import { appInfo, appsBody, liveTasks, taskJson, type Embed } from './render.js';
import { jsonBody, queryOf, type Query } from './request.js';

/** What GET /v2/apps/{id} always embeds; `embed` adds readiness and taskStats. */
const SINGLE_APP_EMBEDS = ['tasks', 'counts', 'deployments', 'lastTaskFailure'] as const;

/** `embed` values in any of Marathon's accepted prefixes (apps., app., group.apps., none). */
export function embedsOf(q: Query): Embed {
  const raw = q.list('embed');
  return new Set(
    raw.map((v) => String(v).replace(/^(group\.apps\.|apps\.|app\.)/, '')) as Embed extends Set<infer T> ? T[] : never,
  );
}

/**
 * Marathon's `api_post_event` after an app is created, changed or deleted through the API: what
 * SSE consumers such as marathon-lb refresh on (a deleted app is posted as its bare id).
 */
export function apiPostEvent(e: Engine, req: FastifyRequest, appDefinition: App | { id: string }): void {
  e.state.events.emit('api_post_event', { clientIp: req.ip, uri: req.url.split('?')[0], appDefinition });
}

export function notFound(reply: FastifyReply, id: string) {
  return reply.code(404).send({ message: `App '${id}' does not exist` });
}

export function locked(reply: FastifyReply, err: LockedError) {
  return reply.code(409).send({ message: err.message, deployments: err.deploymentIds.map((id) => ({ id })) });
}

/** Run an engine change; map the engine's errors to Marathon's status codes. */
export function guarded(reply: FastifyReply, fn: () => unknown) {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LockedError) return locked(reply, err);
    if (err instanceof InvalidError) return reply.code(422).send(err.body);
    if (err instanceof CycleError)
      return reply
        .code(422)
        .send({ message: err.message, details: [{ path: '/dependencies', errors: [err.message] }] });
    throw err;
  }
}

/** Merge a partial update over the current definition (PUT with partialUpdate, PATCH). */
function merged(current: App | undefined, body: Record<string, unknown>): Record<string, unknown> {
  return { ...(current ?? {}), ...body };
}

/** Validate and prepare one definition (placement rules, service ports assigned); `prefix` locates errors. */
export function prepareOne(
  e: Engine,
  body: Record<string, unknown>,
  prefix: (string | number)[],
  assigned: App[] = [],
): App {
  const app = readApp(body, prefix);
  const current = e.state.apps.get(app.id)?.app;
  if (current) {
    const issues = new Issues();
    residentUpdateIssues(current, app, issues);
    if (issues.errors.length > 0) throw new InvalidError(invalidBody(issues.errors, prefix));
  }
  const findings = e.checkPlacement(app);
  if (findings.length > 0) {
    throw new InvalidError({
      message: 'Object is not valid',
      details: findings.map((f) => ({ path: marathonPath([...prefix, ...f.path]), errors: [f.message] })),
    });
  }
  // Ports assigned earlier in the same request count as used.
  const others = [...e.state.apps.values(), ...assigned.map((a) => ({ app: a }) as StoredApp)];
  return assignServicePorts(app, e.state.apps.get(app.id)?.app, others);
}

/** Validate and prepare definitions, with service ports assigned. */
export function prepare(e: Engine, bodies: Record<string, unknown>[], bulk: boolean): App[] {
  const out: App[] = [];
  bodies.forEach((b, i) => out.push(prepareOne(e, b, bulk ? [i] : [], out)));
  return out;
}

export function appsRoutes(server: FastifyInstance, e: Engine): void {
  server.get('/v2/apps', async (req, reply) => {
    const q = queryOf(req);
    const embed = embedsOf(q);
    let apps = [...e.state.apps.values()].filter((s) => !s.pod);
    // Marathon matches `id` and `cmd` as case-insensitive substrings (AppsResource.search).
    const id = q.string('id')?.toLowerCase();
    const cmd = q.string('cmd')?.toLowerCase();
    const label = q.string('label');
    if (id) apps = apps.filter((s) => s.app.id.toLowerCase().includes(id));
    if (cmd) apps = apps.filter((s) => s.app.cmd?.toLowerCase().includes(cmd));
    if (label) apps = apps.filter((s) => matchesLabels(s.app.labels, label));
    const { body, release } = appsBody(e, apps, embed);
    reply.raw.once('close', release); // sent (or the client went): the buffer serves the next answer
    return reply.type('application/json; charset=utf-8').send(body);
  });

  server.post('/v2/apps', async (req, reply) =>
    guarded(reply, () => {
      const [app] = prepare(e, [jsonBody(req)], false);
      if (e.state.apps.has(app.id))
        return reply.code(409).send({ message: `An app with id [${app.id}] already exists.` });
      const d = e.driver.deploy({ target: new Map([[app.id, app]]), force: queryOf(req).bool('force', false) });
      apiPostEvent(e, req, app);
      const stored = e.state.apps.get(app.id)!;
      return reply
        .code(201)
        .header('Location', `/v2/apps${app.id}`)
        .header('Marathon-Deployment-Id', d.id)
        .send({ ...appInfo(e, stored, new Set()), deployments: [{ id: d.id }] });
    }),
  );

  // Bulk create-or-update: one deployment for all (partial updates by default).
  for (const method of ['PUT', 'PATCH'] as const) {
    server.route({
      method,
      url: '/v2/apps',
      handler: async (req, reply) =>
        guarded(reply, () => {
          const q = queryOf(req);
          if (!Array.isArray(req.body)) return reply.code(400).send({ message: 'Expected a JSON array of apps' });
          const partial = method === 'PATCH' || q.bool('partialUpdate', true);
          const bodies = (req.body as Record<string, unknown>[]).map((b) => {
            const id = typeof b.id === 'string' ? canonicalId(b.id) : '';
            return partial ? merged(e.state.apps.get(id)?.app, b) : b;
          });
          const apps = prepare(e, bodies, true);
          const d = e.driver.deploy({ target: new Map(apps.map((a) => [a.id, a])), force: q.bool('force', false) });
          for (const a of apps) apiPostEvent(e, req, a);
          return reply.header('Marathon-Deployment-Id', d.id).send({ deploymentId: d.id, version: d.version });
        }),
    });
  }

  server.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'],
    url: '/v2/apps/*',
    handler: async (req, reply) => {
      const rest = '/' + (req.params as { '*': string })['*'].replace(/\/+$/, '');
      const q = queryOf(req);
      const m = /^(.*?)\/(restart|tasks|versions)(?:\/([^/]+))?$/.exec(rest);
      const id = canonicalId(m ? m[1] : rest);
      const sub = m?.[2];
      const arg = m?.[3] ? decodeURIComponent(m[3]) : undefined;
      const found = e.state.apps.get(id);
      // Pods share the id space but are served by /v2/pods only.
      const stored = found?.pod ? undefined : found;

      if (!sub && req.method === 'GET') {
        if (id.endsWith('/*')) {
          const group = id.slice(0, -2);
          return {
            '*': [...e.state.apps.values()]
              .filter((s) => !s.pod && s.app.id.startsWith(group + '/'))
              .map((s) => appInfo(e, s, new Set(['tasks', 'lastTaskFailure']))),
          };
        }
        return stored
          ? { app: appInfo(e, stored, new Set([...SINGLE_APP_EMBEDS, ...embedsOf(q)])) }
          : notFound(reply, id);
      }
      if (!sub && (req.method === 'PUT' || req.method === 'PATCH')) {
        if (found?.pod) return reply.code(409).send({ message: `A pod with id '${id}' exists` });
        return guarded(reply, () => {
          const body = jsonBody(req);
          if (req.method === 'PATCH' && !stored) return notFound(reply, id);
          if (body.version !== undefined) return rollback(e, reply, id, body, q.bool('force', false));
          const partial = req.method === 'PATCH' || q.bool('partialUpdate', true);
          const full = partial ? merged(stored?.app, { ...body, id }) : { ...body, id };
          const [app] = prepare(e, [full], false);
          const d = e.driver.deploy({ target: new Map([[id, app]]), force: q.bool('force', false) });
          apiPostEvent(e, req, app);
          return reply
            .code(stored ? 200 : 201)
            .header('Marathon-Deployment-Id', d.id)
            .send({ deploymentId: d.id, version: d.version });
        });
      }
      if (!sub && req.method === 'DELETE') {
        if (!stored) return notFound(reply, id);
        return guarded(reply, () => {
          const d = e.driver.deploy({ target: new Map([[id, null]]), force: q.bool('force', true) });
          apiPostEvent(e, req, { id });
          return reply.header('Marathon-Deployment-Id', d.id).send({ deploymentId: d.id, version: d.version });
        });
      }
      if (!stored) return notFound(reply, id);
      if (sub === 'restart' && req.method === 'POST') {
        return guarded(reply, () => {
          const d = e.driver.deploy({
            target: new Map([[id, stored.app]]),
            restarts: new Set([id]),
            force: q.bool('force', false),
          });
          return reply.header('Marathon-Deployment-Id', d.id).send({ deploymentId: d.id, version: d.version });
        });
      }
      if (sub === 'versions' && req.method === 'GET') {
        if (!arg) return { versions: e.state.store.versions(id) };
        const v = e.state.store.appVersion(id, arg);
        return v
          ? { ...v.app, version: v.version, versionInfo: v.versionInfo }
          : reply.code(404).send({ message: `App '${id}' does not exist in version ${arg}` });
      }
      if (sub === 'tasks' && req.method === 'GET') return { tasks: liveTasks(e, id).map((i) => taskJson(e, i)) };
      if (sub === 'tasks' && req.method === 'DELETE') {
        const wanted = liveTasks(e, id).filter((i) =>
          arg ? i.taskId === arg : !q.has('host') || e.state.agent(i.agentId)?.hostname === q.string('host'),
        );
        if (arg && wanted.length === 0) return reply.code(404).send({ message: `Task '${arg}' does not exist` });
        return guarded(reply, () =>
          killTasks(
            e,
            reply,
            wanted.map((i) => i.taskId!),
            q.bool('scale', false),
            q.bool('wipe', false),
            q.bool('force', false),
            arg !== undefined,
          ),
        );
      }
      return reply.code(405).send({ message: 'Method not allowed' });
    },
  });
}

/** `PUT {"version": v}`: roll the app back to a stored version (marathon-semantics.md §1.1, §4.6). */
function rollback(e: Engine, reply: FastifyReply, id: string, body: Record<string, unknown>, force: boolean) {
  if (Object.keys(body).some((k) => k !== 'id' && k !== 'version')) {
    return reply.code(422).send({
      message: 'Object is not valid',
      details: [{ path: '/version', errors: ["The 'version' field may only be combined with the 'id' field."] }],
    });
  }
  const v = e.state.store.appVersion(id, String(body.version));
  if (!v) return reply.code(404).send({ message: `App '${id}' does not exist in version ${body.version}` });
  const d = e.driver.deploy({ target: new Map([[id, v.app]]), force });
  return reply.header('Marathon-Deployment-Id', d.id).send({ deploymentId: d.id, version: d.version });
}

/**
 * Kill tasks (marathon-semantics.md §10.1). Without scale the instance relaunches; with scale the app's instances drop by
 * the number killed (a deployment); with wipe the instance is expunged (a fresh one is scheduled).
 */
export function killTasks(
  e: Engine,
  reply: FastifyReply,
  taskIds: string[],
  scale: boolean,
  wipe: boolean,
  force: boolean,
  single: boolean,
) {
  const insts = [...e.state.instances.values()].filter(
    (i) => i.taskId && taskIds.includes(i.taskId) && ACTIVE.has(i.condition),
  );
  if (scale) {
    const byApp = new Map<string, number>();
    for (const i of insts) byApp.set(i.appId, (byApp.get(i.appId) ?? 0) + 1);
    const target = new Map(
      [...byApp].map(([appId, n]) => {
        const app = e.state.apps.get(appId)!.app;
        return [appId, { ...app, instances: Math.max(0, app.instances - n) }] as [string, App];
      }),
    );
    // Resident instances keep their volumes unless wiped (marathon-semantics.md §5.3).
    for (const i of insts) {
      if (wipe) e.state.decommission(i);
      else e.state.retire(i);
    }
    const d = e.driver.deploy({ target, force });
    return reply.header('Marathon-Deployment-Id', d.id).send({ deploymentId: d.id, version: d.version });
  }
  for (const i of insts) {
    if (wipe) e.state.decommission(i);
    else e.requestKill(i);
  }
  const tasks = insts.map((i) => taskJson(e, i));
  return single ? { task: tasks[0] } : { tasks };
}

/** Marathon's label selector: `k`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`; comma = AND. */
function matchesLabels(labels: Record<string, string>, selector: string): boolean {
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts.every((raw) => {
    const p = raw.trim();
    let m;
    if ((m = /^(\S+)\s*==\s*(.*)$/.exec(p))) return labels[m[1]] === m[2];
    if ((m = /^(\S+)\s*!=\s*(.*)$/.exec(p))) return labels[m[1]] !== m[2];
    if ((m = /^(\S+)\s+in\s*\((.*)\)$/.exec(p)))
      return m[2]
        .split(',')
        .map((s) => s.trim())
        .includes(labels[m[1]]);
    if ((m = /^(\S+)\s+notin\s*\((.*)\)$/.exec(p)))
      return !m[2]
        .split(',')
        .map((s) => s.trim())
        .includes(labels[m[1]]);
    return p in labels;
  });
}
