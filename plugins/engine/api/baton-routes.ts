import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { canonicalId } from '../../../core/index.js';
import type { Engine } from '../engine.js';
import { predictPlacement } from '../predict.js';
import { backupDir, backupName } from '../store.js';
import { ACTIVE } from '../types.js';
import { guarded } from './apps-routes.js';
import { readApp } from './app-input.js';
import { waitingWhy } from './render.js';
import { queryOf } from './request.js';

/** Baton's own endpoints under `/baton/v1` (not Marathon's): history, status, placement predictions. */
export function batonRoutes(server: FastifyInstance, e: Engine, url: () => string): void {
  server.get('/baton/v1/apps/*', async (req, reply) => {
    const m = /^(.*)\/history$/.exec('/' + (req.params as { '*': string })['*']);
    if (!m) return reply.code(404).send({ message: 'Not found' });
    const id = canonicalId(m[1]);
    const versions = e.state.store.versions(id);
    if (versions.length === 0 && !e.state.apps.has(id))
      return reply.code(404).send({ message: `App '${id}' does not exist` });
    const outcomes = e.state.store.outcomes(id);
    return {
      id,
      current: e.state.apps.get(id)?.version ?? null,
      versions: versions.map((v) => ({ version: v, outcomes: outcomes.filter((o) => o.version === v) })),
    };
  });
  // `?reset=eventLoop` starts a new event-loop lag window after reading it (the benchmark's windows).
  server.get('/baton/v1/status', async (req) => ({
    ...engineStatus(e, url()),
    eventLoop: e.eventLoop.read(queryOf(req).string('reset') === 'eventLoop'),
  }));
  // A consistent copy of the store, made by the engine that holds it (`baton engine backup`). It goes
  // into the state directory's backups/ only: a request never names a file to write.
  server.post('/baton/v1/backup', async () => {
    const dir = backupDir(e.settings.stateDir);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, backupName());
    await e.state.store.backup(file);
    return { file };
  });
  // Plan-time placement prediction against the live state (nothing changes).
  server.post('/baton/v1/predict', async (req, reply) =>
    guarded(reply, () => {
      const body = (req.body ?? {}) as { apps?: unknown[]; remove?: string[] };
      const apps = (body.apps ?? []).map((a, i) => readApp(a, ['apps', i]));
      return {
        predictions: predictPlacement(
          e.settings.agents,
          e.policies,
          e.state.apps,
          e.state.instances.values(),
          apps,
          (body.remove ?? []).map((id) => canonicalId(id)),
        ),
      };
    }),
  );
}

/** Agents with resources used/free, task counts, isolation: `baton engine status`. */
export function engineStatus(e: Engine, url: string) {
  const live = [...e.state.instances.values()].filter((i) => ACTIVE.has(i.condition));
  return {
    url,
    engineId: e.id,
    pid: process.pid,
    startedAt: e.startedAt,
    stateDir: e.settings.stateDir,
    // Whether requests need the engine token (the dashboard's actions work only then).
    tokenRequired: e.settings.token !== undefined,
    // Since when the store has refused writes (a full disk): changes are refused until it takes them.
    stateUnwritableSince: e.unwritableSince ?? null,
    isolation: Object.fromEntries(e.runtimes.map((r) => [r.name, r.isolation()])),
    apps: e.state.apps.size,
    pods: [...e.state.apps.values()].filter((s) => s.pod).length,
    deployments: e.state.deployments.size,
    tasks: {
      running: live.filter((i) => i.condition === 'Running').length,
      staging: live.filter((i) => i.condition === 'Staging').length,
      waiting: [...e.queue.values()].reduce((a, q) => a + q.count, 0),
    },
    agents: e.settings.agents.map((a) => {
      const mine = live.filter((i) => i.agentId === a.id);
      const used = { cpus: 0, mem: 0, disk: 0, ports: 0 };
      for (const i of mine) {
        const app = e.state.apps.get(i.appId)?.app;
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
        e.state.apps.get(q.appId)?.app.instances,
        e.state.lastFailure.get(q.appId)?.message,
      ),
    })),
    extensions: Object.fromEntries([...e.extensions].map(([name, fn]) => [name, fn()])),
  };
}
