import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

/**
 * Many apps crash-looping at once (reliability issue): each app's launches keep Marathon's
 * backoff (marathon-semantics.md §1.10), and meanwhile the engine keeps answering its API and deploying other apps.
 */
describe('crash-looping tasks: backoff respected, engine responsive', () => {
  const APPS = 30;
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e?.destroy());

  it(`${APPS} apps crash-looping: every app's launches wait 1 s, 2 s, 4 s …; the API answers and a healthy app deploys meanwhile`, async () => {
    const ids = Array.from({ length: APPS }, (_, i) => `/loop/crash-${i}`);
    const t0 = Date.now();
    for (const id of ids) {
      const r = await e.api('POST', '/v2/apps', {
        id,
        cmd: 'exit 1',
        instances: 1,
        cpus: 0.01,
        mem: 16,
        backoffSeconds: 1,
        backoffFactor: 2,
        maxLaunchDelaySeconds: 60,
        portDefinitions: [],
      });
      expect(r.status).toBe(201);
    }

    // While they loop: API calls back to back for 8 s, and a healthy app deployed through it.
    const latencies: number[] = [];
    const statuses = new Set<number>();
    const web = await e.api('POST', '/v2/apps', {
      id: '/loop/web',
      cmd: serverCmd(),
      instances: 2,
      cpus: 0.05,
      mem: 32,
    });
    expect(web.status).toBe(201);
    while (Date.now() - t0 < 8000) {
      for (const p of ['/v2/apps?embed=apps.tasks', '/v2/queue', '/v2/deployments']) {
        const s = Date.now();
        statuses.add((await e.api('GET', p)).status);
        latencies.push(Date.now() - s);
      }
    }
    expect([...statuses]).toEqual([200]);
    // A liveness bound, not a performance figure: no call waited two seconds behind the crash loops
    // (typically a few milliseconds; other test files share the machine's two CPUs).
    expect(Math.max(...latencies)).toBeLessThan(2000);
    const webTasks = (await e.api('GET', '/v2/apps/loop/web/tasks')).body.tasks as { state: string }[];
    expect(webTasks.filter((t) => t.state === 'TASK_RUNNING')).toHaveLength(2);
    // Every crashing app waits in the queue with a delay.
    const queue = (await e.api('GET', '/v2/queue')).body.queue as {
      app: { id: string };
      delay: { timeLeftSeconds: number };
    }[];
    expect(queue.filter((q) => ids.includes(q.app.id)).length).toBeGreaterThan(0);

    await until(() => Date.now() - t0 > 10_000, 5000, 'ten seconds of crash loops');
    for (const id of ids) {
      const t = e.events
        .filter((ev) => ev.eventType === 'status_update_event' && ev.appId === id && ev.taskStatus === 'TASK_STAGING')
        .map((ev) => Date.parse(ev.timestamp as string));
      // 0 s, +1, +2, +4: at most four launches in ten seconds (five would mean a delay was skipped).
      expect(t.length, id).toBeGreaterThanOrEqual(3);
      expect(t.length, id).toBeLessThanOrEqual(4);
      for (let n = 1; n < t.length; n++)
        expect(t[n] - t[n - 1], `${id} launch ${n + 1}`).toBeGreaterThanOrEqual(1000 * 2 ** (n - 1));
    }
    for (const id of [...ids, '/loop/web']) await e.api('DELETE', `/v2/apps${id}`);
    await e.settle();
  }, 60_000);
});
