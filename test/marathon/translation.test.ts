import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { Issues, Runner, normalizeApp, normalizePod, owned } from '../../core/index.js';
import { toRecipeShape } from '../../core/internal.js';
import { appFromMarathon, forMarathon, podFromMarathon } from '../../plugins/marathon/translate.js';
import { dataFiles, marathonData, needsMarathonData, readData as read } from '../helpers/marathon-data.js';
import { RamlTypes } from '../helpers/raml.js';

const apps = [
  ...dataFiles('examples-system-tests/apps'),
  'examples-articles/app-simple.json',
  'examples/app-check-http-example.json',
  'examples/apps_create.json',
];

/**
 * Marathon's own JSON schema for apps (draft 4 style; ajv without strict mode reads it). It predates
 * 1.10's RAML types in one place: the app-level Mesos `check` (app.raml), added here.
 */
function appSchema() {
  const { $schema: _, ...schema } = read('json-schema/AppDefinition.json');
  schema.properties.check = { type: 'object' };
  return schema;
}
const compile = (schema: object): ValidateFunction =>
  new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

/**
 * What Baton sends Marathon for an app is the normalised definition with its ownership label: it
 * must be valid under Marathon's own schema, and reading it back must give the same definition.
 */
describe("the JSON Baton sends Marathon: Marathon's schema, and a round trip", () => {
  if (!needsMarathonData()) return;
  const check = compile(appSchema());
  for (const file of apps) {
    const raw = read(file);
    for (const [k, app] of (Array.isArray(raw) ? raw : [raw]).entries()) {
      it(`${file}${Array.isArray(raw) ? ` #${k}` : ''}`, async () => {
        // As `deploy` sends it: validated (its unknown-field findings), normalised, owned, translated.
        const runner = new Runner();
        const { recipe } = toRecipeShape(app);
        const { ctx } = await runner.run({
          command: 'validate',
          until: 'validate',
          dryRun: true,
          raw: recipe,
          defaultName: 'translation',
          options: { strict: false }, // Marathon's examples: exported from several versions
        });
        const [{ spec, path: at }] = ctx.recipe.apps;
        const sent = JSON.parse(JSON.stringify(owned(forMarathon(spec, at, ctx.issues.list), { name: 'translation' })));
        expect(check(sent) ? [] : check.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
        const back = normalizeApp(sent, new Issues(), '/');
        expect(back).toEqual(JSON.parse(JSON.stringify(sent)));
      });
    }
  }

  it('examples/app.json, which Marathon itself would refuse, is refused with the JSON path and rule of each reason', async () => {
    const { ctx } = await new Runner().run({
      command: 'validate',
      until: 'validate',
      dryRun: true,
      raw: toRecipeShape(read('examples/app.json')).recipe,
      defaultName: 'translation',
      options: {},
    });
    expect(ctx.issues.list.filter((i) => i.severity === 'error').map((i) => [i.path, i.rule])).toEqual([
      ['/apps/0/cmd', 'app.cmd-args-container'],
      ['/apps/0/networks/0/name', 'app.networks.container-name'],
      ['/apps/0/env/PASSWORD/secret', 'app.env.secret-ref'],
      ['/apps/0/acceptedResourceRoles/0', 'app.accepted-roles'],
    ]);
  });

  it('apps as GET /v2/apps returns them (examples/app_list.json) read back to definitions that are valid to send again', () => {
    const { apps: listed } = read('examples/app_list.json') as { apps: Record<string, unknown>[] };
    expect(listed.length).toBeGreaterThan(0);
    for (const a of listed) {
      const def = JSON.parse(JSON.stringify(appFromMarathon(a)));
      expect(def).not.toHaveProperty('tasksRunning');
      expect(def).not.toHaveProperty('version');
      expect(check(def) ? [] : check.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
      expect(appFromMarathon(def)).toEqual(def);
    }
  });
});

const ajvErrors = (v: { errors?: { instancePath: string; message?: string }[] | null }) =>
  (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
const validated = async (doc: unknown) =>
  (
    await new Runner().run({
      command: 'validate',
      until: 'validate',
      dryRun: true,
      raw: toRecipeShape(doc).recipe,
      defaultName: 'translation',
      options: { strict: false }, // Marathon's examples: exported from several versions
    })
  ).ctx;

/**
 * Pods have no JSON schema in Marathon, only RAML types (pod.raml and the libraries it uses), read
 * here by test/helpers/raml.ts. What `deploy` PUTs to /v2/pods/{id} must be a `Pod` under them.
 */
describe("the pods Baton sends Marathon: Marathon's RAML types, and a round trip", () => {
  if (!needsMarathonData()) return;
  const pod = new RamlTypes(path.join(marathonData!, 'raml-types')).validator('pod.raml', 'Pod');
  const pods = ['examples/pod.json', ...dataFiles('examples-system-tests/pods')];
  // Marathon's own fixtures that its RAML types refuse, and what Baton says about them instead of sending them.
  const refused: Record<string, string[]> = {
    'examples/pod.json': ['pod.health.timeout'], // timeoutSeconds 2 ≥ intervalSeconds 1 (marathon-semantics.md §3.1)
    'examples-system-tests/pods/test-pod.json': ['schema.pattern', 'schema.enum'], // container name "healthApp1", image kind "docker"
  };
  for (const file of pods) {
    it(file, async () => {
      const ctx = await validated(read(file));
      const errors = ctx.issues.list.filter((i) => i.severity === 'error');
      if (refused[file]) {
        expect([...new Set(errors.map((e) => e.rule))].sort()).toEqual([...refused[file]].sort());
        return;
      }
      expect(errors).toEqual([]);
      const [{ spec, path: at }] = ctx.recipe.pods;
      const sent = JSON.parse(JSON.stringify(owned(forMarathon(spec, at, ctx.issues.list), { name: 'translation' })));
      expect(pod(sent) ? [] : ajvErrors(pod)).toEqual([]);
      expect(normalizePod(sent)).toEqual(sent);
      // Read back as GET /v2/pods returns it (with its version): the same definition.
      expect(podFromMarathon({ ...sent, version: '2026-11-21T00:00:00.000Z' })).toEqual(sent);
    });
  }

  it('the RAML reading is strict where the types are: empty containers, a string cpus, a bad container name fail', () => {
    const ok = {
      id: '/p',
      containers: [{ name: 'web', resources: { cpus: 0.1, mem: 32 }, exec: { command: { shell: 'sleep 1' } } }],
    };
    expect(pod(ok) ? [] : ajvErrors(pod)).toEqual([]);
    expect(pod({ ...ok, containers: [] })).toBe(false);
    expect(pod({ ...ok, containers: [{ ...ok.containers[0], resources: { cpus: 'x', mem: 32 } }] })).toBe(false);
    expect(ajvErrors(pod)).toContain('/containers/0/resources/cpus must be number');
    expect(pod({ ...ok, containers: [{ ...ok.containers[0], name: 'Web_1' }] })).toBe(false);
    expect(pod({ ...ok, scaling: { kind: 'fixed', instances: -1 } })).toBe(false);
  });
});

/**
 * Groups reach Marathon as their apps (PUT /v2/apps, group fields applied), so the group examples
 * must be valid groups under Marathon's Group schema, and every app Baton derives from them valid
 * under its AppDefinition schema, reading back the same.
 */
describe("groups: Marathon's Group schema, and the apps Baton sends for them", () => {
  if (!needsMarathonData()) return;
  const schema = appSchema();
  const check = compile(schema);
  // Draft-4 `id` becomes `$id`, so that its `./AppDefinition.json` resolves to the app schema above.
  const { $schema: _g, id: _id, ...groupSchema } = read('json-schema/Group.json');
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...schema, $id: 'https://marathon.schema/AppDefinition.json' });
  const group = ajv.compile({ ...groupSchema, $id: 'https://marathon.schema/Group.json' });
  for (const file of ['examples/group.json', 'examples-system-tests/groups/sleep-group.json']) {
    it(file, async () => {
      const raw = read(file);
      expect(group(raw) ? [] : ajvErrors(group)).toEqual([]);
      const ctx = await validated(raw);
      expect(ctx.issues.list.filter((i) => i.severity === 'error')).toEqual([]);
      expect(ctx.recipe.apps.length).toBeGreaterThan(0);
      for (const { spec, path: at } of ctx.recipe.apps) {
        const sent = JSON.parse(JSON.stringify(owned(forMarathon(spec, at, ctx.issues.list), { name: 'translation' })));
        expect(check(sent) ? [] : ajvErrors(check)).toEqual([]);
        expect(normalizeApp(sent, new Issues(), '/')).toEqual(sent);
      }
    });
  }
});
