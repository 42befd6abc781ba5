import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { ROOT, batonAsync, events } from '../helpers/cli.js';
import { serverCmd, until } from '../helpers/engine.js';

/**
 * One pipeline, two targets: the embedded engine is just another Marathon URL. The CLI deploys to
 * it as to a real Marathon (kind "marathon", BATON_MARATHON_URL), through the same client.
 */
describe('the Marathon target, against the embedded engine over HTTP', () => {
  let t: TestRunner;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-target-'));
  const recipe = (release: string) => {
    const f = path.join(dir, `v${release}.json`);
    writeFileSync(
      f,
      JSON.stringify({
        name: 'remote',
        apps: [
          {
            id: '/remote',
            cmd: serverCmd(),
            cpus: 0.02,
            mem: 32,
            instances: 2,
            env: { RELEASE: release },
            portDefinitions: [{ port: 0 }],
          },
        ],
      }),
    );
    return f;
  };
  const cli = (args: string[]) =>
    batonAsync(args, { env: { BATON_MARATHON_URL: t.url, BATON_STATE_DIR: path.join(dir, 'no-engine') } });
  beforeAll(async () => {
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());

  it('deploy, scale, a second version, rollback and destroy go through the Marathon client', async () => {
    const d = await cli(['deploy', '--json', recipe('1')]);
    expect(d.code, d.stderr).toBe(0);
    expect(events(d.stdout).find((e) => e.type === 'plan')?.plan.target).toMatch(
      /^Marathon at http:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(t.engine.state.apps.get('/remote')?.app.instances).toBe(2);

    const s = await cli(['scale', '/remote', '3']);
    expect(s.code, s.stderr).toBe(0);
    await until(
      () =>
        [...t.engine.state.instances.values()].filter((i) => i.appId === '/remote' && i.condition === 'Running')
          .length === 3,
      20_000,
      'three running',
    );

    expect((await cli(['deploy', recipe('2')])).code).toBe(0);
    expect(t.engine.state.apps.get('/remote')?.app.env.RELEASE).toBe('2');
    const r = await cli(['rollback', '/remote']);
    expect(r.code, r.stderr).toBe(0);
    expect(t.engine.state.apps.get('/remote')?.app.env.RELEASE).not.toBe('2');

    const x = await cli(['destroy', '/remote']);
    expect(x.code, x.stderr).toBe(0);
    await until(() => !t.engine.state.apps.has('/remote'), 20_000, 'the app removed');
  }, 120_000);

  it('the pod and group recipes deploy through the client too (PUT /v2/pods, group apps in dependency order); status and destroy see them', async () => {
    const pod = path.join(ROOT, 'recipes/pod');
    const group = path.join(ROOT, 'recipes/app-group');
    const p = await cli(['deploy', pod]);
    expect(p.code, p.stderr).toBe(0);
    const podIds = () => [...t.engine.state.apps].filter(([, a]) => a.pod).map(([id]) => id);
    const [podId] = podIds();
    expect(podId).toBeDefined();
    const g = await cli(['deploy', '--json', group]);
    expect(g.code, g.stderr).toBe(0);
    const apps = [...t.engine.state.apps]
      .filter(([id, a]) => id.startsWith('/shop/') && !a.pod)
      .map(([id]) => id)
      .sort();
    expect(apps).toEqual(['/shop/api/orders', '/shop/db/store', '/shop/web/frontend']);
    // Group dependencies became app dependencies: the API came up after the store, the frontend after the API.
    const started = (id: string) =>
      Math.min(
        ...[...t.engine.state.instances.values()]
          .filter((i) => i.appId === id)
          .map((i) => Date.parse(i.startedAt ?? '') || Infinity),
      );
    expect(started('/shop/db/store')).toBeLessThan(started('/shop/api/orders'));
    expect(started('/shop/api/orders')).toBeLessThan(started('/shop/web/frontend'));

    const st = await cli(['status', '--json']);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toContain(podId);
    expect((await cli(['destroy', pod])).code).toBe(0);
    expect((await cli(['destroy', group])).code).toBe(0);
    await until(
      () => podIds().length === 0 && ![...t.engine.state.apps.keys()].some((id) => id.startsWith('/shop/')),
      30_000,
      'pod and group removed',
    );
  }, 180_000);

  it('credentials in the target URL are sent, never printed', async () => {
    const stateDir = path.join(dir, 'tok');
    const d = await batonAsync(['deploy', recipe('3')], {
      env: { BATON_MARATHON_URL: t.url.replace('http://', 'http://ops:hunter2secret@'), BATON_STATE_DIR: stateDir },
    });
    // The engine has no token set: basic credentials are ignored and the deploy goes through; they are never shown.
    expect(d.stdout + d.stderr).not.toContain('hunter2secret');
    expect(d.code).toBe(0);
  }, 60_000);
});
