import type { FastifyInstance, FastifyReply } from 'fastify';
import { canonicalId, isChildOf, parentId, type App } from '../../../core/index.js';
import { planSteps } from '../deploy-plan.js';
import type { ChangeRequest } from '../deployment-driver.js';
import type { Engine } from '../engine.js';
import { within, type GroupSpec } from '../groups.js';
import { InvalidError } from './app-input.js';
import { guarded, prepareOne } from './apps-routes.js';
import { appInfo, type Embed } from './render.js';
import { jsonBody, queryOf, type Query } from './request.js';

type Body = Record<string, unknown>;
const invalid = (path: string, error: string) =>
  new InvalidError({ message: 'Object is not valid', details: [{ path, errors: [error] }] });

/** GroupInfo (marathon-semantics.md §7): `embed` picks groups/apps/pods and what each app carries. */
function groupInfo(e: Engine, id: string, embed: string[], all: Set<string>): Record<string, unknown> {
  const want = embed.length > 0 ? new Set(embed) : new Set(['group.groups', 'group.apps']);
  const appEmbed = new Set(
    [...want].filter((w) => w.startsWith('group.apps.')).map((w) => w.slice('group.apps.'.length)),
  ) as Embed;
  const children = [...e.state.apps.values()]
    .filter((s) => parentId(s.app.id) === id)
    .sort((a, b) => a.app.id.localeCompare(b.app.id));
  const apps = children.filter((s) => !s.pod);
  const subtree = [...e.state.apps.values()].filter((s) => within(s.app.id, id));
  return {
    id,
    dependencies: e.state.groups.get(id)?.dependencies ?? [],
    version:
      subtree
        .map((s) => s.version)
        .sort()
        .at(-1) ?? new Date(0).toISOString(),
    enforceRole: e.state.groups.get(id)?.enforceRole ?? false,
    apps: want.has('group.apps') ? apps.map((s) => appInfo(e, s, appEmbed)) : [],
    groups: want.has('group.groups')
      ? [...all]
          .filter((g) => g !== id && g !== '/' && parentId(g) === id)
          .sort()
          .map((g) => groupInfo(e, g, embed, all))
      : [],
    // Read-only here, as in Marathon: pods change through /v2/pods.
    pods:
      want.has('group.pods') || embed.length === 0
        ? children.filter((s) => s.pod).map((s) => ({ ...s.pod!, version: s.version }))
        : [],
  };
}

/**
 * A group body flattened into the change it asks for (marathon-semantics.md §7 PUT semantics): listed apps are full
 * definitions; where `apps` is present the group's other apps go, where `groups` is present the
 * unlisted subgroups go (with everything below them); an omitted list keeps what is there.
 */
function flatten(
  e: Engine,
  body: Body,
  id: string,
  prefix: (string | number)[],
  req: { target: Map<string, App | null>; groups: Map<string, GroupSpec | null> },
  assigned: App[],
): void {
  const existing = e.state.groups.get(id);
  const deps = Array.isArray(body.dependencies)
    ? (body.dependencies as unknown[]).map((d) => canonicalId(String(d), id))
    : (existing?.dependencies ?? []);
  req.groups.set(id, { id, dependencies: deps, ...(existing?.enforceRole ? { enforceRole: true } : {}) });
  if (Array.isArray(body.apps)) {
    const listed = new Set<string>();
    (body.apps as Body[]).forEach((raw, i) => {
      const appId = canonicalId(String(raw?.id ?? ''), id);
      if (!isChildOf(appId, id))
        throw invalid(`/${[...prefix, 'apps', i, 'id'].join('/')}`, `Identifier ${appId} is not child of ${id}`);
      const app = prepareOne(e, { ...raw, id: appId }, [...prefix, 'apps', i], assigned);
      assigned.push(app);
      req.target.set(appId, app);
      listed.add(appId);
    });
    for (const s of e.state.apps.values())
      if (!s.pod && parentId(s.app.id) === id && !listed.has(s.app.id)) req.target.set(s.app.id, null);
  }
  if (Array.isArray(body.groups)) {
    const listed = new Set<string>();
    (body.groups as Body[]).forEach((raw, i) => {
      const gid = canonicalId(String(raw?.id ?? ''), id);
      if (!isChildOf(gid, id))
        throw invalid(`/${[...prefix, 'groups', i, 'id'].join('/')}`, `Identifier ${gid} is not child of ${id}`);
      listed.add(gid);
      flatten(e, raw, gid, [...prefix, 'groups', i], req, assigned);
    });
    for (const g of e.state.groups.ids(e.state.apps.keys())) {
      if (g === id || parentId(g) !== id || listed.has(g)) continue;
      removeBelow(e, g, req);
    }
  }
}

