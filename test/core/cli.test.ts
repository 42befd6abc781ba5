import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { baton, events, ROOT } from '../helpers/cli.js';

const TEN = 'test/fixtures/ten-mistakes';

describe('baton CLI (compiled, real process)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'baton-cli-'));
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  for (const cmd of ['validate', 'plan']) {
    it(`${cmd} on a recipe with ten mistakes and a typo prints eleven errors with JSON paths and exits 2`, () => {
      const r = baton([cmd, TEN]);
      expect(r.code).toBe(EXIT.INVALID_INPUT);
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('✖ error'));
      expect(errors).toHaveLength(11);
      for (const l of errors) expect(l).toMatch(/^✖ error\s+\/apps\/\d\/\S+\s+.+\[[a-z.-]+\]$/);
      // An unknown field is an error by default, with its did-you-mean.
      expect(r.stdout).toContain("unknown field 'intances' (did you mean 'instances'?)");
      expect(r.stderr).toContain('BATON_RECIPE_INVALID: The recipe has 11 errors; nothing was applied');
      // No plan is shown for an invalid recipe.
      expect(r.stdout).not.toContain('Plan for recipe');
    });
  }

  it('--allow-unknown-fields (or "strict": false) makes unknown fields warnings; --strict is the default', () => {
    const r = baton(['validate', '--allow-unknown-fields', TEN]);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('✖ error'))).toHaveLength(10);
    expect(r.stdout).toMatch(/⚠ warning \/apps\/0\/intances +unknown field 'intances' \(did you mean 'instances'\?\)/);
    expect(
      baton(['validate', '--strict', TEN])
        .stdout.split('\n')
        .filter((l) => l.startsWith('✖ error')),
    ).toHaveLength(11);
  });

  it('in GitHub Actions, each error is also an annotation with its JSON path and rule, and the run error with its code', () => {
    const r = baton(['validate', TEN], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(2);
    const notes = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(notes.length).toBeGreaterThanOrEqual(10);
    expect(notes).toContainEqual(
      expect.stringMatching(/^::error title=app\.[a-z.-]+ at \/apps\/\d+\/[^:]*::\/apps\/\d+\//),
    );
    expect(notes.at(-1)).toMatch(/^::error title=Baton BATON_RECIPE_INVALID \(exit 2\)::/);
    // With --json, stdout stays NDJSON: the annotations go to stderr.
    const j = baton(['validate', '--json', TEN], { env: { GITHUB_ACTIONS: 'true' } });
    expect(
      j.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('{')),
    ).toBe(true);
    expect(j.stderr).toMatch(/^::error title=Baton BATON_RECIPE_INVALID/m);
    expect(baton(['validate', TEN]).stdout).not.toMatch(/::error/);
  });

  it('validate on a good recipe says so and exits 0', () => {
    const r = baton(['validate', 'recipes/hello']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('✔ Recipe hello is valid');
  });

  it('plan shows what would change and exits 3 when there are changes', () => {
    const r = baton(['plan', 'recipes/hello']);
    expect(r.code).toBe(EXIT.PLAN_HAS_CHANGES);
    expect(r.stdout).toMatch(/\+ create\s+app \/hello\s+3 instances/);
  });

  it('--json writes only NDJSON events to stdout: phases, stages, issues, plan, run:end', () => {
    const r = baton(['plan', '--json', TEN]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    const ev = events(r.stdout);
    expect(ev.every((e) => typeof e.type === 'string' && typeof e.time === 'string')).toBe(true);
    expect(ev[0]).toMatchObject({ type: 'run:start', command: 'plan', dryRun: true });
    expect(ev.filter((e) => e.type === 'issue' && e.severity === 'error')).toHaveLength(11);
    expect(ev.find((e) => e.type === 'issue')).toMatchObject({
      path: expect.stringMatching(/^\/apps\//),
      rule: expect.any(String),
      message: expect.any(String),
    });
    expect(ev.some((e) => e.type === 'stage:start' && e.plugin === 'core')).toBe(true);
    expect(ev.find((e) => e.type === 'error')).toMatchObject({
      error: { code: 'BATON_RECIPE_INVALID', hook: 'validate' },
    });
    expect(ev.at(-1)).toMatchObject({ type: 'run:end', status: 'failed', exitCode: EXIT.INVALID_INPUT });

    const ok = baton(['plan', '--json', 'recipes/hello']);
    const plan = events(ok.stdout).find((e) => e.type === 'plan');
    expect(plan?.plan.changes).toEqual([{ kind: 'create', type: 'app', id: '/hello', to: 3 }]);
    expect(events(ok.stdout).at(-1)).toMatchObject({ type: 'run:end', status: 'ok', exitCode: 0 });
  });

  it('never prints values of secret-looking env vars, in plan or events', async () => {
    const f = path.join(tmp, 'secret.json');
    await writeFile(
      f,
      JSON.stringify({ apps: [{ id: '/db', cmd: 'sleep 1', env: { DB_PASSWORD: 's3cr3t-value', MODE: 'prod' } }] }),
    );
    const r = baton(['plan', '--json', '--verbose', f]);
    expect(r.stdout).not.toContain('s3cr3t-value');
    expect(r.stdout + r.stderr).not.toContain('s3cr3t-value');
  });

  it('schema prints a JSON Schema usable by editors', () => {
    const r = baton(['schema']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.$id).toBe('https://baton.dev/schema/recipe.json');
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['apps', 'pods', 'groups', 'target', 'plugins']));
    expect(s.$defs.app.properties.instances).toMatchObject({ type: 'integer' });
  });

  it('hooks lists phases with their stages in order', () => {
    const r = baton(['hooks']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/normalize\s+\(plan: runs\)\n\s+-10000\s+core\s+Check the recipe schema/);
    expect(r.stdout).toContain('validate  (plan: runs, settle-all)');
    expect(r.stdout).toContain('apply  (plan: skipped)');
  });

  it('--version, --help with examples, completion, unknown commands', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(baton(['--version']).stdout.trim()).toBe(pkg.version);
    const help = baton(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('baton plan recipes/hello');
    expect(help.stdout).toContain('Exit codes:');
    expect(baton(['completion']).stdout).toContain('baton');
    const bad = baton(['deplyo']);
    expect(bad.code).toBe(EXIT.INVALID_INPUT);
    expect(bad.stderr).toMatch(/Unknown argument|Did you mean/);
  });

  it('a missing recipe is an invalid-input error', () => {
    const r = baton(['validate', path.join(tmp, 'nope')]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toContain('BATON_RECIPE_NOT_FOUND');
  });

  it('NO_COLOR and a non-TTY give no ANSI escapes; FORCE_COLOR gives colour', () => {
    expect(baton(['validate', TEN]).stdout).not.toContain('\x1b[');
    expect(baton(['validate', TEN], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }).stdout).toContain('\x1b[');
  });
});
