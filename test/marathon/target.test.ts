import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { batonAsync, events } from '../helpers/cli.js';
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
    writeFileSync(f, JSON.stringify({ name: 'remote', apps: [{ id: '/remote', cmd: serverCmd(), cpus: 0.02, mem: 32, instances: 2, env: { RELEASE: release }, portDefinitions: [{ port: 0 }] }] }));
    return f;
  };
  const cli = (args: string[]) => batonAsync(args, { env: { BATON_MARATHON_URL: t.url, BATON_STATE_DIR: path.join(dir, 'no-engine') } });
  beforeAll(async () => {
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());

  it('deploy, scale, a second version, rollback and destroy go through the Marathon client', async () => {
    const d = await cli(['deploy', '--json', recipe('1')]);
    expect(d.code, d.stderr).toBe(0);
    expect(events(d.stdout).find((e) => e.type === 'plan')?.plan.target).toMatch(/^Marathon at http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.engine.apps.get('/remote')?.app.instances).toBe(2);

    const s = await cli(['scale', '/remote', '3']);
    expect(s.code, s.stderr).toBe(0);
    await until(() => [...t.engine.instances.values()].filter((i) => i.appId === '/remote' && i.condition === 'Running').length === 3, 20_000, 'three running');

    expect((await cli(['deploy', recipe('2')])).code).toBe(0);
    expect(t.engine.apps.get('/remote')?.app.env.RELEASE).toBe('2');
    const r = await cli(['rollback', '/remote']);
    expect(r.code, r.stderr).toBe(0);
    expect(t.engine.apps.get('/remote')?.app.env.RELEASE).not.toBe('2');

    const x = await cli(['destroy', '/remote']);
    expect(x.code, x.stderr).toBe(0);
    await until(() => !t.engine.apps.has('/remote'), 20_000, 'the app removed');
  }, 120_000);

  it('credentials in the target URL are sent, never printed', async () => {
    const stateDir = path.join(dir, 'tok');
    const d = await batonAsync(['deploy', recipe('3')], { env: { BATON_MARATHON_URL: t.url.replace('http://', 'http://ops:hunter2secret@'), BATON_STATE_DIR: stateDir } });
    // The engine has no token set: basic credentials are ignored and the deploy goes through; they are never shown.
    expect(d.stdout + d.stderr).not.toContain('hunter2secret');
    expect(d.code).toBe(0);
  }, 60_000);
});
