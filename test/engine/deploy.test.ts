import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hit, serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

describe('embedded engine: deploy and reach every instance', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  /** Each case deploys an app of its own (cases stand alone, in any order). */
  const deploy = async (id: string) => {
    const r = await e.api('POST', '/v2/apps', {
      id,
      cmd: serverCmd(),
      instances: 3,
      cpus: 0.1,
      mem: 64,
      portDefinitions: [{ port: 0, name: 'http' }],
      labels: { team: 'blue', 'com.example/tier': 'front' },
      env: { GREETING: 'hi' },
    });
    await e.settle();
    return r;
  };

  it('POST /v2/apps starts 3 real processes, each answering on its agent address and port', async () => {
    const r = await deploy('/web');
    expect(r.status).toBe(201);
    expect(r.headers.get('marathon-deployment-id')).toBe(r.body.deployments[0].id);
    expect(r.headers.get('location')).toBe('/v2/apps/web');
    const { body } = await e.api('GET', '/v2/apps/web/tasks');
    expect(body.tasks).toHaveLength(3);
    // Spread over the three private agents, each on its own loopback address and port range.
    expect(new Set(body.tasks.map((t: { host: string }) => t.host))).toEqual(
      new Set(['127.0.1.1', '127.0.1.2', '127.0.1.3']),
    );
    for (const t of body.tasks) {
      expect(t.state).toBe('TASK_RUNNING');
      const answer = await until(() => hit(t.host, t.ports[0]).catch(() => ''), 10_000, `${t.id} to answer`);
      expect(answer).toBe(`ok ${t.id} ${t.version}\n`);
    }
  });

  it('gives tasks the environment of marathon-semantics.md §8', async () => {
    await deploy('/env/web');
    const { body } = await e.api('GET', '/v2/apps/env/web');
    const app = body.app;
    const t = app.tasks[0];
    const env = JSON.parse(await hit(t.host, t.ports[0], '/env'));
    expect(env).toMatchObject({
      HOST: t.host,
      PORT0: String(t.ports[0]),
      PORT: String(t.ports[0]),
      PORTS: String(t.ports[0]),
      [`PORT_${app.portDefinitions[0].port}`]: String(t.ports[0]),
      PORT_HTTP: String(t.ports[0]),
      MESOS_TASK_ID: t.id,
      MARATHON_APP_ID: '/env/web',
      MARATHON_APP_VERSION: app.version,
      MARATHON_APP_RESOURCE_CPUS: '0.1',
      MARATHON_APP_RESOURCE_MEM: '64.0',
      MARATHON_APP_RESOURCE_DISK: '0.0',
      MARATHON_APP_RESOURCE_GPUS: '0',
      MARATHON_APP_LABELS: 'TEAM COM_EXAMPLE_TIER',
      MARATHON_APP_LABEL_TEAM: 'blue',
      MARATHON_APP_LABEL_COM_EXAMPLE_TIER: 'front',
      GREETING: 'hi',
    });
    expect(env.MESOS_SANDBOX).toContain(t.id);
    // A service port from 10000-20000 was assigned and written back into the definition.
    expect(app.portDefinitions[0].port).toBeGreaterThanOrEqual(10000);
    expect(t.servicePorts).toEqual([app.portDefinitions[0].port]);
  });

  it('an identical PUT is a no-op, a label change restarts every task (marathon-semantics.md §4.2)', async () => {
    await deploy('/put/web');
    const before = (await e.api('GET', '/v2/apps/put/web')).body.app;
    const same = await e.api('PUT', '/v2/apps/put/web', { cmd: before.cmd, instances: 3 });
    expect(same.status).toBe(200);
    await e.settle();
    const after = (await e.api('GET', '/v2/apps/put/web')).body.app;
    expect(after.version).toBe(before.version);
    expect(after.tasks.map((t: { id: string }) => t.id).sort()).toEqual(
      before.tasks.map((t: { id: string }) => t.id).sort(),
    );

    await e.api('PATCH', '/v2/apps/put/web', { labels: { team: 'green' } });
    await e.settle();
    const relabeled = (await e.api('GET', '/v2/apps/put/web')).body.app;
    expect(relabeled.versionInfo.lastConfigChangeAt).toBe(relabeled.version);
    expect(relabeled.tasks).toHaveLength(3);
    for (const t of relabeled.tasks) expect(before.tasks.map((x: { id: string }) => x.id)).not.toContain(t.id);
  });
});
