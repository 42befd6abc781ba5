import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, Runner } from '../../core/index.js';
import { ROOT } from '../helpers/cli.js';

const doc = (f: string) => readFileSync(path.join(ROOT, 'docs', f), 'utf8');

describe('docs stay true to the code', () => {
  it('every runner hook is documented in docs/hooks.md', () => {
    const hooks = doc('hooks.md');
    for (const name of Object.keys(new Runner().hooks)) expect(hooks).toContain(`### \`${name}\``);
  });

  it('every event type the engine emits is listed in docs/compatibility.md', () => {
    const compat = doc('compatibility.md');
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    const types = new Set(['pod_created_event', 'pod_updated_event', 'pod_deleted_event', 'event_stream_attached']);
    for (const f of files(path.join(ROOT, 'plugins')).filter((f) => f.endsWith('.ts')))
      for (const m of readFileSync(f, 'utf8').matchAll(/events\.emit\(\s*'([a-z_]+)'/g)) types.add(m[1]);
    expect(types.size).toBeGreaterThan(15);
    for (const t of types) expect(compat, `event ${t}`).toContain(`\`${t}\``);
  });

  it('references resolve: every cited section exists in the repository, and no other document is cited', () => {
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    const sections = (f: string) => new Set([...doc(f).matchAll(/^#+ §([\d.]+) /gm)].map((m) => m[1]));
    const known: Record<string, Set<string>> = {
      'marathon-semantics.md': sections('marathon-semantics.md'),
      'marathon-lb-semantics.md': sections('marathon-lb-semantics.md'),
    };
    const sources = [
      ...['core', 'plugins', 'bench', 'bin', 'test', 'docs', 'recipes'].flatMap((d) =>
        files(path.join(ROOT, d)).filter((f) => /\.(ts|md|mjs|js|sh)$/.test(f) && !f.includes('node_modules')),
      ),
      path.join(ROOT, 'README.md'),
    ];
    let cited = 0;
    for (const f of sources.filter((x) => !x.endsWith('docs.test.ts'))) {
      const text = readFileSync(f, 'utf8');
      const where = path.relative(ROOT, f);
      // A § names its document; the document is one of ours; the section is in it.
      for (const m of text.matchAll(/([\w.-]+\.md) §([\d.]*\d)(?:[–-]§([\d.]*\d))?/g)) {
        expect(known[m[1]], `${where}: ${m[0]}`).toBeDefined();
        for (const n of [m[2], m[3]].filter(Boolean)) expect(known[m[1]].has(n), `${where}: ${m[0]}`).toBe(true);
        cited++;
      }
      if (!where.startsWith('docs/marathon'))
        for (const m of text.matchAll(/§/g)) {
          const before = text.slice(Math.max(0, m.index - 60), m.index);
          if (!/semantics\.md (§[\d.]*\d(, | and |–|-|\/))*$/.test(before))
            expect.fail(`${where}: a § without its document: "${before.slice(-20)}§"`);
        }
      expect(text, where).not.toMatch(
        /\b(marathon|marathon-lb|deploy-peers|plugin-anchors)\.md\b(?! §)|\.\.\/shared\//,
      );
    }
    expect(cited).toBeGreaterThan(100);
  });

  it('every exit code is documented in docs/cli.md', () => {
    const cli = doc('cli.md');
    for (const [name, code] of Object.entries(EXIT)) expect(cli).toMatch(new RegExp(`\\| ${code} \\| \`${name}\` \\|`));
  });

  it('every validation rule id used in core is documented in docs/recipes.md', () => {
    const recipes = doc('recipes.md');
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    const ids = new Set<string>();
    for (const f of files(path.join(ROOT, 'core')).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/'((?:app|pod|group|recipe)\.[a-z0-9.-]+)'/g)) ids.add(m[1]);
    }
    expect(ids.size).toBeGreaterThan(40);
    for (const id of ids) expect(recipes, `rule ${id}`).toContain(`\`${id}\``);
  });

  it('every rule id a built-in plugin reports is documented in docs/recipes.md', () => {
    const recipes = doc('recipes.md');
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    const ids = new Set<string>();
    for (const f of files(path.join(ROOT, 'plugins')).filter((f) => f.endsWith('.ts'))) {
      // Findings are reported as issues.error(path, 'rule', msg) / .warn(...), or as { rule: 'id' }.
      for (const m of readFileSync(f, 'utf8').matchAll(
        /(?:\.(?:error|warn)\(\[[^\]]*\],\s*|rule: )'([a-z]+\.[a-z0-9.-]+)'/g,
      ))
        ids.add(m[1]);
    }
    expect([...ids].filter((i) => i.startsWith('constraint.')).length).toBe(7);
    for (const id of ids) expect(recipes, `rule ${id}`).toContain(`\`${id}\``);
  });

  it('every metric a built-in plugin registers is documented in docs/metrics.md', () => {
    const metrics = doc('metrics.md');
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : [],
      );
    const names = new Set<string>();
    for (const f of files(path.join(ROOT, 'plugins')))
      for (const m of readFileSync(f, 'utf8').matchAll(/'(baton_[a-z0-9_]+[a-z0-9])'/g)) names.add(m[1]);
    expect(names.size).toBeGreaterThan(20);
    for (const n of names) expect(metrics, n).toContain(`\`${n}\``);
  });

  it('every hook a built-in plugin publishes is documented in docs/hooks.md', async () => {
    const hooks = doc('hooks.md');
    const { Runner } = await import('../../core/index.js');
    const { defaultPlugins } = await import('../../bin/default-plugins.js');
    const runner = new Runner();
    for (const p of defaultPlugins()) runner.use(p);
    runner.applyPlugins();
    for (const owner of ['marathon', 'engine', 'discovery'] as const) {
      for (const name of Object.keys(runner.hooksOf(owner)))
        expect(hooks, `${owner}.${name}`).toContain(`\`${owner}.${name}\``);
    }
  });
});

describe('docs/recipe.schema.json', () => {
  it('is what `baton schema` prints (regenerate with npm run schema)', async () => {
    const { baton } = await import('../helpers/cli.js');
    const committed = JSON.parse(doc('recipe.schema.json'));
    expect(committed).toEqual(JSON.parse(baton(['schema']).stdout));
  });
});
