import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

type Task = {
  id: string;
  host: string;
  ports: number[];
  state: string;
  version: string;
  healthCheckResults: { alive: boolean; consecutiveFailures: number; lastFailureCause?: string }[];
};

describe('health checks on the embedded engine (marathon-semantics.md §3)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  const tasks = async (id: string) => (await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks as Task[];
  const eventsOf = (type: string, appId: string) =>
    e.events.filter((ev) => ev.eventType === type && (ev.appId === appId || ev.runSpecId === appId));

  it('HTTP: healthy 200-399; the kill comes on the (max+1)-th counted failure; the instance relaunches', async () => {
    const hc = {
      protocol: 'HTTP',
      path: '/health',
      portIndex: 0,
      gracePeriodSeconds: 1,
      intervalSeconds: 1,
      timeoutSeconds: 1,
      maxConsecutiveFailures: 2,
    };
    await e.api('POST', '/v2/apps', {
      id: '/http-hc',
      cmd: serverCmd(),
      instances: 1,
      cpus: 0.05,
      mem: 64,
      healthChecks: [hc],
    });
    await e.settle(); // the deployment waits for health
    const [t] = await tasks('/http-hc');
    expect(t.healthCheckResults[0]).toMatchObject({ alive: true, consecutiveFailures: 0 });
    expect((await e.api('GET', '/v2/apps/http-hc')).body.app).toMatchObject({ tasksHealthy: 1, tasksUnhealthy: 0 });

    await fetch(`http://${t.host}:${t.ports[0]}/fail`, { method: 'POST' });
    const t0 = Date.now();
    const kill = await until(() => eventsOf('unhealthy_instance_kill_event', '/http-hc')[0], 8000, 'the kill');
    const took = Date.parse(kill.timestamp) - t0;
    // Three counted failures one interval apart: the kill follows the third, not the second (the count below pins it).
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(kill).toMatchObject({ reason: 'FailedHealthChecks', taskId: t.id });
    const failures = eventsOf('failed_health_check_event', '/http-hc');
    expect(failures.length).toBe(3);
    expect(eventsOf('health_status_changed_event', '/http-hc').map((x) => x.alive)).toEqual([true, false]);
    const killed = await until(
      () =>
        e.events.find(
          (ev) => ev.eventType === 'status_update_event' && ev.taskId === t.id && ev.taskStatus === 'TASK_KILLED',
        ),
      5000,
      'TASK_KILLED',
    );
    expect(killed.message).toBe('killed: failed health checks (HTTP 500 from /health)');
    // Same instance, next incarnation, healthy again (a health kill does not back off).
    const again = await until(
      async () =>
        (await tasks('/http-hc')).find((x) => x.id === t.id.replace(/\.1$/, '.2') && x.healthCheckResults[0]?.alive),
      15_000,
      'the relaunch to be healthy',
    );
    expect(again).toBeTruthy();
  }, 40_000);

  it('grace period: failures are ignored until the first success or the grace ends', async () => {
    const slow = `sleep 2; ${serverCmd()}`;
    const hc = (grace: number) => [
      {
        protocol: 'HTTP',
        path: '/health',
        gracePeriodSeconds: grace,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 1,
      },
    ];
    await e.api('POST', '/v2/apps', {
      id: '/patient',
      cmd: slow,
      instances: 1,
      cpus: 0.05,
      mem: 64,
      healthChecks: hc(6),
    });
    // /impatient never answers within the test: with no grace its second failure kills it, however late the probes start.
    await e.api('POST', '/v2/apps', {
      id: '/impatient',
      cmd: `sleep 60; ${serverCmd()}`,
      instances: 1,
      cpus: 0.05,
      mem: 64,
      healthChecks: hc(0),
    });
    await until(async () => (await tasks('/patient'))[0]?.healthCheckResults[0]?.alive, 10_000, '/patient healthy');
    expect(eventsOf('unhealthy_instance_kill_event', '/patient')).toHaveLength(0);
    expect(eventsOf('failed_health_check_event', '/patient')).toHaveLength(0);
    await until(() => eventsOf('unhealthy_instance_kill_event', '/impatient')[0], 15_000, '/impatient killed');
    await e.api('DELETE', '/v2/apps/patient');
    await e.api('DELETE', '/v2/apps/impatient');
    await e.settle();
  }, 40_000);

  it('TCP, and HTTPS without certificate validation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=baton-test',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const quick = { gracePeriodSeconds: 5, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3 };
    await e.api('POST', '/v2/apps', {
      id: '/tcp-hc',
      cmd: serverCmd(),
      instances: 1,
      cpus: 0.05,
      mem: 64,
      healthChecks: [{ protocol: 'TCP', ...quick }],
    });
    await e.api('POST', '/v2/apps', {
      id: '/https-hc',
      cmd: serverCmd(),
      instances: 1,
      cpus: 0.05,
      mem: 64,
      env: { TLS_CERT: path.join(dir, 'cert.pem'), TLS_KEY: path.join(dir, 'key.pem') },
      healthChecks: [
        { protocol: 'HTTPS', path: '/health', ...quick },
        { protocol: 'MESOS_HTTPS', path: '/health', delaySeconds: 0, ...quick },
      ],
    });
    await e.settle();
    expect((await tasks('/tcp-hc'))[0].healthCheckResults).toMatchObject([{ alive: true }]);
    expect((await tasks('/https-hc'))[0].healthCheckResults).toMatchObject([{ alive: true }, { alive: true }]);
  }, 20_000);

  it('COMMAND runs in the task (its sandbox and environment); Mesos-level max 0 kills on the first failure', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/cmd-hc',
      cmd: serverCmd(),
      instances: 1,
      cpus: 0.05,
      mem: 64,
      healthChecks: [
        {
          protocol: 'COMMAND',
          command: { value: '[ "$MARATHON_APP_ID" = /cmd-hc ] && [ ! -f fail-flag ]' },
          gracePeriodSeconds: 0,
          intervalSeconds: 1,
          timeoutSeconds: 1,
          delaySeconds: 0,
          maxConsecutiveFailures: 0,
        },
      ],
    });
    await e.settle();
    const inst = [...e.engine.state.instances.values()].find((i) => i.appId === '/cmd-hc')!;
    const taskId = inst.taskId;
    expect(inst.health?.[0].alive).toBe(true);
    writeFileSync(path.join(inst.sandbox!, 'fail-flag'), '');
    const kill = await until(() => eventsOf('unhealthy_instance_kill_event', '/cmd-hc')[0], 5000, 'the kill');
    expect(eventsOf('failed_health_check_event', '/cmd-hc')).toHaveLength(1);
    expect(kill.taskId).toBe(taskId);
  }, 15_000);

  it('several checks: healthy only when all are alive', async () => {
    await e.api('POST', '/v2/apps', {
      id: '/two-checks',
      cmd: serverCmd('HEALTH_STATUS=503'),
      instances: 1,
      cpus: 0.05,
      mem: 64,
      healthChecks: [
        { protocol: 'TCP', gracePeriodSeconds: 60, intervalSeconds: 1, timeoutSeconds: 1 },
        { protocol: 'HTTP', path: '/health', gracePeriodSeconds: 60, intervalSeconds: 1, timeoutSeconds: 1 },
      ],
    });
    await until(async () => (await tasks('/two-checks'))[0]?.healthCheckResults[0]?.alive, 6000, 'the TCP check alive');
    await new Promise((r) => setTimeout(r, 1500));
    const app = (await e.api('GET', '/v2/apps/two-checks')).body.app;
    expect(app.tasksHealthy).toBe(0);
    expect(app.deployments).toHaveLength(1); // the deployment waits for health
    await e.api('DELETE', '/v2/apps/two-checks');
    await e.settle();
  }, 15_000);
});

