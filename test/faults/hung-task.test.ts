import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive, serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

type Task = { id: string; host: string; ports: number[]; healthCheckResults: { alive: boolean }[] };

/**
 * A task that hangs (SIGSTOP: it holds its port and answers nothing): its health checks time out,
 * it is killed for them and replaced, as Marathon does (marathon-semantics.md §3); the kill's
 * SIGTERM cannot reach a stopped process, so the SIGKILL follows the app's kill grace period.
 */
describe('a hung task', () => {
  let e: TestEngine;
  let stopped = 0;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => {
    if (stopped && pidAlive(stopped)) process.kill(stopped, 'SIGKILL');
    await e.destroy();
  });

  it('health checks time out, the task is killed (SIGKILL after the grace period) and replaced', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/hung',
      cmd: serverCmd(),
      instances: 1,
      cpus: 0.02,
      mem: 32,
      taskKillGracePeriodSeconds: 2,
      healthChecks: [
        {
          protocol: 'HTTP',
          path: '/health',
          gracePeriodSeconds: 1,
          intervalSeconds: 1,
          timeoutSeconds: 1,
          maxConsecutiveFailures: 2,
        },
      ],
    });
    await e.settle();
    const [t] = (await e.api('GET', '/v2/apps/hung/tasks')).body.tasks as Task[];
    const inst = [...e.engine.state.instances.values()].find((i) => i.taskId === t.id)!;
    stopped = Number(readFileSync(path.join(inst.sandbox!, '.baton', 'task.pid'), 'utf8'));
    process.kill(stopped, 'SIGSTOP');

    const status = (state: string) =>
      e.events.find((ev) => ev.eventType === 'status_update_event' && ev.taskId === t.id && ev.taskStatus === state);
    const kill = await until(
      () => e.events.find((ev) => ev.eventType === 'unhealthy_instance_kill_event' && ev.taskId === t.id),
      15_000,
      'the health kill',
    );
    expect(kill.reason).toBe('FailedHealthChecks');
    const failures = e.events.filter((ev) => ev.eventType === 'failed_health_check_event' && ev.appId === '/hung');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    const killing = await until(() => status('TASK_KILLING'), 5000, 'TASK_KILLING');
    const killed = await until(() => status('TASK_KILLED'), 10_000, 'TASK_KILLED');
    // SIGTERM waits on a stopped process: the task ends with the SIGKILL, a grace period later.
    expect(Date.parse(killed.timestamp) - Date.parse(killing.timestamp)).toBeGreaterThanOrEqual(1900);
    expect(killed.message).toBe('killed: failed health checks (no answer within 1s)');
    expect(pidAlive(stopped)).toBe(false);
    // The same instance, next incarnation, healthy.
    await until(
      async () =>
        ((await e.api('GET', '/v2/apps/hung/tasks')).body.tasks as Task[]).some(
          (x) => x.id === t.id.replace(/\.1$/, '.2') && x.healthCheckResults[0]?.alive,
        ),
      15_000,
      'the replacement healthy',
    );
  }, 60_000);
});
