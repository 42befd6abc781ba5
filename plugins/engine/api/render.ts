import type { App } from '../../../core/index.js';
import type { Engine } from '../engine.js';
import type { QueueEntry } from '../placement-pass.js';
import { taskState } from '../state.js';
import type { DeclineReason } from '../placement.js';
import { ACTIVE, type Deployment, type Instance, type StoredApp } from '../types.js';

/** Task JSON as Marathon returns it (marathon-semantics.md §10.1). */
export function taskJson(e: Engine, i: Instance) {
  const agent = e.state.agent(i.agentId);
  const stored = e.state.apps.get(i.appId);
  return {
    id: i.taskId,
    appId: i.appId,
    host: agent?.hostname ?? '',
    slaveId: agent?.id ?? '',
    state: taskState(i.condition),
    stagedAt: i.stagedAt ?? null,
    startedAt: i.startedAt ?? null,
    version: i.runSpecVersion,
    ports: i.ports,
    servicePorts: servicePorts(stored?.app),
    ipAddresses: agent ? [{ ipAddress: agent.address, protocol: 'IPv4' }] : [],
    healthCheckResults: i.health ?? [],
    localVolumes: (i.reservation?.volumes ?? []).map((v) => ({
      containerPath: v.containerPath,
      persistenceId: v.persistenceId,
    })),
    role: agent?.role ?? '*',
  };
}

function servicePorts(app?: App): number[] {
  if (!app) return [];
  const m = app.container?.portMappings ?? [];
  return m.length > 0 ? m.map((p) => p.servicePort) : (app.portDefinitions ?? []).map((d) => d.port);
}

/** Tasks Marathon would list for an app: instances with a task that is not yet terminal. */
export function liveTasks(e: Engine, appId?: string): Instance[] {
  const from = appId === undefined ? e.state.instances.values() : e.state.instancesOf(appId);
  const out: Instance[] = [];
  for (const i of from) if (i.taskId && ACTIVE.has(i.condition)) out.push(i);
  return out;
}

export type Embed = Set<
  'tasks' | 'counts' | 'deployments' | 'lastTaskFailure' | 'failures' | 'readiness' | 'taskStats'
>;

/**
 * A task's JSON, encoded, kept until the instance or its app changes: GET /v2/apps?embed=apps.tasks
 * is what marathon-lb and dashboards poll, and at thousands of tasks turning every task into JSON
 * (and that into UTF-8) on every request was most of its cost. The state counts each instance's
 * changes (revision), so knowing whether the cached bytes still hold is one comparison. Health
 * results change with every probe (their timestamps), so they are encoded on their own, between
 * the task's two other halves: after ten idle seconds at 5,000 tasks every task has new results,
 * and re-encoding whole tasks made the first answer take 100-250 ms.
 */
const BYTES = Symbol('taskBytes');
interface TaskBytes {
  revision: number;
  app: App | undefined;
  head: Buffer;
  tail: Buffer;
  health: Instance['health'];
  healthBytes: Buffer;
}
type Cached = Instance & { [BYTES]?: TaskBytes };
const HEALTH_KEY = '"healthCheckResults":';
const NO_HEALTH = Buffer.from('[]');

function taskBytes(e: Engine, i: Instance, app: App | undefined): TaskBytes {
  const revision = e.state.revision(i);
  let c = (i as Cached)[BYTES];
  if (!c || c.revision !== revision || c.app !== app) {
    const json = JSON.stringify({ ...taskJson(e, i), healthCheckResults: [] });
    const at = json.indexOf(HEALTH_KEY) + HEALTH_KEY.length;
    c = {
      revision,
      app,
      head: Buffer.from(json.slice(0, at)),
      tail: Buffer.from(json.slice(at + 2)),
      health: undefined,
      healthBytes: NO_HEALTH,
    };
    (i as Cached)[BYTES] = c;
  }
  if (c.health !== i.health) {
    c.health = i.health;
    c.healthBytes = i.health?.length ? Buffer.from(JSON.stringify(i.health)) : NO_HEALTH;
  }
  return c;
}

const COMMA = Buffer.from(',');

/**
 * Output buffers of answers that have been sent, for the next answer: at 5,000 tasks each answer
 * is 3 MB, and allocating that per request kept the garbage collector busy enough to show in p99.
 */
const spare: Buffer[] = [];

