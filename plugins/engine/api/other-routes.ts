import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, watch } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { CORE_VERSION, canonicalId } from '../../../core/index.js';
import type { Engine } from '../engine.js';
import { ACTIVE, TERMINAL } from '../types.js';
import { guarded, killTasks } from './apps-routes.js';
import { readApp } from './app-input.js';
import { predictPlacement } from '../predict.js';
import { deploymentJson, liveTasks, queueJson, taskJson, waitingWhy } from './render.js';
import { jsonBody, queryOf } from './request.js';

export function otherRoutes(server: FastifyInstance, e: Engine, url: () => string): void {
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
    const known = new Set([...e.instances.values()].map((i) => i.taskId));
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

  server.get('/v2/deployments', async () => [...e.deployments.values()].map((d) => deploymentJson(e, d)));
  server.delete('/v2/deployments/:id', async (req, reply) => {
    const d = e.deployments.get((req.params as { id: string }).id);
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
    e.backoff.reset(id);
    e.poke();
    return reply.code(204).send();
  });

  // Baton's own endpoints.
  server.get('/baton/v1/apps/*', async (req, reply) => {
    const m = /^(.*)\/history$/.exec('/' + (req.params as { '*': string })['*']);
    if (!m) return reply.code(404).send({ message: 'Not found' });
    const id = canonicalId(m[1]);
    const versions = e.store.versions(id);
    if (versions.length === 0 && !e.apps.has(id))
      return reply.code(404).send({ message: `App '${id}' does not exist` });
    const outcomes = e.store.outcomes(id);
    return {
      id,
      current: e.apps.get(id)?.version ?? null,
      versions: versions.map((v) => ({ version: v, outcomes: outcomes.filter((o) => o.version === v) })),
    };
  });
  // `?reset=eventLoop` starts a new event-loop lag window after reading it (the benchmark's windows).
  server.get('/baton/v1/status', async (req) => ({
    ...engineStatus(e, url()),
    eventLoop: e.eventLoop.read(queryOf(req).string('reset') === 'eventLoop'),
  }));
  // Plan-time placement prediction against the live state (nothing changes).
  server.post('/baton/v1/predict', async (req, reply) =>
    guarded(reply, () => {
      const body = (req.body ?? {}) as { apps?: unknown[]; remove?: string[] };
      const apps = (body.apps ?? []).map((a, i) => readApp(a, ['apps', i]));
      return {
        predictions: predictPlacement(
          e.settings.agents,
          e.policies,
          e.apps,
          e.instances.values(),
          apps,
          (body.remove ?? []).map((id) => canonicalId(id)),
        ),
      };
    }),
  );
  server.get('/baton/v1/tasks/:taskId/logs', async (req, reply) => {
    const { taskId } = req.params as { taskId: string };
    const q = queryOf(req);
    const container = q.string('container');
    const tail = q.string('tail');
    const inst = [...e.instances.values()].find((i) => i.taskId === taskId || i.instanceId === taskId);
    if (!inst?.sandbox || !inst.handle) return reply.code(404).send({ message: `Task '${taskId}' does not exist` });
    const rt = e.runtimes.find((r) => r.name === inst.handle!.runtime);
    const files = rt?.logFiles(inst.handle, inst.sandbox, container);
    if (container !== undefined && !files)
      return reply.code(404).send({ message: `Task '${taskId}' has no container '${container}'` });
    const file = q.string('stream') === 'stderr' ? files?.stderr : files?.stdout;
    if (!file || !existsSync(file)) return reply.type('text/plain').send('');
    if (tail !== undefined) {
      // The last N lines (bounded read of the file's end), e.g. to explain a failed deploy.
      const text = tailOf(file, 64 * 1024);
      return reply.type('text/plain').send(
        text
          .split('\n')
          .filter((l, i, a) => i < a.length - 1 || l !== '')
          .slice(-Number(tail))
          .join('\n'),
      );
    }
    if (!q.bool('follow', false)) return reply.type('text/plain').send(createReadStream(file));
    // Follow: stream what is there, then what is appended, until the client goes or the task ends.
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    // Appended bytes are read synchronously, so output stays in order whichever trigger fires.
    let pos = 0;
    let closed = false;
    const pump = () => {
      if (closed) return;
      const size = statSync(file).size;
      if (size <= pos) return;
      reply.raw.write(readRange(file, pos, size));
      pos = size;
    };
    pump();
    const watcher = watch(file, pump);
    const timer = setInterval(() => {
      pump();
      if (!e.instances.has(inst.instanceId) || TERMINAL.has(inst.condition)) close();
    }, 500);
    const close = () => {
      if (closed) return;
      closed = true;
      watcher.close();
      clearInterval(timer);
      reply.raw.end();
    };
    req.raw.on('close', close);
  });
}

/** Agents with resources used/free, task counts, isolation: `baton engine status`. */
export function engineStatus(e: Engine, url: string) {
  const live = [...e.instances.values()].filter((i) => ACTIVE.has(i.condition));
  return {
    url,
    engineId: e.id,
    pid: process.pid,
    startedAt: e.startedAt,
    stateDir: e.settings.stateDir,
    isolation: Object.fromEntries(e.runtimes.map((r) => [r.name, r.isolation()])),
    apps: e.apps.size,
    deployments: e.deployments.size,
    tasks: {
      running: live.filter((i) => i.condition === 'Running').length,
      staging: live.filter((i) => i.condition === 'Staging').length,
      waiting: [...e.queue.values()].reduce((a, q) => a + q.count, 0),
    },
    agents: e.settings.agents.map((a) => {
      const mine = live.filter((i) => i.agentId === a.id);
      const used = { cpus: 0, mem: 0, disk: 0, ports: 0 };
      for (const i of mine) {
        const app = e.apps.get(i.appId)?.app;
        used.cpus += app?.cpus ?? 0;
        used.mem += app?.mem ?? 0;
        used.disk += app?.disk ?? 0;
        used.ports += i.ports.length;
      }
      return {
        id: a.id,
        hostname: a.hostname,
        address: a.address,
        role: a.role,
        attributes: a.attributes,
        tasks: mine.length,
        resources: { cpus: a.cpus, mem: a.mem, disk: a.disk, ports: `${a.ports[0]}-${a.ports[1]}` },
        used: { ...used, cpus: Math.round(used.cpus * 1000) / 1000 },
      };
    }),
    queue: [...e.queue.values()].map((q) => ({
      ...q,
      why: waitingWhy(
        q,
        e.settings.agents.length,
        e.apps.get(q.appId)?.app.instances,
        e.lastFailure.get(q.appId)?.message,
      ),
    })),
    extensions: Object.fromEntries([...e.extensions].map(([name, fn]) => [name, fn()])),
  };
}

/** Bytes [start, end) of a file. */
function readRange(file: string, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** The last `bytes` of a file, read from its end (logs can be large). */
function tailOf(file: string, bytes: number): string {
  const size = statSync(file).size;
  return readRange(file, Math.max(0, size - bytes), size).toString('utf8');
}
