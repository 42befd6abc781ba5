import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalId, podContainerTaskId, type Pod } from '../../../core/index.js';
import type { Engine } from '../engine.js';
import { podEndpoints, podRunSpec } from '../pods.js';
import { ACTIVE, TERMINAL, type Instance, type StoredApp } from '../types.js';
import { guarded } from './apps-routes.js';
import { jsonBody, queryOf } from './request.js';
import { readPod } from './app-input.js';

const podNotFound = (reply: FastifyReply, id: string) =>
  reply.code(404).send({ message: `Pod '${id}' does not exist` });

const podJson = (s: StoredApp) => ({ ...s.pod!, version: s.version });

/** PodInstanceStatus (marathon-semantics.md §6.3): the instance as a whole, then each container. */
function instanceStatus(e: Engine, s: StoredApp, i: Instance) {
  const pod = e.state.specOf(i, s).pod ?? s.pod!;
  const agent = e.state.agent(i.agentId);
  const healthy = e.state.isHealthy(i);
  const status =
    i.condition === 'Scheduled'
      ? 'PENDING'
      : i.condition === 'Staging' || i.condition === 'Starting'
        ? 'STAGING'
        : i.condition === 'Running'
          ? healthy
            ? 'STABLE'
            : 'DEGRADED'
          : 'TERMINAL';
  const eps = podEndpoints(pod);
  const checked = new Set(pod.containers.filter((c) => c.healthCheck).map((c) => c.name));
  return {
    id: i.instanceId,
    status,
    statusSince: i.since,
    conditions: [],
    agentHostname: agent?.hostname ?? null,
    agentId: agent?.id ?? null,
    agentRegion: agent?.region ?? null,
    agentZone: agent?.zone ?? null,
    resources: { cpus: s.app.cpus, mem: s.app.mem, disk: s.app.disk, gpus: s.app.gpus },
    networks: agent ? [{ addresses: [agent.address] }] : [],
    containers:
      i.agentId && i.condition !== 'Scheduled'
        ? pod.containers.map((c) => ({
            name: c.name,
            status: TERMINAL.has(i.condition)
              ? (i.lastExit?.state ?? 'TASK_KILLED')
              : `TASK_${i.condition.toUpperCase()}`,
            statusSince: i.since,
            conditions: [],
            containerId: podContainerTaskId(i.instanceId, c.name, i.incarnation),
            endpoints: eps
              .map((ep, k) => ({ ep, k }))
              .filter(({ ep }) => ep.container === c.name)
              .map(({ ep, k }) => ({
                name: ep.name,
                allocatedHostPort: i.ports[k],
                ...(checked.has(c.name) ? { healthy } : {}),
              })),
            resources: c.resources,
            ...(i.lastExit
              ? { termination: { exitCode: i.lastExit.exitCode ?? null, message: i.lastExit.message } }
              : {}),
            lastUpdated: i.since,
            lastChanged: i.since,
          }))
        : [],
    specReference: `/v2/pods${i.appId}::versions/${i.runSpecVersion}`,
    localVolumes: (i.reservation?.volumes ?? []).map((v) => ({
      runSpecId: i.appId,
      containerPath: v.containerPath,
      persistenceId: v.persistenceId,
    })),
    lastUpdated: i.since,
    lastChanged: i.since,
    role: agent?.role ?? '*',
  };
}

/** PodStatus: STABLE when every wanted instance is stable, DEGRADED when fewer, TERMINAL while torn down. */
function podStatus(e: Engine, s: StoredApp) {
  const insts = e.state.instancesOf(s.app.id).filter((i) => i.goal === 'Running' || ACTIVE.has(i.condition));
  const statuses = insts.map((i) => instanceStatus(e, s, i));
  const stable = statuses.filter((x) => x.status === 'STABLE').length;
  const removing = e.driver.locks(s.app.id).some((d) => d.target[s.app.id] === null);
  const since =
    insts
      .map((i) => i.since)
      .sort()
      .at(-1) ?? s.version;
  return {
    id: s.app.id,
    spec: podJson(s),
    status: removing ? 'TERMINAL' : stable >= s.pod!.scaling.instances ? 'STABLE' : 'DEGRADED',
    statusSince: since,
    message: removing ? 'the pod is being removed' : `${stable} of ${s.pod!.scaling.instances} instance(s) stable`,
    instances: statuses,
    terminationHistory: [],
    lastUpdated: since,
    lastChanged: since,
  };
}

const pods = (e: Engine) => [...e.state.apps.values()].filter((s) => s.pod);