/** GET /v2/apps: the answer's bytes (a view of a pooled buffer), and `release` once it is sent. */
export function appsBody(e: Engine, apps: StoredApp[], embed: Embed): { body: Buffer; release(): void } {
  const parts = appsParts(e, apps, embed);
  let size = 0;
  for (const p of parts) size += p.length;
  const k = spare.findIndex((b) => b.length >= size);
  const buf = k >= 0 ? spare.splice(k, 1)[0] : Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
  let at = 0;
  for (const p of parts) at += p.copy(buf, at);
  let released = false;
  return {
    body: buf.subarray(0, size),
    release: () => {
      if (released) return;
      released = true;
      if (spare.length < 2) spare.push(buf);
    },
  };
}

/** GET /v2/apps as parts: each app's info, its tasks' cached bytes between them. */
function appsParts(e: Engine, apps: StoredApp[], embed: Embed): Buffer[] {
  const withTasks = embed.has('tasks') || embed.has('failures');
  const rest = new Set([...embed].filter((x) => x !== 'tasks')) as Embed;
  const parts: Buffer[] = [Buffer.from('{"apps":[')];
  apps.forEach((s, k) => {
    if (k > 0) parts.push(COMMA);
    const info = JSON.stringify(appInfo(e, s, rest, false));
    if (!withTasks) return void parts.push(Buffer.from(info));
    parts.push(Buffer.from(`${info.slice(0, -1)},"tasks":[`));
    liveTasks(e, s.app.id).forEach((t, n) => {
      if (n > 0) parts.push(COMMA);
      const b = taskBytes(e, t, s.app);
      parts.push(b.head, b.healthBytes, b.tail);
    });
    parts.push(Buffer.from(']}'));
  });
  parts.push(Buffer.from(']}'));
  return parts;
}

/** AppInfo: the definition plus version info, counts and deployments (marathon-semantics.md §10.1). */
export function appInfo(e: Engine, s: StoredApp, embed: Embed, withTasks = true) {
  const tasks = liveTasks(e, s.app.id);
  // The counts in one pass: this runs per app on every GET /v2/apps (thousands of tasks).
  const running: Instance[] = [];
  let staged = 0;
  let healthy = 0;
  let unhealthy = 0;
  const checked = s.app.healthChecks.length > 0;
  for (const t of tasks) {
    if (t.condition === 'Staging' || t.condition === 'Starting') staged++;
    if (t.condition !== 'Running') continue;
    running.push(t);
    if (!checked) continue;
    if (e.state.isHealthy(t)) healthy++;
    if (t.health?.some((h) => !h.alive)) unhealthy++;
  }
  const out: Record<string, unknown> = {
    ...s.app,
    version: s.version,
    versionInfo: s.versionInfo,
    tasksStaged: staged,
    tasksRunning: running.length,
    tasksHealthy: healthy,
    tasksUnhealthy: unhealthy,
    deployments: e.driver.locks(s.app.id).map((d) => ({ id: d.id })),
  };
  // `failures` is the deprecated spelling of tasks + lastTaskFailure (apps.failures).
  if (withTasks && (embed.has('tasks') || embed.has('failures'))) out.tasks = tasks.map((t) => taskJson(e, t));
  if (embed.has('lastTaskFailure') || embed.has('failures')) {
    const f = e.state.lastFailure.get(s.app.id);
    if (f) out.lastTaskFailure = f;
  }
  if (embed.has('readiness'))
    out.readinessCheckResults = tasks.flatMap((t) =>
      t.readiness && t.runSpecVersion === s.version ? [t.readiness] : [],
    );
  if (embed.has('taskStats')) out.taskStats = taskStats(e, s, running);
  return out;
}

/**
 * Marathon's taskStats: counts and lifetimes of running tasks, in the groups it reports — started
 * after the last scaling, on the latest configuration, on an outdated one, and all; a group
 * without tasks is left out, as Marathon leaves it out.
 */
function taskStats(e: Engine, s: StoredApp, running: Instance[]) {
  const now = Date.now();
  const stats = (tasks: Instance[]) => {
    if (tasks.length === 0) return undefined;
    const lives = tasks.map((t) => (now - Date.parse(t.startedAt ?? t.since)) / 1000).sort((a, b) => a - b);
    const mid = lives.length >> 1;
    return {
      stats: {
        counts: {
          staged: 0,
          running: tasks.length,
          healthy: s.app.healthChecks.length > 0 ? tasks.filter((t) => e.state.isHealthy(t)).length : 0,
          unhealthy: s.app.healthChecks.length > 0 ? tasks.filter((t) => t.health?.some((h) => !h.alive)).length : 0,
        },
        lifeTime: {
          averageSeconds: lives.reduce((a, b) => a + b, 0) / lives.length,
          medianSeconds: lives.length % 2 ? lives[mid] : (lives[mid - 1] + lives[mid]) / 2,
        },
      },
    };
  };
  const latest = (t: Instance) =>
    e.state.specOf(t, s).versionInfo.lastConfigChangeAt === s.versionInfo.lastConfigChangeAt;
  const groups = {
    startedAfterLastScaling: stats(running.filter((t) => (t.startedAt ?? '') >= s.versionInfo.lastScalingAt)),
    withLatestConfig: stats(running.filter(latest)),
    withOutdatedConfig: stats(running.filter((t) => !latest(t))),
    totalSummary: stats(running),
  };
  return Object.fromEntries(Object.entries(groups).filter(([, v]) => v));
}

