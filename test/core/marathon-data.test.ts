import { describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { dataFiles as dir, needsMarathonData, readData as read } from '../helpers/marathon-data.js';
import { brief, validate } from '../helpers/validate.js';

// Full definitions Marathon accepts. (app_patch.json and apps_patch.json are PATCH bodies, not
// definitions; examples/app.json sets both cmd and args and is invalid — marathon-semantics.md §1.2.)
const INVALID_POD_EXAMPLES = ['examples-system-tests/pods/test-pod.json'];
const VALID = [
  ...dir('examples-system-tests/apps'),
  ...dir('examples-system-tests/pods').filter((f) => !INVALID_POD_EXAMPLES.includes(f)),
  ...dir('examples-system-tests/groups'),
  'examples-articles/app-simple.json',
  'examples/app-check-http-example.json',
  'examples/apps_create.json',
  'examples/group.json',
];

describe("Marathon's own example definitions ($BATON_MARATHON_DATA)", () => {
  if (!needsMarathonData()) return;
  // Marathon's own examples come from several Marathon versions and carry fields 1.10 does not know
  // (docker.forcePull, image.force, …): the opt-out for exported definitions is what accepts them.
  for (const file of VALID) {
    it(`accepts ${file} (unknown fields as warnings: "strict": false)`, async () => {
      const r = await validate(read(file), { strict: false });
      expect(brief(r.errors)).toEqual([]);
      expect(r.code).toBe(EXIT.OK);
    });
  }

  it('rejects examples/app.json for setting both cmd and args, as Marathon does', async () => {
    const r = await validate(read('examples/app.json'));
    expect(brief(r.errors)).toContain('/apps/0/cmd app.cmd-args-container');
    expect(r.code).toBe(EXIT.INVALID_INPUT);
  });

  it('rejects test-pod.json: container names must match the RAML Name pattern and image kind is DOCKER', async () => {
    const r = await validate(read('examples-system-tests/pods/test-pod.json'));
    expect(brief(r.errors)).toEqual(
      expect.arrayContaining([
        '/pods/0/containers/0/name schema.pattern',
        '/pods/0/containers/0/image/kind schema.enum',
      ]),
    );
  });

  it('rejects examples/pod.json: a pod health check timeout must be less than its interval (marathon-semantics.md §3.1)', async () => {
    const r = await validate(read('examples/pod.json'));
    expect(brief(r.errors)).toEqual(['/pods/0/containers/0/healthCheck/timeoutSeconds pod.health.timeout']);
  });

  it('reports (does not silently drop) fields Marathon ignores, e.g. docker.requirePorts: an error by default', async () => {
    const r = await validate(read('examples-system-tests/apps/pinger-bridge-app.json'));
    expect(brief(r.errors)).toContain('/apps/0/container/docker/requirePorts schema.unknown-field');
    const lenient = await validate(read('examples-system-tests/apps/pinger-bridge-app.json'), { strict: false });
    expect(brief(lenient.warnings)).toContain('/apps/0/container/docker/requirePorts schema.unknown-field');
    expect(lenient.errors).toEqual([]);
  });

  it('accepts what GET /v2/apps returns (read-only fields) so exported apps round-trip', async () => {
    const list = read('examples/app_list.json');
    const r = await validate({ apps: list.apps });
    expect(brief(r.errors)).toEqual([]);
  });
});
