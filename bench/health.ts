import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../core/index.js';
import engine from '../plugins/engine/index.js';
import { startEngineWith } from '../plugins/engine/build.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import health from '../plugins/health/index.js';
import marathon from '../plugins/marathon/index.js';
import mesos from '../plugins/mesos/index.js';

const SERVER = path.join(PACKAGE_ROOT, 'test/fixtures/server.mjs');

/**
 * Health detection: time from an instance turning unhealthy (POST /fail) to its kill, against the
 * bound Marathon's rules give, interval × (maxConsecutiveFailures + 1) + timeout.
 */
export async function healthDetection(
  runs: number,
  check = { intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 2 },
) {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-health-'));
  const running = await startEngineWith([marathon, engine, mesos, health], {
    ...resolveSettings({ stateDir }),
    port: 0,
  });
  const samples: number[] = [];
  try {
    await fetch(`${running.url}/v2/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: '/hc',
        cmd: `exec ${process.execPath} ${SERVER}`,
        instances: 1,
        cpus: 0.1,
        mem: 128,
        healthChecks: [{ protocol: 'HTTP', path: '/health', gracePeriodSeconds: 5, ...check }],
      }),
    });
    for (let r = 0; r < runs; r++) {
      // Wait for a healthy task, then make it sick.
      type Task = { id: string; host: string; ports: number[]; healthCheckResults: { alive: boolean }[] };
      let task: Task | undefined;
      while (!task) {
        const { tasks } = (await (await fetch(`${running.url}/v2/apps/hc/tasks`)).json()) as { tasks: Task[] };
        task = tasks.find((t) => t.healthCheckResults[0]?.alive);
        if (!task) await sleep(50);
      }
      const killed = new Promise<number>((resolve) => {
        const off = running.engine.state.events.on((ev) => {
          if (ev.eventType === 'unhealthy_instance_kill_event' && ev.taskId === task!.id) {
            off();
            resolve(performance.now());
          }
        });
      });
      const t0 = performance.now();
      await fetch(`http://${task.host}:${task.ports[0]}/fail`, { method: 'POST' });
      samples.push((await killed) - t0);
    }
  } finally {
    await fetch(`${running.url}/v2/apps/hc`, { method: 'DELETE' });
    while (running.engine.state.instances.size > 0) await sleep(50);
    await running.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  const boundMs = (check.intervalSeconds * (check.maxConsecutiveFailures + 1) + check.timeoutSeconds) * 1000;
  return { samples, boundMs };
}
