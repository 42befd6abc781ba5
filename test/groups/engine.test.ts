import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

/** /v2/groups on a real engine (marathon-semantics.md §4.3, §7): dependency layers, replace semantics, scaleBy, rollback. */
describe('app groups on the embedded engine', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine();
  });
  afterAll(async () => e.destroy());

  const hc = [
    {
      protocol: 'HTTP',
      path: '/health',
      gracePeriodSeconds: 5,
      intervalSeconds: 1,
      timeoutSeconds: 1,
      maxConsecutiveFailures: 3,
    },
  ];
  const svc = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    cmd: `sleep 0.5; ${serverCmd()}`,
    cpus: 0.02,
    mem: 32,
    instances: 1,
    healthChecks: hc,
    ...extra,
  });
  const shop = {
    id: '/shop',
    groups: [
      { id: 'db', apps: [svc('pg')] },
      { id: 'api', dependencies: ['/shop/db'], apps: [svc('svc')] },
      { id: 'web', dependencies: ['../api'], apps: [svc('ui')] },
    ],
  };
  const appIds = async (g = '/shop') => {
    const collect = (grp: { apps: { id: string }[]; groups: unknown[] }): string[] => [
      ...grp.apps.map((a) => a.id),
      ...(grp.groups as (typeof grp)[]).flatMap(collect),
    ];
    return collect((await e.api('GET', `/v2/groups${g}`)).body).sort();
  };
  let v1 = '';

  it('dry run shows the layers; the deployment follows them, each layer healthy before the next starts', async () => {
    const dry = await e.api('POST', '/v2/groups?dryRun=true', shop);
    expect(dry.body.steps).toEqual([
      {
        actions: [
          { action: 'StartApplication', app: '/shop/db/pg' },
          { action: 'StartApplication', app: '/shop/api/svc' },
          { action: 'StartApplication', app: '/shop/web/ui' },
        ],
      },
      { actions: [{ action: 'ScaleApplication', app: '/shop/db/pg' }] },
      { actions: [{ action: 'ScaleApplication', app: '/shop/api/svc' }] },
      { actions: [{ action: 'ScaleApplication', app: '/shop/web/ui' }] },
    ]);
    expect(e.engine.state.apps.size).toBe(0);
    const r = await e.api('POST', '/v2/groups', shop);
    expect(r.status).toBe(201);
    v1 = r.body.version;
    await e.settle(30_000);
    const staged = (app: string) =>
      Date.parse(
        e.events.find(
          (ev) => ev.eventType === 'status_update_event' && ev.appId === app && ev.taskStatus === 'TASK_STAGING',
        )!.timestamp,
      );
    const healthy = (app: string) =>
      Date.parse(
        e.events.find((ev) => ev.eventType === 'health_status_changed_event' && ev.appId === app && ev.alive)!
          .timestamp,
      );
    expect(staged('/shop/api/svc')).toBeGreaterThanOrEqual(healthy('/shop/db/pg'));
    expect(staged('/shop/web/ui')).toBeGreaterThanOrEqual(healthy('/shop/api/svc'));
    expect((await e.api('POST', '/v2/groups', shop)).status).toBe(409);
  }, 40_000);

  it('GET shows the tree with dependencies; versions list the changes', async () => {
    const g = (await e.api('GET', '/v2/groups/shop?embed=group.groups&embed=group.apps&embed=group.apps.tasks')).body;
    expect(g.groups.map((x: { id: string; dependencies: string[] }) => [x.id, x.dependencies])).toEqual([
      ['/shop/api', ['/shop/db']],
      ['/shop/db', []],
      ['/shop/web', ['/shop/api']],
    ]);
    expect(g.groups[0].apps[0].tasks).toHaveLength(1);
    expect((await e.api('GET', '/v2/groups/shop/versions')).body).toContain(v1);
    expect((await e.api('GET', '/v2/groups/nope')).status).toBe(404);
  });

  it('a change that makes the dependencies cyclic is rejected, naming the cycle', async () => {
    const r = await e.api('PUT', '/v2/groups/shop/db', { dependencies: ['/shop/web'] });
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(/cyclic dependencies: .*\/shop\/db\/pg → .*\/shop\/web\/ui/);
    expect(e.engine.state.groups.get('/shop/db')?.dependencies).toEqual([]);
  });

  it('scaleBy scales every app below the group', async () => {
    await e.api('PUT', '/v2/groups/shop', { scaleBy: 2 });
    await e.settle(30_000);
    expect([...e.engine.state.apps.values()].map((s) => s.app.instances)).toEqual([2, 2, 2]);
  }, 40_000);

  it("PUT with apps replaces the group's app set; rollback by version restores it", async () => {
    await e.api('PUT', '/v2/groups/shop/web', { apps: [svc('ui2')] });
    await e.settle(30_000);
    expect(await appIds()).toEqual(['/shop/api/svc', '/shop/db/pg', '/shop/web/ui2']);
    const r = await e.api('PUT', '/v2/groups/shop', { version: v1 });
    expect(r.status).toBe(200);
    await e.settle(30_000);
    expect(await appIds()).toEqual(['/shop/api/svc', '/shop/db/pg', '/shop/web/ui']);
    expect(e.engine.state.apps.get('/shop/db/pg')?.app.instances).toBe(1);
  }, 60_000);

  it('DELETE stops everything below the group', async () => {
    await e.api('DELETE', '/v2/groups/shop');
    await e.settle(30_000);
    await until(() => e.engine.state.instances.size === 0, 15_000, 'every task gone');
    expect((await e.api('GET', '/v2/groups/shop')).status).toBe(404);
  }, 40_000);
});
