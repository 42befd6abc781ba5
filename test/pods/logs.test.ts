import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from '../../bin/testing.js';
import { EXIT } from '../../core/index.js';
import { ROOT, batonAsync } from '../helpers/cli.js';
import { until } from '../helpers/engine.js';

/** `baton logs` of a pod: every instance's containers, or one container, each line saying whose it is. */
describe('baton logs for pods', () => {
  let t: TestRunner;
  beforeAll(async () => {
    process.env.BATON_DNS ??= '127.0.3.1:0';
    t = await createTestRunner();
  });
  afterAll(async () => t?.close());
  const logs = (args: string[]) => batonAsync(['logs', ...args], { env: { BATON_STATE_DIR: t.stateDir } });

  it('a pod id gives each instance × container, prefixed; --container one of them; an instance id its own', async () => {
    const recipe = JSON.parse(readFileSync(path.join(ROOT, 'recipes/pod/baton.config.json'), 'utf8'));
    const r = await t.deploy(recipe);
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    const instances = [...t.engine.state.instances.values()]
      .filter((i) => i.appId === '/web-with-sidecar')
      .map((i) => i.instanceId);
    expect(instances).toHaveLength(2);
    const short = (id: string) => id.split('.instance-')[1].slice(0, 8);
    // The sidecar logs once it reached web on localhost; both instances' sidecars, each line tagged.
    const all = await until(
      async () => {
        const out = (await logs(['/web-with-sidecar'])).stdout;
        return instances.every((i) => out.includes(`${short(i)} sidecar | sidecar: web answered on localhost`))
          ? out
          : undefined;
      },
      30_000,
      "both sidecars' lines",
    );
    expect(
      all
        .split('\n')
        .filter(Boolean)
        .every((l) => /^[0-9a-f]{8} (web|sidecar) \| /.test(l)),
    ).toBe(true);

    const one = await logs(['/web-with-sidecar', '--container', 'sidecar']);
    expect(one.code, one.stderr).toBe(EXIT.OK);
    expect(
      one.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => / sidecar \| /.test(l)),
    ).toBe(true);

    const own = await logs([instances[0], '-c', 'sidecar']);
    expect(own.code, own.stderr).toBe(EXIT.OK);
    expect(own.stdout).toMatch(/^sidecar: web answered on localhost/m);

    const none = await logs(['/web-with-sidecar', '-c', 'nope']);
    expect(none.code).toBe(EXIT.INVALID_INPUT);
    expect(none.stderr).toContain('no tasks for /web-with-sidecar with a container nope');
  }, 120_000);
});
