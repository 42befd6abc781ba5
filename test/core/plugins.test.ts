import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner, definePlugin, EXIT } from '../../core/index.js';
import { loadPlugin, usePlugins } from '../../core/internal.js';
import { input, sleepApp } from '../helpers/runner.js';
import { baton } from '../helpers/cli.js';

const ok = { name: 'ok', apply() {} };

describe('plugin metadata is checked at registration with coded errors', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', 42, 'BATON_PLUGIN_INVALID', /not a plugin object/],
    ['no name', { apply() {} }, 'BATON_PLUGIN_INVALID', /'name' must be/],
    ['uppercase name', { name: 'Bad Name', apply() {} }, 'BATON_PLUGIN_INVALID', /'name' must be/],
    ['no apply', { name: 'x' }, 'BATON_PLUGIN_INVALID', /'apply' must be a function/],
    ['bad version', { name: 'x', version: 'one', apply() {} }, 'BATON_PLUGIN_INVALID', /semver version/],
    ['bad range', { name: 'x', requires: 'not a range!', apply() {} }, 'BATON_PLUGIN_INVALID', /semver range/],
    [
      'core too new',
      { name: 'x', requires: '^99.0.0', apply() {} },
      'BATON_PLUGIN_VERSION_MISMATCH',
      /requires Baton core \^99\.0\.0/,
    ],
    ['bad dependsOn', { name: 'x', dependsOn: 'y', apply() {} }, 'BATON_PLUGIN_INVALID', /'dependsOn' must be/],
  ];
  for (const [what, plugin, code, msg] of cases) {
    it(what, () => {
      expect(() => new Runner().use(plugin)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(msg) }),
      );
    });
  }

  it('duplicate names', () => {
    expect(() => new Runner().use(ok).use({ ...ok })).toThrow(
      expect.objectContaining({ code: 'BATON_PLUGIN_DUPLICATE' }),
    );
    expect(() => new Runner().use({ ...ok, name: 'core' })).toThrow(
      expect.objectContaining({ code: 'BATON_PLUGIN_DUPLICATE' }),
    );
  });

  it('missing dependency and dependency cycles', () => {
    const r = new Runner().use({ name: 'needs', dependsOn: ['absent'], apply() {} });
    expect(() => r.applyPlugins()).toThrow(
      expect.objectContaining({ code: 'BATON_PLUGIN_MISSING_DEPENDENCY', plugin: 'needs' }),
    );
    const c = new Runner()
      .use({ name: 'a', dependsOn: ['b'], apply() {} })
      .use({ name: 'b', dependsOn: ['a'], apply() {} });
    expect(() => c.applyPlugins()).toThrow(/cycle: a → b → a/);
  });

  it('after: an optional partner is applied first when loaded, and its absence is no error', () => {
    const order: string[] = [];
    const partner = { name: 'partner', apply: (r: Runner) => (order.push('partner'), r.publishHooks('partner', {})) };
    const user = {
      name: 'user',
      after: ['partner'],
      apply: (r: Runner) => void order.push(`user sees partner: ${r.hasHooks('partner')}`),
    };
    new Runner().use(user).use(partner).applyPlugins();
    expect(order).toEqual(['partner', 'user sees partner: true']);
    order.length = 0;
    new Runner().use(user).applyPlugins();
    expect(order).toEqual(['user sees partner: false']);
    expect(() => new Runner().use({ name: 'x', after: 'y', apply() {} })).toThrow(/'after' must be/);
  });

  it('an error thrown by apply() is stamped with the plugin', () => {
    const r = new Runner().use({
      name: 'explodes',
      apply() {
        throw new Error('bad options');
      },
    });
    expect(() => r.applyPlugins()).toThrow(
      expect.objectContaining({ code: 'BATON_PLUGIN_FAILED', plugin: 'explodes', hook: 'apply' }),
    );
  });

  it('a compatible requires range passes', () => {
    expect(() => new Runner().use({ name: 'fine', requires: '>=0.1.0', apply() {} })).not.toThrow();
  });
});