/** Everything at or below group `id` goes: its apps stop, its explicit groups are forgotten. */
function removeBelow(
  e: Engine,
  id: string,
  req: { target: Map<string, App | null>; groups: Map<string, GroupSpec | null> },
): void {
  for (const s of e.state.apps.values()) if (within(s.app.id, id)) req.target.set(s.app.id, null);
  for (const g of e.state.groups.all()) if (within(g.id, id)) req.groups.set(g.id, null);
}

export function groupsRoutes(server: FastifyInstance, e: Engine): void {
  const exists = (id: string) => e.state.groups.ids(e.state.apps.keys()).has(id);
  const notFound = (reply: FastifyReply, id: string) =>
    reply.code(404).send({ message: `Group '${id}' does not exist` });
  const deploy = (reply: FastifyReply, req: ChangeRequest, q: Query, code = 200, forceByDefault = false) => {
    if (q.bool('dryRun', false)) {
      const current = new Map([...e.state.apps].map(([id, s]) => [id, s.app]));
      const steps = planSteps(current, req.target, undefined, e.driver.inheritedWith(req.groups));
      return { steps: steps.map((s) => ({ actions: s.map((a) => ({ action: a.action, app: a.app })) })) };
    }
    const d = e.driver.deploy({ ...req, force: q.bool('force', forceByDefault) });
    return reply.code(code).header('Marathon-Deployment-Id', d.id).send({ deploymentId: d.id, version: d.version });
  };

  server.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/v2/groups*',
    handler: async (req, reply) => {
      const q = queryOf(req);
      const rest = String((req.params as { '*': string })['*'] ?? '').replace(/\/+$/, '');
      const m = /^(.*?)\/versions$/.exec(rest);
      const id = canonicalId(m ? m[1] || '/' : rest || '/');
      const body = req.method === 'POST' || req.method === 'PUT' ? jsonBody<Body>(req) : {};

      if (req.method === 'GET') {
        if (!exists(id)) return notFound(reply, id);
        if (m)
          return e.state.store
            .rootVersions()
            .filter((v) => v.affected.some((a) => within(a, id)))
            .map((v) => v.version);
        return groupInfo(e, id, q.list('embed'), e.state.groups.ids(e.state.apps.keys()));
      }
      return guarded(reply, () => {
        if (req.method === 'DELETE') {
          if (!exists(id)) return notFound(reply, id);
          const change = { target: new Map<string, App | null>(), groups: new Map<string, GroupSpec | null>() };
          removeBelow(e, id, change);
          return deploy(reply, change, q, 200, true);
        }
        if (req.method === 'POST') {
          const gid = canonicalId(String(body.id ?? ''), id);
          if (gid === '/' && body.id === undefined) throw invalid('/id', 'a group to create needs an id');
          if (exists(gid) && gid !== '/')
            return reply.code(409).send({ message: `Group ${gid} is already created. Use PUT to change this group.` });
          const change = { target: new Map<string, App | null>(), groups: new Map<string, GroupSpec | null>() };
          flatten(e, body, gid, [], change, []);
          return deploy(reply, change, q, 201);
        }
        // PUT: a rollback, a scale, or an update.
        const keys = Object.keys(body).filter((k) => k !== 'id');
        if (body.version !== undefined && keys.includes('version'))
          return rollback(e, reply, id, String(body.version), q, deploy);
        if (body.scaleBy !== undefined && keys.length === 1) {
          const f = Number(body.scaleBy);
          if (!(f >= 0)) throw invalid('/scaleBy', 'scaleBy must be a number >= 0');
          const target = new Map<string, App | null>();
          for (const s of e.state.apps.values())
            if (within(s.app.id, id)) target.set(s.app.id, { ...s.app, instances: Math.ceil(s.app.instances * f) });
          return deploy(reply, { target }, q);
        }
        const change = { target: new Map<string, App | null>(), groups: new Map<string, GroupSpec | null>() };
        flatten(e, body, id, [], change, []);
        return deploy(reply, change, q, exists(id) ? 200 : 201);
      });
    },
  });
}

/** PUT {"version": v}: the group's apps and subgroups as they were at root version v. */
function rollback(
  e: Engine,
  reply: FastifyReply,
  id: string,
  version: string,
  q: Query,
  deploy: (reply: FastifyReply, req: ChangeRequest, q: Query) => unknown,
) {
  const rv = e.state.store.rootVersion(version);
  if (!rv) return reply.code(404).send({ message: `Group '${id}' does not exist in version ${version}` });
  const target = new Map<string, App | null>();
  const groups = new Map<string, GroupSpec | null>();
  for (const s of e.state.apps.values()) if (within(s.app.id, id)) target.set(s.app.id, null);
  for (const s of rv.apps) if (within(s.app.id, id)) target.set(s.app.id, s.app);
  for (const g of e.state.groups.all()) if (within(g.id, id)) groups.set(g.id, null);
  for (const g of rv.groups) if (within(g.id, id)) groups.set(g.id, g);
  return deploy(reply, { target, groups }, q);
}
