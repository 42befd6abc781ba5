import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCmd, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { needsMarathonData, readData } from '../helpers/marathon-data.js';

const example = (f: string) => readData(`examples/${f}`);
const keys = (o: object) => Object.keys(o).sort();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- events are read as Marathon's JSON
type Frame = { event: string; data: any };

/** Read Server-Sent Events until `stop` says so (bounded); `attached` resolves on the first frame. */
function sse(url: string, stop: (events: Frame[]) => boolean, ms = 15_000) {
  let onAttached!: () => void;
  const attached = new Promise<void>((r) => (onAttached = r));
  const done = new Promise<Frame[]>((resolve, reject) => {
    const got: Frame[] = [];
    const req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (ev && data) got.push({ event: ev, data: JSON.parse(data) });
          if (got.length === 1) onAttached();
          if (stop(got)) {
            req.destroy();
            resolve(got);
          }
        }
      });
    });
    req.on('error', () => undefined);
    setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE: stop condition not met in ${ms}ms; got ${got.map((g) => g.event).join(', ')}`));
    }, ms).unref();
  });
  return { attached, done };
}

describe("the engine's Marathon REST API (marathon-semantics.md §10)", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  it("/ping, /v2/info, /v2/leader have Marathon's shapes", async () => {
    const ping = await fetch(e.url + '/ping');
    expect(await ping.text()).toBe('pong');
    const info = (await e.api('GET', '/v2/info')).body;
    expect(info.marathon_config).toMatchObject({ local_port_min: 10000, local_port_max: 20000 });
    expect((await e.api('GET', '/v2/leader')).body).toEqual({ leader: new URL(e.url).host });
  });

  it('422 names every invalid path, 400 on bad JSON, 404 on unknown apps, 409 on duplicates', async () => {
    const bad = await e.api('POST', '/v2/apps', {
      id: '/Bad_Id',
      cmd: 'x',
      args: ['y'],
      upgradeStrategy: { minimumHealthCapacity: 2 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe('Object is not valid');
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '/cmd',
      '/id',
      '/upgradeStrategy/minimumHealthCapacity',
    ]);
    for (const d of bad.body.details) expect(d.errors.length).toBeGreaterThan(0);
    const bulk = await e.api('PUT', '/v2/apps', [
      { id: '/ok', cmd: 'sleep 100' },
      { id: '/bad', cpus: -1, cmd: 'sleep 100' },
    ]);
    expect(bulk.status).toBe(422);
    expect(bulk.body.details.map((d: { path: string }) => d.path)).toEqual(['(1)/cpus']);
    expect(e.engine.state.apps.has('/ok')).toBe(false); // nothing half-applied

    const raw = await fetch(e.url + '/v2/apps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id": ',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { message: string }).message).toBe('Invalid JSON');

    expect(await e.api('GET', '/v2/apps/nope')).toMatchObject({
      status: 404,
      body: { message: "App '/nope' does not exist" },
    });
    await e.api('POST', '/v2/apps', { id: '/dup', cmd: serverCmd(), instances: 1, cpus: 0.05, mem: 32 });
    expect(await e.api('POST', '/v2/apps', { id: '/dup', cmd: 'sleep 1' })).toMatchObject({
      status: 409,
      body: { message: 'An app with id [/dup] already exists.' },
    });
    await e.settle();
  });

  it('409 while a deployment holds the app, naming it; force=true cancels it', async () => {
    // A new version whose tasks never get running-capacity: the restart cannot finish quickly.
    await e.api('POST', '/v2/apps', { id: '/locked', cmd: serverCmd(), instances: 1, cpus: 0.05, mem: 32 });
    await e.settle();
    const slow = await e.api('PUT', '/v2/apps/locked', { cmd: 'sleep 1; exit 1', backoffSeconds: 30 });
    const depId = slow.body.deploymentId;
    const conflict = await e.api('PUT', '/v2/apps/locked', { instances: 2 });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/${depId}'.`,
      deployments: [{ id: depId }],
    });
    const deployments = (await e.api('GET', '/v2/deployments')).body;
    expect(deployments[0]).toMatchObject({
      id: depId,
      affectedApps: ['/locked'],
      currentStep: 1,
      totalSteps: 1,
      steps: [{ actions: [{ action: 'RestartApplication', app: '/locked' }] }],
    });

    const forced = await e.api('PUT', '/v2/apps/locked?force=true', { cmd: serverCmd(), instances: 2 });
    expect(forced.status).toBe(200);
    expect(e.events.some((ev) => ev.eventType === 'deployment_failed' && ev.id === depId)).toBe(true);
    await e.settle();
    expect((await e.api('GET', '/v2/apps/locked/tasks')).body.tasks).toHaveLength(2);
  });

  it('DELETE /v2/deployments/{id} reverts (a new deployment), with force=true only cancels (202)', async () => {
    await e.api('POST', '/v2/apps', { id: '/revert', cmd: serverCmd(), instances: 1, cpus: 0.05, mem: 32 });
    await e.settle();
    const v1 = (await e.api('GET', '/v2/apps/revert')).body.app;
    const bad = await e.api('PUT', '/v2/apps/revert', { cmd: 'exit 1', backoffSeconds: 30 });
    const r = await e.api('DELETE', `/v2/deployments/${bad.body.deploymentId}`);
    expect(r.status).toBe(200);
    expect(r.body.deploymentId).not.toBe(bad.body.deploymentId);
    await e.settle();
    const after = (await e.api('GET', '/v2/apps/revert')).body.app;
    expect(after.cmd).toBe(v1.cmd);
    expect(after.tasks).toHaveLength(1);

    const again = await e.api('PUT', '/v2/apps/revert', { cmd: 'exit 1', backoffSeconds: 30 });
    const cancel = await fetch(`${e.url}/v2/deployments/${again.body.deploymentId}?force=true`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    expect((await e.api('GET', '/v2/deployments')).body).toEqual([]);
    expect((await e.api('GET', '/v2/apps/revert')).body.app.cmd).toBe('exit 1'); // state left as it is
    expect((await e.api('DELETE', '/v2/deployments/unknown')).status).toBe(404);
    await e.api('PUT', '/v2/apps/revert?force=true', { cmd: serverCmd() });
    await e.settle();
  });

  it('versions and rollback by PUT {"version": v}', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/versioned',
      cmd: serverCmd(),
      instances: 1,
      cpus: 0.05,
      mem: 32,
      labels: { v: '1' },
    });
    await e.settle();
    const v1 = (await e.api('GET', '/v2/apps/versioned')).body.app.version;
    await e.api('PUT', '/v2/apps/versioned', { labels: { v: '2' } });
    await e.settle();
    const versions = (await e.api('GET', '/v2/apps/versioned/versions')).body.versions;
    expect(versions).toHaveLength(2);
    expect(versions).toContain(v1);
    expect((await e.api('GET', `/v2/apps/versioned/versions/${v1}`)).body.labels).toEqual({ v: '1' });
    const mixed = await e.api('PUT', '/v2/apps/versioned', { version: v1, cmd: 'x y' });
    expect(mixed.status).toBe(422);
    expect(mixed.body.details[0].errors[0]).toBe("The 'version' field may only be combined with the 'id' field.");
    expect((await e.api('PUT', '/v2/apps/versioned', { version: v1 })).status).toBe(200);
    await e.settle();
    const app = (await e.api('GET', '/v2/apps/versioned')).body.app;
    expect(app.labels).toEqual({ v: '1' });
    expect(app.tasks[0].version).toBe(app.version);
  });

  it("GET /v2/apps embeds, task JSON and /v2/tasks have Marathon's fields", async () => {
    const list = (await e.api('GET', '/v2/apps?embed=apps.tasks&embed=apps.lastTaskFailure')).body.apps;
    const app = list.find((a: { id: string }) => a.id === '/versioned');
    for (const k of [
      'tasksStaged',
      'tasksRunning',
      'tasksHealthy',
      'tasksUnhealthy',
      'deployments',
      'version',
      'versionInfo',
      'tasks',
    ])
      expect(app).toHaveProperty(k);
    const task = app.tasks[0];
    expect(task).toMatchObject({
      appId: '/versioned',
      state: 'TASK_RUNNING',
      ipAddresses: [{ ipAddress: task.host, protocol: 'IPv4' }],
    });
    const all = (await e.api('GET', '/v2/tasks?status=running')).body.tasks;
    expect(all.map((t: { id: string }) => t.id)).toContain(task.id);
    expect((await e.api('GET', '/v2/apps?label=v==1')).body.apps.map((a: { id: string }) => a.id)).toEqual([
      '/versioned',
    ]);
  });

  it("SSE /v2/events: attach, deployment lifecycle and task status events in Marathon's frames", async () => {
    const stream = sse(`${e.url}/v2/events`, (got) =>
      got.some(
        (g) =>
          g.event === 'deployment_success' &&
          g.data.plan.steps.some((s: { actions: { app: string }[] }) => s.actions.some((a) => a.app === '/sse')),
      ),
    );
    await stream.attached;
    await e.api('POST', '/v2/apps', { id: '/sse', cmd: serverCmd(), instances: 1, cpus: 0.05, mem: 32 });
    const got = await stream.done;
    const types = got.map((g) => g.event);
    expect(types[0]).toBe('event_stream_attached');
    for (const t of [
      'group_change_success',
      'deployment_info',
      'status_update_event',
      'instance_changed_event',
      'deployment_step_success',
      'deployment_success',
    ])
      expect(types).toContain(t);
    const running = got.find((g) => g.event === 'status_update_event' && g.data.taskStatus === 'TASK_RUNNING')!.data;
    expect(keys(running)).toEqual([
      'appId',
      'eventType',
      'host',
      'ipAddresses',
      'message',
      'ports',
      'slaveId',
      'taskId',
      'taskStatus',
      'timestamp',
      'version',
    ]);
    const notSse = await fetch(`${e.url}/v2/events`);
    expect(notSse.status).toBe(405);
  });

  it('query booleans in any case; another value is a 400 naming the parameter; bodies Marathon parses must be there', async () => {
    await e.api('POST', '/v2/apps', { id: '/flags', cmd: 'sleep 100', instances: 1, cpus: 0.01, mem: 16 });
    // Held by a deployment that cannot finish (its task keeps failing), so only force gets through.
    await e.api('PUT', '/v2/apps/flags', { cmd: 'exit 1', backoffSeconds: 30 });
    expect((await e.api('PUT', '/v2/apps/flags?force=FALSE', { instances: 2 })).status).toBe(409);
    expect((await e.api('PUT', '/v2/apps/flags?force=True', { instances: 2 })).status).toBe(200);
    const bad = await e.api('DELETE', '/v2/apps/flags?force=yes');
    expect(bad).toMatchObject({
      status: 400,
      body: { message: "Query parameter 'force' must be true or false, not 'yes'" },
    });
    expect(e.engine.state.apps.has('/flags')).toBe(true); // nothing done
    // An empty value is the default: DELETE's force defaults to true (Marathon's AppsResource).
    expect((await e.api('DELETE', '/v2/apps/flags?force=')).status).toBe(200);
    // A create or update without a body is Marathon's 400 Invalid JSON, not an empty change.
    for (const [method, p] of [
      ['POST', '/v2/apps'],
      ['PUT', '/v2/apps/flags2'],
      ['PUT', '/v2/groups/g/versions/2020-01-01T00:00:00.000Z'],
      ['POST', '/v2/pods'],
      ['POST', '/v2/tasks/delete'],
    ]) {
      const r = await fetch(e.url + p, { method, headers: { 'content-type': 'application/json' } });
      expect([p, r.status, ((await r.json()) as { message: string }).message]).toEqual([p, 400, 'Invalid JSON']);
    }
    expect(e.engine.state.groups.ids(e.engine.state.apps.keys()).has('/g/versions/2020-01-01T00:00:00.000Z')).toBe(
      false,
    );
    // A single Marathon abdicates and is elected again; HTTP callback subscriptions are off, as by default.
    expect(await e.api('DELETE', '/v2/leader')).toMatchObject({
      status: 200,
      body: { message: 'Leadership abdicated' },
    });
    expect((await e.api('GET', '/v2/eventSubscriptions')).status).toBe(400);
    await e.settle();
  });

  describe("the same answers, key for key, as Marathon's published examples", () => {
    if (!needsMarathonData()) return;
    it('/v2/info, a deployment in flight and a task have the keys of info.json, deployments.json, app_task.json', async () => {
      expect(keys((await e.api('GET', '/v2/info')).body)).toEqual(keys(example('info.json')));
      await e.api('POST', '/v2/apps', { id: '/shapes', cmd: serverCmd(), instances: 1, cpus: 0.05, mem: 32 });
      await e.settle();
      const task = (await e.api('GET', '/v2/apps/shapes')).body.app.tasks[0];
      // region and zone: the example's agent has them; the default agents do not.
      for (const k of keys(example('app_task.json').task).filter((k) => !['region', 'zone'].includes(k)))
        expect(task).toHaveProperty(k);
      await e.api('PUT', '/v2/apps/shapes', { cmd: 'sleep 1; exit 1', backoffSeconds: 30 });
      const [deployment] = (await e.api('GET', '/v2/deployments')).body;
      expect(keys(deployment)).toEqual(keys(example('deployments.json')[0]));
      await e.api('DELETE', '/v2/apps/shapes?force=true');
      await e.settle();
    });
  });
});
