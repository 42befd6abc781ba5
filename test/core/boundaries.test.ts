import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const files = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(d, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(d, e.name)] : [],
  );
const importsOf = (f: string) =>
  [
    ...readFileSync(f, 'utf8').matchAll(
      /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|import\('([^']+)'\)/gm,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3]);
const isPackage = (spec: string) => !spec.startsWith('.') && !spec.startsWith('/');
const builtin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);

/** The architecture rules of the repo, checked on the source (docs/architecture.md). */
describe('module boundaries', () => {
  it("a built-in plugin imports only core's public entry (core/index), its own files, Node built-ins and npm packages", () => {
    const bad: string[] = [];
    for (const dir of readdirSync(path.join(ROOT, 'plugins'))) {
      const own = path.join(ROOT, 'plugins', dir);
      for (const f of files(own)) {
        for (const spec of importsOf(f)) {
          if (isPackage(spec)) continue;
          const target = path.resolve(path.dirname(f), spec);
          const ok =
            target === path.join(ROOT, 'core/index.js') ||
            // The dashboard is a browser bundle: of core it takes only the secret masking, which has no imports.
            (f.startsWith(path.join(ROOT, 'plugins/engine/ui') + path.sep) &&
              target === path.join(ROOT, 'core/report/secrets.js')) ||
            target.startsWith(own + path.sep);
          if (!ok) bad.push(`${path.relative(ROOT, f)} imports ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("a third-party plugin (the examples in recipes/plugins) needs only the package's API: 'baton' and 'baton/testing'", () => {
    const bad: string[] = [];
    const dir = path.join(ROOT, 'recipes/plugins');
    const all = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? all(path.join(d, e.name)) : /\.(ts|js|mjs)$/.test(e.name) ? [path.join(d, e.name)] : [],
      );
    for (const f of all(dir))
      for (const spec of importsOf(f))
        if (
          spec.startsWith('baton')
            ? !['baton', 'baton/testing'].includes(spec)
            : !spec.startsWith('.') && !builtin(spec) && spec !== 'vitest'
        )
          bad.push(`${path.relative(ROOT, f)} imports ${spec}`);
    expect(bad).toEqual([]);
  });

  it('core never imports plugins/ (or bin/)', () => {
    const bad: string[] = [];
    for (const f of files(path.join(ROOT, 'core'))) {
      for (const spec of importsOf(f)) {
        if (isPackage(spec) || builtin(spec)) continue;
        const target = path.resolve(path.dirname(f), spec);
        if (!target.startsWith(path.join(ROOT, 'core') + path.sep))
          bad.push(`${path.relative(ROOT, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no import circles in core, the engine or any plugin (type-only imports count)', () => {
    // Every relative import of the project's own .ts files, resolved; then a depth-first search for a
    // path back to where it started (what madge --circular reports).
    const graph = new Map<string, string[]>();
    for (const root of ['core', 'plugins', 'bin'])
      for (const f of files(path.join(ROOT, root)))
        graph.set(
          f,
          importsOf(f)
            .filter((spec) => spec.startsWith('.'))
            .map((spec) => path.resolve(path.dirname(f), spec).replace(/\.js$/, '.ts')),
        );
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        circles.push([...trail.slice(trail.indexOf(f)), f].map((x) => path.relative(ROOT, x)).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const next of graph.get(f) ?? []) visit(next, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(circles).toEqual([]);
    expect(graph.size).toBeGreaterThan(100); // the walk saw the tree
  });

  it('the checks see imports at all (a file with known imports)', () => {
    expect(importsOf(path.join(ROOT, 'plugins/constraints/index.ts'))).toContain('../../core/index.js');
  });
});
