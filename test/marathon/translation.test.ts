import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { Issues, Runner, normalizeApp, ownedApp, toRecipeShape, type Recipe } from '../../core/index.js';
import { forMarathon } from '../../plugins/marathon/translate.js';
import { ROOT } from '../helpers/cli.js';

const DATA = path.resolve(ROOT, '../shared/reference/marathon-data');
const read = (f: string) => JSON.parse(readFileSync(path.join(DATA, f), 'utf8'));
const apps = [
  ...readdirSync(path.join(DATA, 'examples-system-tests/apps')).filter((f) => f.endsWith('.json')).map((f) => `examples-system-tests/apps/${f}`),
  'examples-articles/app-simple.json', 'examples/app-check-http-example.json',
];

/**
 * Marathon's own JSON schema for apps (draft 4 style; ajv without strict mode reads it). It predates
 * 1.10's RAML types in one place: the app-level Mesos `check` (app.raml), added here.
 */
const { $schema: _, ...schema } = read('json-schema/AppDefinition.json');
schema.properties.check = { type: 'object' };
const check = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

/**
 * What Baton sends Marathon for an app is the normalised definition with its ownership label: it
 * must be valid under Marathon's own schema, and reading it back must give the same definition.
 */
describe("the JSON Baton sends Marathon: Marathon's schema, and a round trip", () => {
  for (const file of apps) {
    const raw = read(file);
    for (const [k, app] of (Array.isArray(raw) ? raw : [raw]).entries()) {
      it(`${file}${Array.isArray(raw) ? ` #${k}` : ''}`, async () => {
        // As `deploy` sends it: validated (its unknown-field findings), normalised, owned, translated.
        const runner = new Runner();
        const { recipe } = toRecipeShape(app);
        const { ctx } = await runner.run({ command: 'validate', until: 'validate', dryRun: true, raw: recipe, defaultName: 'translation', options: {} });
        const [{ spec, path: at }] = ctx.recipe.apps;
        const sent = JSON.parse(JSON.stringify(ownedApp(forMarathon(spec, at, ctx.issues.list), { name: 'translation' } as Recipe)));
        expect(check(sent) ? [] : check.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
        const back = normalizeApp(sent, new Issues(), '/');
        expect(back).toEqual(JSON.parse(JSON.stringify(sent)));
      });
    }
  }
});