describe('readiness and health-gated deployments (marathon-semantics.md §3.4, §3.5, §4.5)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  it('a deployment waits for readiness; results show in /v2/deployments', async () => {
    const t0 = Date.now();
    await e.api('POST', '/v2/apps', {
      id: '/ready',
      cmd: serverCmd('READY_AFTER_MS=3000'),
      instances: 1,
      cpus: 0.05,
      mem: 64,
      portDefinitions: [{ port: 0, name: 'http' }],
      readinessChecks: [
        {
          name: 'ready',
          protocol: 'HTTP',
          path: '/ready',
          portName: 'http',
          intervalSeconds: 2,
          timeoutSeconds: 1,
          httpStatusCodesForReady: [200],
          preserveLastResponse: true,
        },
      ],
    });
    const seen = await until(
      async () => {
        const d = (await e.api('GET', '/v2/deployments')).body[0];
        const r = d?.currentActions[0]?.readinessCheckResults[0];
        return r?.lastResponse ? r : undefined;
      },
      5000,
      'a readiness response',
    );
    expect(seen).toMatchObject({ name: 'ready', ready: false, lastResponse: { status: 503 } });
    await e.settle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
  }, 15_000);

  it('a health-gated rolling restart never drops below ceil(n × minimumHealthCapacity) healthy instances', async () => {
    const hc = [{ protocol: 'HTTP', path: '/health', gracePeriodSeconds: 10, intervalSeconds: 1, timeoutSeconds: 1 }];
    await e.api('POST', '/v2/apps', {
      id: '/gated',
      cmd: `sleep 1; ${serverCmd()}`,
      instances: 3,
      cpus: 0.05,
      mem: 64,
      healthChecks: hc,
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 },
    });
    await e.settle();
    const before = ((await e.api('GET', '/v2/apps/gated/tasks')).body.tasks as Task[]).map((t) => t.id);
    const from = e.events.length;
    await e.api('POST', '/v2/apps/gated/restart');
    await e.settle(60_000);
    const after = ((await e.api('GET', '/v2/apps/gated/tasks')).body.tasks as Task[]).map((t) => t.id);
    expect(after).toHaveLength(3);
    for (const id of after) expect(before).not.toContain(id); // every instance was really replaced
    const healthy = new Set<string>();
    // Replay: start with the 3 healthy old instances, follow health changes and kills.
    const old = e.events
      .slice(0, from)
      .filter((ev) => ev.eventType === 'instance_health_changed_event' && ev.runSpecId === '/gated' && ev.healthy)
      .map((ev) => String(ev.instanceId));
    for (const id of old) healthy.add(id);
    let floor = healthy.size;
    for (const ev of e.events.slice(from)) {
      if (ev.eventType === 'instance_health_changed_event' && ev.runSpecId === '/gated') {
        if (ev.healthy) healthy.add(String(ev.instanceId));
        else healthy.delete(String(ev.instanceId));
      }
      if (ev.eventType === 'status_update_event' && ev.appId === '/gated' && ev.taskStatus === 'TASK_KILLING')
        healthy.delete(String(ev.taskId).replace(/\._app\.\d+$/, ''));
      floor = Math.min(floor, healthy.size);
    }
    expect(old.length).toBe(3);
    expect(floor).toBeGreaterThanOrEqual(3);
    expect(healthy.size).toBe(3);
  }, 60_000);

  it('a release that never turns healthy never finishes (Marathon semantics) and the old instances keep serving', async () => {
    const hc = [
      {
        protocol: 'HTTP',
        path: '/health',
        gracePeriodSeconds: 1,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 1,
      },
    ];
    await e.api('POST', '/v2/apps', {
      id: '/never-healthy',
      cmd: serverCmd(),
      instances: 2,
      cpus: 0.05,
      mem: 64,
      healthChecks: hc,
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0.5 },
    });
    await e.settle();
    const oldTasks = (await e.api('GET', '/v2/apps/never-healthy/tasks')).body.tasks as Task[];
    await e.api('PUT', '/v2/apps/never-healthy', { cmd: serverCmd('HEALTH_STATUS=500') });
    await new Promise((r) => setTimeout(r, 5000));
    expect(
      (await e.api('GET', '/v2/deployments')).body.map((d: { affectedApps: string[] }) => d.affectedApps[0]),
    ).toEqual(['/never-healthy']);
    for (const t of oldTasks) expect(await (await fetch(`http://${t.host}:${t.ports[0]}/`)).text()).toContain(t.id);
    expect(
      e.events.filter((ev) => ev.eventType === 'unhealthy_instance_kill_event' && ev.appId === '/never-healthy').length,
    ).toBeGreaterThan(0);
    const d = (await e.api('GET', '/v2/deployments')).body[0];
    await e.api('DELETE', `/v2/deployments/${d.id}`);
    await e.settle();
  }, 30_000);
});