/** Marathon's /v2/pods (marathon-semantics.md §6.3) over the engine's run specs. */
export function podsRoutes(server: FastifyInstance, e: Engine): void {
  // pod_created_event / pod_updated_event / pod_deleted_event, as Marathon posts them.
  const posted = (req: FastifyRequest, what: 'created' | 'updated' | 'deleted') =>
    e.state.events.emit(`pod_${what}_event`, { clientIp: req.ip, uri: req.url.split('?')[0] });
  const deploy = (req: FastifyRequest, reply: FastifyReply, pod: Pod, force: boolean, code: number) => {
    const d = e.driver.deploy({ target: new Map([[pod.id, podRunSpec(pod)]]), pods: new Map([[pod.id, pod]]), force });
    posted(req, code === 201 ? 'created' : 'updated');
    return reply
      .code(code)
      .header('Marathon-Deployment-Id', d.id)
      .send(podJson(e.state.apps.get(pod.id)!));
  };
  // HEAD /v2/pods (200: pods are supported) comes with the GET route.
  server.get('/v2/pods', async () => pods(e).map(podJson));
  server.post('/v2/pods', async (req, reply) =>
    guarded(reply, () => {
      const pod = readPod(jsonBody(req));
      if (e.state.apps.has(pod.id))
        return reply.code(409).send({ message: `An app or pod with id '${pod.id}' already exists` });
      return deploy(req, reply, pod, queryOf(req).bool('force', false), 201);
    }),
  );
  server.route({
    method: ['GET', 'PUT', 'DELETE'],
    url: '/v2/pods/*',
    handler: async (req, reply) => {
      const rest = '/' + (req.params as { '*': string })['*'].replace(/\/+$/, '');
      const q = queryOf(req);
      // `/v2/pods/::status` (every pod) arrives here: "::" in a route path means a literal ":" to the router.
      if (rest === '/::status' && req.method === 'GET') return pods(e).map((s) => podStatus(e, s));
      const m = /^(.*?)::(status|versions|instances)(?:\/(.+))?$/.exec(rest);
      const id = canonicalId(m ? m[1] : rest);
      const sub = m?.[2];
      const arg = m?.[3] ? decodeURIComponent(m[3]) : undefined;
      const stored = e.state.apps.get(id);
      const isPod = stored?.pod !== undefined;
      if (!sub && req.method === 'PUT') {
        return guarded(reply, () => {
          const body = jsonBody(req);
          if (body.id !== undefined && canonicalId(String(body.id)) !== id)
            return reply
              .code(400)
              .send({ message: `The pod id in the body (${String(body.id)}) does not match the path (${id})` });
          if (stored && !isPod) return reply.code(409).send({ message: `An app with id '${id}' exists` });
          return deploy(req, reply, readPod({ ...body, id }), q.bool('force', false), stored ? 200 : 201);
        });
      }
      if (!isPod) return podNotFound(reply, id);
      if (!sub && req.method === 'GET') return podJson(stored);
      if (!sub && req.method === 'DELETE') {
        return guarded(reply, () => {
          const d = e.driver.deploy({ target: new Map([[id, null]]), force: q.bool('force', false) });
          posted(req, 'deleted');
          return reply
            .code(202)
            .header('Marathon-Deployment-Id', d.id)
            .send({ deploymentId: d.id, version: d.version });
        });
      }
      if (sub === 'status' && req.method === 'GET') return podStatus(e, stored);
      if (sub === 'versions' && req.method === 'GET') {
        if (!arg) return e.state.store.versions(id);
        const v = e.state.store.appVersion(id, arg);
        return v?.pod
          ? { ...v.pod, version: v.version }
          : reply.code(404).send({ message: `Pod '${id}' does not exist in version ${arg}` });
      }
      if (sub === 'instances' && req.method === 'DELETE') {
        // One instance by id, or a JSON array of ids; with wipe a resident instance loses its volumes.
        const ids = arg ? [arg] : Array.isArray(req.body) ? (req.body as unknown[]).map(String) : [];
        const insts = e.state.instancesOf(id).filter((i) => ids.includes(i.instanceId));
        if (insts.length === 0)
          return reply.code(404).send({ message: `No instance ${ids.join(', ')} of pod '${id}'` });
        for (const i of insts) {
          if (q.bool('wipe', false)) e.state.decommission(i);
          else e.requestKill(i);
        }
        const out = insts.map((i) => instanceStatus(e, stored, i));
        return arg ? out[0] : out;
      }
      return reply.code(405).send({ message: 'Method not allowed' });
    },
  });
}
