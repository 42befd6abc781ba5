import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecipeFile } from '../../core/index.js';

const app = { id: '/found', cmd: 'sleep 10', cpus: 0.1, mem: 16 };
const json = JSON.stringify({ apps: [app] });
const yaml = `apps:\n  - id: /found\n    cmd: sleep 10\n    cpus: 0.1\n    mem: 16\n`;
const js = `module.exports = ${json};`;
const esm = `export default ${json};`;
const ts = `interface R { apps: unknown[] }\nconst recipe: R = ${json};\nexport default recipe;\n`;

/** [place, file content] for every search place cosmiconfig uses for us. */
const PLACES: [string, string][] = [
  ['package.json', JSON.stringify({ name: 'x', baton: { apps: [app] } })],
  ['.batonrc', yaml],
  ['.batonrc.json', json],
  ['.batonrc.yaml', yaml],
  ['.batonrc.yml', yaml],
  ['.batonrc.cjs', js],
  ['.batonrc.mjs', esm],
  ['.config/batonrc.json', json],
  ['.config/batonrc.yaml', yaml],
  ['baton.config.json', json],
  ['baton.config.yaml', yaml],
  ['baton.config.yml', yaml],
  ['baton.config.cjs', js],
  ['baton.config.mjs', esm],
  ['baton.config.ts', ts],
];

describe('recipe discovery (cosmiconfig, module name "baton")', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'baton-discovery-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  for (const [place, content] of PLACES) {
    it(`finds ${place}`, async () => {
      const dir = path.join(root, place.replace(/[^a-z]/g, '_'));
      await mkdir(path.join(dir, '.config'), { recursive: true });
      await writeFile(path.join(dir, place), content);
      const r = await loadRecipeFile(dir);
      expect(r.file).toBe(path.join(dir, place));
      expect(r.raw.apps).toEqual([app]);
      expect(r.shape).toBe('recipe');
      expect(r.defaultName).toBe(
        path
          .basename(place === 'package.json' || place.startsWith('.') || place.startsWith('baton.') ? dir : place)
          .toLowerCase()
          .replace(/_/g, '-')
          .replace(/^-+|-+$/g, ''),
      );
    });
  }

  it('searches from the working directory up to the project root when no recipe is named', async () => {
    const proj = path.join(root, 'proj');
    await mkdir(path.join(proj, 'src', 'deep'), { recursive: true });
    await writeFile(path.join(proj, 'package.json'), JSON.stringify({ name: 'proj' }));
    await writeFile(path.join(proj, 'baton.config.json'), json);
    const r = await loadRecipeFile(undefined, path.join(proj, 'src', 'deep'));
    expect(r.file).toBe(path.join(proj, 'baton.config.json'));
    expect(r.defaultName).toBe('proj');
  });

  it('accepts a plain Marathon app JSON file as a recipe, named after the file', async () => {
    const f = path.join(root, 'my-app.json');
    await writeFile(f, JSON.stringify(app));
    const r = await loadRecipeFile(f);
    expect(r.shape).toBe('app');
    expect(r.raw).toEqual({ apps: [app] });
    expect(r.defaultName).toBe('my-app');
  });

  it('accepts plain {"apps": [...]}, a pod and a group', async () => {
    const pod = { id: '/p', containers: [{ name: 'c', resources: { cpus: 1, mem: 32 } }] };
    const group = { id: '/g', apps: [app] };
    for (const [name, doc, shape] of [
      ['apps.json', { apps: [app] }, 'recipe'],
      ['pod.json', pod, 'pod'],
      ['group.json', group, 'group'],
    ] as const) {
      await writeFile(path.join(root, name), JSON.stringify(doc));
      expect((await loadRecipeFile(path.join(root, name))).shape).toBe(shape);
    }
  });

  it('fails clearly when nothing is found or the file does not parse', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    await expect(loadRecipeFile(empty)).rejects.toMatchObject({ code: 'BATON_RECIPE_NOT_FOUND' });
    await expect(loadRecipeFile(path.join(root, 'missing.json'))).rejects.toMatchObject({
      code: 'BATON_RECIPE_NOT_FOUND',
    });
    await writeFile(path.join(root, 'broken.json'), '{ "apps": [ }');
    await expect(loadRecipeFile(path.join(root, 'broken.json'))).rejects.toMatchObject({
      code: 'BATON_RECIPE_UNREADABLE',
      message: expect.stringContaining('broken.json'),
    });
  });
});
