import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { batonAsync, events, ROOT } from '../helpers/cli.js';
import { until } from '../helpers/engine.js';
import { brief } from '../helpers/validate.js';

const recipe = () =>
  JSON.parse(readFileSync(path.join(ROOT, 'recipes/persistent-date/baton.config.json'), 'utf8')) as {
    apps: Record<string, unknown>[];
  };

/** recipes/persistent-date through the whole pipeline with the default plugins, and the rules only a live app can break. */
describe('persistent volumes through the pipeline', () => {
  let t: TestRunner;
  beforeAll(async () => {
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());

  it('recipes/persistent-date: relaunched on the same agent, it prints the same date', async () => {
    const r = recipe();
    // The course's task exits after 30 s; 1 s here so that the test sees two incarnations.
    r.apps[0].cmd = String(r.apps[0].cmd).replace('sleep 30', 'sleep 1');
    r.apps[0].backoffFactor = 1;
    const res = await t.deploy(r);
    expect(res.exitCode, res.error?.message).toBe(EXIT.OK);
    const id = '/persistent-date';
    const inst = await until(
      () => [...t.engine.state.instances.values()].find((i) => i.appId === id && i.incarnation >= 3),
      30_000,
      'three incarnations',
    );
    const sandboxes = path.dirname(inst.sandbox!);
    const out = (n: number) =>
      readFileSync(path.join(sandboxes, `${inst.instanceId}._app.${n}`, 'stdout'), 'utf8').trim();
    const [a, b] = [out(1), out(2)];
    expect(a).toMatch(/\._app\.1 on 127\.\d+\.\d+\.\d+: \S+/);
    // Same agent address, same date; only the task id differs.
    expect(b.replace('._app.2', '._app.1')).toBe(a);
    // `baton status` / engine status get the reservation from the persistence plugin.
    const status = t.engine.extensions.get('volumes')!();
    expect(status.perApp).toEqual({
      [id]: [expect.stringMatching(/^volumes on agent-private-\d \(in use, 100 MiB\): data = persistent-date#data#/)],
    });
  });

  it('a change the reservation cannot follow is refused before anything is applied (exit 2, JSON path and rule)', async () => {
    const r = recipe();
    r.apps[0].cmd = String(r.apps[0].cmd).replace('sleep 30', 'sleep 1');
    r.apps[0].backoffFactor = 1;
    r.apps[0].mem = 64;
    const before = t.engine.state.apps.get('/persistent-date')!.version;
    const res = await t.deploy(r);
    expect(res.exitCode).toBe(EXIT.INVALID_INPUT);
    const issues = (res.error?.data as { issues: Parameters<typeof brief>[0] }).issues;
    expect(brief(issues)).toEqual(['/apps/0/mem app.resident.change']);
    expect(t.engine.state.apps.get('/persistent-date')!.version).toBe(before);
  });

  it('without the persistence (health, constraints, mesos) plugin the engine refuses what needs it, at validation (the CLI, plugins switched off in the recipe)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-pv-recipe-'));
    try {
      writeFileSync(
        path.join(dir, 'baton.config.json'),
        JSON.stringify({ ...recipe(), plugins: { persistence: false } }),
      );
      const r = await batonAsync(['validate', dir, '--json']);
      expect(r.code, r.stderr).toBe(EXIT.INVALID_INPUT);
      expect(
        events(r.stdout)
          .filter((x) => x.type === 'issue')
          .map((x) => `${x.path} ${x.rule}`),
      ).toEqual(['/apps/0/container/volumes engine.persistence-unsupported']);
      // The same for the other capabilities the engine only has through a plugin.
      const app = {
        ...recipe().apps[0],
        container: undefined,
        constraints: [['hostname', 'UNIQUE']],
        healthChecks: [{ protocol: 'TCP' }],
      };
      writeFileSync(
        path.join(dir, 'baton.config.json'),
        JSON.stringify({ name: 'x', apps: [app], plugins: { health: false, constraints: false, mesos: false } }),
      );
      const r2 = await batonAsync(['validate', dir, '--json']);
      expect(r2.code, r2.stderr).toBe(EXIT.INVALID_INPUT);
      expect(
        events(r2.stdout)
          .filter((x) => x.type === 'issue')
          .map((x) => `${x.path} ${x.rule}`)
          .sort(),
      ).toEqual([
        '/apps/0/constraints engine.constraints-unsupported',
        '/apps/0/container engine.no-runtime',
        '/apps/0/healthChecks engine.health-unsupported',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
