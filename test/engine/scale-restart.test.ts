import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarathonEvent } from '../../plugins/engine/events.js';
import { serverCmd, startTestEngine, type TestEngine } from '../helpers/engine.js';

/**
 * Over the event stream of a window: the peak of tasks launched and not yet being killed (staging
 * or running: the capacity in use) and the floor of running tasks (serving capacity).
 */
function runningCurve(events: MarathonEvent[], appId: string, from: number) {
  const running = new Set<string>();
  const active = new Set<string>();
  function track(ev: MarathonEvent) {
    if (ev.eventType !== 'status_update_event' || ev.appId !== appId) return;
    const id = String(ev.taskId);
    if (ev.taskStatus === 'TASK_STAGING') active.add(id);
    else if (ev.taskStatus === 'TASK_RUNNING') {
      active.add(id);
      running.add(id);
    } else {
      active.delete(id); // KILLING already stops counting
      running.delete(id);
    }
  }
  for (const ev of events.slice(0, from)) track(ev);
  let peak = active.size;
  let floor = running.size;
  for (const ev of events.slice(from)) {
    track(ev);
    peak = Math.max(peak, active.size);
    floor = Math.min(floor, running.size);
  }
  return { peak, floor, end: running.size };
}

describe('scaling and killSelection (marathon-semantics.md §4.4)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  for (const selection of ['YOUNGEST_FIRST', 'OLDEST_FIRST'] as const) {
    it(`scale up to 4 then down to 2 kills the ${selection === 'YOUNGEST_FIRST' ? 'youngest' : 'oldest'}`, async () => {
      const id = `/scale-${selection.toLowerCase().replace('_', '-')}`;
      await e.api('POST', '/v2/apps', {
        id,
        cmd: serverCmd(),
        instances: 1,
        cpus: 0.05,
        mem: 32,
        killSelection: selection,
      });
      await e.settle();
      await new Promise((r) => setTimeout(r, 30)); // distinct start times
      await e.api('PUT', `/v2/apps${id}`, { instances: 2 });
      await e.settle();
      await new Promise((r) => setTimeout(r, 30));
      await e.api('PUT', `/v2/apps${id}`, { instances: 4 });
      await e.settle();
      const up = (await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks as { id: string; startedAt: string }[];
      expect(up).toHaveLength(4);
      const byAge = [...up].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((t) => t.id);
      const scaled = await e.api('PUT', `/v2/apps${id}`, { instances: 2 });
      expect(scaled.status).toBe(200);
      await e.settle();
      const left = ((await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks as { id: string }[]).map((t) => t.id).sort();
      expect(left).toEqual((selection === 'YOUNGEST_FIRST' ? byAge.slice(0, 2) : byAge.slice(2)).sort());
      const app = (await e.api('GET', `/v2/apps${id}`)).body.app;
      expect(app.versionInfo.lastScalingAt).toBe(app.version);
      expect(app.versionInfo.lastConfigChangeAt).not.toBe(app.version); // scaling is not a config change
    });
  }

  it('DELETE /v2/apps/{id}/tasks/{task}?scale=true lowers instances by one and kills exactly that task', async () => {
    await e.api('POST', '/v2/apps', { id: '/sentenced', cmd: serverCmd(), instances: 3, cpus: 0.05, mem: 32 });
    await e.settle();
    const tasks = (await e.api('GET', '/v2/apps/sentenced/tasks')).body.tasks as { id: string }[];
    const r = await e.api('DELETE', `/v2/apps/sentenced/tasks/${tasks[1].id}?scale=true`);
    expect(r.status).toBe(200);
    expect(r.body.deploymentId).toBeTruthy();
    await e.settle();
    const app = (await e.api('GET', '/v2/apps/sentenced')).body.app;
    expect(app.instances).toBe(2);
    expect(app.tasks.map((t: { id: string }) => t.id).sort()).toEqual([tasks[0].id, tasks[2].id].sort());
  });

  it('killing a task without scale relaunches the instance (Killed does not back off)', async () => {
    const before = (await e.api('GET', '/v2/apps/sentenced/tasks')).body.tasks as { id: string }[];
    await e.api('DELETE', `/v2/apps/sentenced/tasks/${before[0].id}`);
    const instance = before[0].id.replace(/\._app\.\d+$/, '');
    const relaunched = await (async () => {
      for (let i = 0; i < 200; i++) {
        const now = (await e.api('GET', '/v2/apps/sentenced/tasks')).body.tasks as { id: string; state: string }[];
        const t = now.find((x) => x.id.startsWith(instance) && x.id !== before[0].id && x.state === 'TASK_RUNNING');
        if (t) return t;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(relaunched?.id).toBe(`${instance}._app.2`); // same instance, next incarnation
  });
});

describe('rolling restart arithmetic (TaskReplaceActor, marathon-semantics.md §4.5 worked examples)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  const cases: [number, number, number, { peak: number; floor: number }][] = [
    [3, 1, 1, { peak: 6, floor: 3 }],
    [3, 1, 0, { peak: 4, floor: 3 }],
    [4, 0.5, 0, { peak: 4, floor: 2 }],
    [3, 0, 0, { peak: 3, floor: 0 }],
  ];
  for (const [n, minHC, maxOC, want] of cases) {
    it(`n=${n}, minimumHealthCapacity=${minHC}, maximumOverCapacity=${maxOC}: peak ${want.peak}, floor ${want.floor}`, async () => {
      const id = `/roll-${n}-${String(minHC).replace('.', '')}-${maxOC}`;
      const upgradeStrategy = { minimumHealthCapacity: minHC, maximumOverCapacity: maxOC };
      await e.api('POST', '/v2/apps', { id, cmd: serverCmd(), instances: n, cpus: 0.05, mem: 32, upgradeStrategy });
      await e.settle();
      const from = e.events.length;
      const r = await e.api('POST', `/v2/apps${id}/restart`);
      expect(r.status).toBe(200);
      await e.settle();
      const curve = runningCurve(e.events, id, from);
      expect(curve).toEqual({ ...want, end: n });
      const app = (await e.api('GET', `/v2/apps${id}`)).body.app;
      expect(app.tasks.every((t: { version: string }) => t.version === app.version)).toBe(true);
      expect(
        e.events
          .slice(from)
          .filter((ev) => ev.eventType === 'status_update_event' && ev.appId === id && ev.taskStatus === 'TASK_KILLED'),
      ).toHaveLength(n);
    });
  }

  it('n=3, (0, 1): kills all three and launches three at once', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/roll-all',
      cmd: serverCmd(),
      instances: 3,
      cpus: 0.05,
      mem: 32,
      upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 1 },
    });
    await e.settle();
    const from = e.events.length;
    await e.api('POST', '/v2/apps/roll-all/restart');
    await e.settle();
    const window = e.events
      .slice(from)
      .filter((ev) => ev.eventType === 'status_update_event' && ev.appId === '/roll-all');
    // All three old tasks are told to die before any new one is running.
    const firstNewRunning = window.findIndex((ev) => ev.taskStatus === 'TASK_RUNNING');
    expect(window.slice(0, firstNewRunning).filter((ev) => ev.taskStatus === 'TASK_KILLING')).toHaveLength(3);
    expect(runningCurve(e.events, '/roll-all', from).end).toBe(3);
  });
});
