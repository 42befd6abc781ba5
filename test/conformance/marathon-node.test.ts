import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceTarget, type ConformanceTarget } from './target.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client is untyped JavaScript
type Json = any;
type Call = (...args: unknown[]) => Promise<Json>;
interface MarathonNode {
  app: Record<
    | 'getList'
    | 'create'
    | 'getOne'
    | 'update'
    | 'destroy'
    | 'restart'
    | 'getTasks'
    | 'killTasks'
    | 'killTask'
    | 'getVersions'
    | 'getVersion',
    Call
  >;
  tasks: Record<'getList' | 'kill', Call>;
  deployments: Record<'getList' | 'destroy', Call>;
  groups: Record<'getList' | 'create' | 'getOne' | 'update' | 'destroy', Call>;
  queue: Record<'get' | 'resetDelay', Call>;
  info: { get: Call };
  leader: { get: Call };
  misc: { ping: Call };
  subscriptions: { getList: Call };
  events: { createEventSource(o: { eventType?: string | string[] }): EventSourceLike };
}
interface EventSourceLike {
  addEventListener(type: string, fn: (e: { data: string }) => void): void;
  onopen?: () => void;
  close(): void;
}

// The npm client `marathon-node` (CommonJS, `request` underneath), used with its own defaults.
const require = createRequire(import.meta.url);
const Marathon = require('marathon-node') as (url: string, opts?: object) => MarathonNode;

/** The HTTP status a rejected call carries (request-promise's StatusCodeError). */
const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { statusCode?: number; error?: { message?: string } }) => e.statusCode ?? e,
  );