describe('loading plugins from recipes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-plugins-'));
    await writeFile(
      path.join(dir, 'esm-plugin.mjs'),
      `export default { name: 'esm-plugin', apply(r) { r.hooks.validate.tap('esm-plugin', (ctx) => ctx.issues.warn([], 'esm.ran', 'esm plugin ran')); } };`,
    );
    await writeFile(
      path.join(dir, 'factory.mjs'),
      `export default (opts) => ({ name: 'factory', apply(r) { r.hooks.validate.tap('factory', (ctx) => ctx.issues.warn([], 'factory.opts', 'limit=' + opts.limit)); } });`,
    );
    await writeFile(path.join(dir, 'helper.ts'), `export const RULE: string = 'ts.ran';\n`);
    await writeFile(
      path.join(dir, 'ts-plugin.ts'),
      `import { RULE } from './helper.ts';\ninterface Opts { n?: number }\nexport default { name: 'ts-plugin', apply(r: any, tools: { options: Opts }) { r.hooks.validate.tap('ts-plugin', (ctx: any) => ctx.issues.warn([], RULE, 'typescript plugin ran')); } };\n`,
    );
    await writeFile(path.join(dir, 'helper.js'), `export const RULE = 'ts.ran';\n`);
    const pkg = path.join(dir, 'node_modules', 'baton-plugin-demo');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'baton-plugin-demo', type: 'module', exports: { '.': { import: './index.js' } } }),
    );
    await writeFile(
      path.join(pkg, 'index.js'),
      `export default { name: 'baton-plugin-demo', version: '1.0.0', requires: '>=0.1', apply(r) { r.hooks.validate.tap('baton-plugin-demo', (ctx) => ctx.issues.warn([], 'npm.ran', 'npm plugin ran')); } };`,
    );
    await writeFile(
      path.join(dir, 'baton.config.json'),
      JSON.stringify({
        plugins: {
          './esm-plugin.mjs': true,
          './factory.mjs': { limit: 3 },
          './ts-plugin.ts': {},
          'baton-plugin-demo': true,
          builtin: false,
        },
        apps: [sleepApp],
      }),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('loads by relative path (ESM, factory with options, TypeScript) and by npm name, and switches a built-in off', async () => {
    const builtinRan: string[] = [];
    const builtin = definePlugin({
      name: 'builtin',
      apply: (r) => r.hooks.validate.tap('builtin', () => void builtinRan.push('x')),
    });
    const runner = new Runner();
    const raw = JSON.parse(
      await (await import('node:fs/promises')).readFile(path.join(dir, 'baton.config.json'), 'utf8'),
    );
    await usePlugins(runner, [builtin], raw.plugins, dir);
    const res = await runner.run(input(raw));
    expect(res.ok).toBe(true);
    const rules = res.ctx.issues.warnings.map((w) => `${w.plugin}:${w.rule}:${w.message}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'esm-plugin:esm.ran:esm plugin ran',
        'factory:factory.opts:limit=3',
        'ts-plugin:ts.ran:typescript plugin ran',
        'baton-plugin-demo:npm.ran:npm plugin ran',
      ]),
    );
    expect(builtinRan).toEqual([]);
    expect(runner.plugins.map((p) => p.name)).not.toContain('builtin');
  });

  it('a plugin that cannot be found is an invalid-input error naming it', async () => {
    await expect(loadPlugin('baton-plugin-nowhere', dir)).rejects.toMatchObject({
      code: 'BATON_PLUGIN_NOT_FOUND',
      plugin: 'baton-plugin-nowhere',
    });
    await expect(loadPlugin('./nowhere.mjs', dir)).rejects.toMatchObject({ code: 'BATON_PLUGIN_NOT_FOUND' });
  });

  it('the CLI reports a bad plugin with its code and the invalid-input exit code', async () => {
    await writeFile(path.join(dir, 'bad.mjs'), `export default { name: 'bad' };`);
    await writeFile(
      path.join(dir, 'bad-recipe.json'),
      JSON.stringify({ plugins: { './bad.mjs': true }, apps: [sleepApp] }),
    );
    const r = baton(['validate', path.join(dir, 'bad-recipe.json')]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toContain("BATON_PLUGIN_INVALID: plugin bad: 'apply' must be a function");
    const j = baton(['validate', '--json', path.join(dir, 'bad-recipe.json')]);
    expect(j.code).toBe(EXIT.INVALID_INPUT);
    expect(JSON.parse(j.stdout.split('\n')[0])).toMatchObject({
      type: 'error',
      error: { code: 'BATON_PLUGIN_INVALID', plugin: 'bad' },
    });
  });
});
