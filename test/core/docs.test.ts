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