describe('marathon-node (npm) against the target, with its own defaults and encodings', () => {
  let target: ConformanceTarget;
  let m: MarathonNode;
  let web: string;
  const app = (id: string, instances: number, extra: Record<string, unknown> = {}) => ({
    id,
    cmd: target.httpCmd,
    instances,
    cpus: 0.02,
    mem: 32,
    portDefinitions: [{ port: 0 }],
    ...extra,
  });
  const settled = async (ms = 60_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const mine = ((await m.deployments.getList()) as { affectedApps: string[] }[]).filter((d) =>
        d.affectedApps.some((a) => a.startsWith(target.prefix)),
      );
      if (mine.length === 0) return;
      if (Date.now() > end) throw new Error(`deployments still running: ${JSON.stringify(mine)}`);
      await sleep(250);
    }
  };

  beforeAll(async () => {
    target = await conformanceTarget('node');
    m = Marathon(target.url, target.token ? { headers: { Authorization: `token=${target.token}` } } : {});
    web = `${target.prefix}/web`;
  }, 60_000);
  afterAll(async () => target?.close());

  it('ping, info, leader', async () => {
    expect(await m.misc.ping()).toBe('pong');
    expect(await m.info.get()).toMatchObject({ elected: true, leader: expect.any(String) });
    expect((await m.leader.get()).leader).toBeTruthy();
  });

  it('create, list (embed, id filter), get; 409 for an existing id', async () => {
    const created = await m.app.create(
      app(web, 2, {
        labels: { team: 'conformance' },
        healthChecks: [{ protocol: 'HTTP', path: '/', intervalSeconds: 1, timeoutSeconds: 1, gracePeriodSeconds: 15 }],
      }),
    );
    expect(created).toMatchObject({ id: web, instances: 2, deployments: [{ id: expect.any(String) }] });
    expect(await statusOf(m.app.create(app(web, 1)))).toBe(409);
    await settled();
    const listed = (await m.app.getList({ embed: 'apps.tasks', id: target.prefix })).apps as Json[];
    expect(listed.map((a) => [a.id, a.tasksRunning, a.tasksHealthy, a.tasks.length])).toEqual([[web, 2, 2, 2]]);
    const one = (await m.app.getOne(web, { embed: 'app.lastTaskFailure' })).app;
    expect(one).toMatchObject({ id: web, instances: 2, labels: { team: 'conformance' } });
    expect(one.tasks.every((t: Json) => t.healthCheckResults.every((h: Json) => h.alive))).toBe(true);
    expect(await statusOf(m.app.getOne(`${target.prefix}/nope`))).toBe(404);
  });

  it('update without force (the client sends none), 409 with force=false while deploying, force=true overrides', async () => {
    const first = await m.app.update(web, { env: { RELEASE: '2' } });
    expect(first.deploymentId).toBeTruthy();
    expect(await statusOf(m.app.update(web, { env: { RELEASE: '3' } }, false))).toBe(409);
    expect((await m.app.update(web, { env: { RELEASE: '3' } }, true)).deploymentId).toBeTruthy();
    await settled();
    expect((await m.app.getOne(web)).app.env).toEqual({ RELEASE: '3' });
    expect((await m.app.restart(web)).deploymentId).toBeTruthy();
    await settled();
  });

  it('tasks: list, kill one with scale=true, kill all of an app, kill by ids (POST /v2/tasks/delete)', async () => {
    const tasks = (await m.app.getTasks(web)).tasks as Json[];
    expect(tasks).toHaveLength(2);
    expect(((await m.tasks.getList()).tasks as Json[]).filter((t) => t.appId === web)).toHaveLength(2);
    expect((await m.app.killTask(web, tasks[0].id, true)).deploymentId).toBeTruthy();
    await settled();
    expect((await m.app.getOne(web)).app.instances).toBe(1);
    const killed = await m.app.killTasks(web, { scale: false });
    expect(killed.tasks).toHaveLength(1);
    const deadline = Date.now() + 20_000;
    let left: Json[] = [];
    while (Date.now() < deadline) {
      left = (await m.app.getTasks(web)).tasks;
      if (left.length === 1 && left[0].id !== killed.tasks[0].id && left[0].state === 'TASK_RUNNING') break;
      await sleep(250);
    }
    expect(left[0].id).not.toBe(killed.tasks[0].id); // relaunched
    expect((await m.tasks.kill({ ids: [left[0].id] }, true)).deploymentId).toBeTruthy();
    await settled();
    expect((await m.app.getOne(web)).app.instances).toBe(0);
  });

  it('versions; deployments: destroy reverts, destroy with force cancels', async () => {
    const { versions } = await m.app.getVersions(web);
    expect(versions.length).toBeGreaterThanOrEqual(4);
    expect((await m.app.getVersion(web, versions.at(-1))).instances).toBe(2);
    const stuck = `${target.prefix}/stuck`;
    const never = app(stuck, 1, {
      healthChecks: [{ protocol: 'HTTP', path: '/never-there', intervalSeconds: 1, gracePeriodSeconds: 300 }],
    });
    await m.app.create(never);
    const dep = ((await m.deployments.getList()) as Json[]).find((d) => d.affectedApps.includes(stuck));
    expect(dep).toBeTruthy();
    expect((await m.deployments.destroy(dep.id)).deploymentId).toBeTruthy();
    await settled();
    expect(await statusOf(m.app.getOne(stuck))).toBe(404); // the create was reverted
    await m.app.create(never);
    const again = ((await m.deployments.getList()) as Json[]).find((d) => d.affectedApps.includes(stuck));
    expect(await m.deployments.destroy(again.id, true)).toBeUndefined(); // 202, no body
    await settled();
    expect((await m.app.getOne(stuck)).app.id).toBe(stuck); // cancelled, not reverted
    // DELETE without force: the client sends none, Marathon's default is true, even while locked.
    await m.app.update(stuck, { instances: 2 });
    expect((await m.app.destroy(stuck)).deploymentId).toBeTruthy();
    await settled();
  });

  it('groups: create, list, get, update with force, delete with force', async () => {
    const grp = `${target.prefix}/grp`;
    const sleeper = { id: `${grp}/a`, cmd: 'sleep 3600', instances: 1, cpus: 0.01, mem: 16 };
    expect((await m.groups.create({ id: grp, apps: [sleeper] })).deploymentId).toBeTruthy();
    await settled();
    const root = await m.groups.getList();
    expect(root.groups.map((g: Json) => g.id)).toContain(target.prefix);
    const g = await m.groups.getOne(grp);
    expect(g.apps.map((a: Json) => [a.id, a.instances])).toEqual([[`${grp}/a`, 1]]);
    expect((await m.groups.update(grp, { apps: [{ ...sleeper, instances: 2 }] }, true)).deploymentId).toBeTruthy();
    await settled();
    expect((await m.app.getOne(`${grp}/a`)).app.instances).toBe(2);
    expect((await m.groups.destroy(grp, true)).deploymentId).toBeTruthy();
    await settled();
    expect(await statusOf(m.groups.getOne(grp))).toBe(404);
  });

  it('the queue and its delay reset; event subscriptions answer as a Marathon without http callbacks', async () => {
    const crashy = `${target.prefix}/crashy`;
    await m.app.create({ id: crashy, cmd: 'exit 1', instances: 1, cpus: 0.01, mem: 16, backoffSeconds: 60 });
    let item: Json;
    for (let i = 0; i < 80 && !item?.delay.timeLeftSeconds; i++) {
      item = ((await m.queue.get()).queue as Json[]).find((q) => q.app?.id === crashy);
      await sleep(250);
    }
    expect(item).toMatchObject({ count: 1, delay: { overdue: false } });
    expect(Object.keys(item)).not.toContain('baton'); // Marathon's keys only
    await m.queue.resetDelay(crashy);
    expect((await m.app.destroy(crashy)).deploymentId).toBeTruthy();
    const sub = await statusOf(m.subscriptions.getList());
    expect(sub).toBe(400);
  });

  it('the event stream through createEventSource, filtered by event_type', async () => {
    const es = m.events.createEventSource({ eventType: ['deployment_success', 'status_update_event'] });
    const seen: Json[] = [];
    for (const type of ['deployment_success', 'status_update_event', 'deployment_info', 'api_post_event'])
      es.addEventListener(type, (e) => seen.push(JSON.parse(e.data)));
    await new Promise<void>((r) => (es.onopen = r));
    const evt = `${target.prefix}/evt`;
    await m.app.create({ id: evt, cmd: 'sleep 3600', instances: 1, cpus: 0.01, mem: 16 });
    // A deployment of an earlier case (a destroy) may finish while this one runs: wait for this app's own events.
    const ours = (e: Json) => JSON.stringify(e).includes(`"${evt}"`);
    const got = () => ({
      status: seen.some((e) => e.eventType === 'status_update_event' && e.appId === evt),
      success: seen.some((e) => e.eventType === 'deployment_success' && ours(e)),
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(got().status && got().success)) await sleep(100);
    es.close();
    expect(got()).toEqual({ status: true, success: true });
    // The filter holds: nothing of the types not asked for.
    expect(seen.filter((e) => e.eventType === 'deployment_info' || e.eventType === 'api_post_event')).toEqual([]);
    await m.app.destroy(evt);
    await settled();
  });
});
