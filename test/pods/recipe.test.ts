import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { ROOT } from '../helpers/cli.js';

const recipe = () =>
  JSON.parse(readFileSync(path.join(ROOT, 'recipes/pod/baton.config.json'), 'utf8')) as {
    name: string;
    pods: Record<string, unknown>[];
  };

/** recipes/pod through the pipeline with the default plugins: plan, deploy (blocking until stable), scale, remove. */
describe('pods through the pipeline', { timeout: 90_000 }, () => {
  let t: TestRunner;
  beforeAll(async () => {
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());

  it('plans, deploys until every instance is stable, scales and removes recipes/pod', async () => {
    const plan = await t.plan(recipe());
    expect(plan.ctx.plan?.changes).toEqual([
      expect.objectContaining({ kind: 'create', type: 'pod', id: '/web-with-sidecar', to: 2 }),
    ]);
    const res = await t.deploy(recipe());
    expect(res.exitCode, res.error?.message).toBe(EXIT.OK);
    // `deploy` returned when the deployment ended: both instances run with both containers healthy.
    const status = (await t.api('GET', '/v2/pods/web-with-sidecar::status')).body as {
      status: string;
      instances: { status: string }[];
    };
    expect(status.status).toBe('STABLE');
    expect(status.instances.map((i) => i.status)).toEqual(['STABLE', 'STABLE']);
    expect(((await t.api('GET', '/v2/pods/::status')).body as { id: string }[]).map((p) => p.id)).toEqual([
      '/web-with-sidecar',
    ]);
    // Deployed again unchanged: nothing to do.
    expect((await t.plan(recipe())).ctx.plan?.changes).toEqual([
      expect.objectContaining({ kind: 'unchanged', type: 'pod' }),
    ]);
    const scaled = recipe();
    (scaled.pods[0].scaling as { instances: number }).instances = 1;
    expect((await t.plan(scaled)).ctx.plan?.changes).toEqual([
      expect.objectContaining({ kind: 'scale', type: 'pod', from: 2, to: 1 }),
    ]);
    expect((await t.deploy(scaled)).exitCode).toBe(EXIT.OK);
    expect(
      ((await t.api('GET', '/v2/pods/web-with-sidecar::status')).body as { instances: unknown[] }).instances,
    ).toHaveLength(1);
    // A recipe that no longer holds the pod removes it.
    const res2 = await t.deploy({ name: recipe().name, apps: [] });
    expect(res2.exitCode, res2.error?.message).toBe(EXIT.OK);
    expect((await t.api('GET', '/v2/pods')).body).toEqual([]);
  });
});