/** /v2/deployments entry (marathon-semantics.md §4.6). */
export function deploymentJson(e: Engine, d: Deployment) {
  const step = d.steps[d.currentStep] ?? [];
  return {
    id: d.id,
    version: d.version,
    affectedApps: d.affectedApps,
    affectedPods: [],
    steps: d.steps.map((s) => ({ actions: s.map((a) => ({ action: a.action, app: a.app })) })),
    currentActions: step.map((a) => ({
      action: a.action,
      app: a.app,
      readinessCheckResults: [...e.state.instances.values()]
        .filter((i) => i.appId === a.app && i.readiness && i.runSpecVersion === e.state.apps.get(a.app)?.version)
        .map((i) => i.readiness),
    })),
    currentStep: d.currentStep + 1,
    totalSteps: d.steps.length,
  };
}

/**
 * /v2/queue (marathon-semantics.md §10.2): what waits, and why. Baton's reason in words comes only when asked for
 * (`?embed=baton`, as Baton's client asks): a strict client (marathon-python builds objects
 * from every key) must see Marathon's keys and no others.
 */
export function queueJson(e: Engine, withReasons = false) {
  return {
    queue: [...e.queue.values()].map((q) => {
      const stored = e.state.apps.get(q.appId);
      const spec = stored?.pod
        ? { pod: { ...stored.pod, version: stored.version } }
        : { app: stored ? { ...stored.app, version: stored.version } : { id: q.appId } };
      const reasons = Object.entries(q.declined).map(([reason, declined]) => ({
        reason,
        declined,
        processed: e.settings.agents.length,
      }));
      return {
        ...spec,
        count: q.count,
        role: '*',
        delay: { timeLeftSeconds: Math.ceil(q.delayMs / 1000), overdue: q.delayMs === 0 },
        since: q.since,
        // Baton's extension: the same, in words (`baton status`, deploy progress and failures show it).
        ...(withReasons
          ? {
              baton: {
                placed: q.placed,
                wanted: stored?.app.instances ?? q.count,
                why: waitingWhy(q, e.settings.agents.length, stored?.app.instances),
                // In backoff: the failure that put it there.
                ...(q.delayMs > 0 && e.state.lastFailure.has(q.appId)
                  ? { after: e.state.lastFailure.get(q.appId)!.message }
                  : {}),
              },
            }
          : {}),
        processedOffersSummary: {
          processedOffersCount: e.settings.agents.length,
          unusedOffersCount: Object.values(q.declined).reduce((a, b) => a + (b ?? 0), 0),
          rejectSummaryLastOffers: reasons,
        },
      };
    }),
  };
}

/**
 * Why instances wait, in words: per unfulfilled constraint and per resource, how many of the
 * agents ruled the task out, and how many of the wanted instances are placed.
 */
const DECLINE_ORDER: DeclineReason[] = [
  'UnfulfilledRole',
  'UnfulfilledConstraint',
  'InsufficientCpus',
  'InsufficientMemory',
  'InsufficientDisk',
  'InsufficientPorts',
];

export function waitingWhy(q: QueueEntry, agents: number, wanted?: number, lastFailure?: string): string {
  if (q.delayMs > 0)
    return `backoff, ${Math.ceil(q.delayMs / 1000)}s left${lastFailure ? ` after: ${lastFailure}` : ''}`;
  const parts = [
    ...Object.entries(q.constraints).map(([c, n]) => `${c} rules out ${n} of ${agents} agent(s)`),
    ...DECLINE_ORDER.filter((r) => r !== 'UnfulfilledConstraint' && q.declined[r])
      .map((r) => [r, q.declined[r]] as const)
      .map(([r, n]) => `${r} on ${n} of ${agents} agent(s)`),
  ];
  if (parts.length === 0) return 'being placed';
  return `${parts.join(', ')}; ${q.placed} of ${wanted ?? q.placed + q.count} instance(s) placed`;
}
