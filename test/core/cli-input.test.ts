import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationSeconds, ERROR_CODES, EXIT } from '../../core/index.js';
import { baton, events } from '../helpers/cli.js';

const app = { id: '/flags', cmd: 'sleep 300', cpus: 0.01, mem: 16, instances: 1 };

describe('durations: one parser for flags and recipes', () => {
  it('reads seconds and kubectl/nomad-style durations, and refuses the rest', () => {
    for (const [given, seconds] of [
      ['30s', 30],
      ['5m', 300],
      ['1h30m', 5400],
      ['1.5h', 5400],
      ['250ms', 0.25],
      ['90', 90],
      [90, 90],
      ['2d', 172800],
    ] as const)
      expect(durationSeconds(given), String(given)).toBe(seconds);
    for (const bad of ['soon', '-1', '', '5x', '1h 30m', 'm', -1, Number.NaN, null])
      expect(durationSeconds(bad)).toBeUndefined();
  });
});

describe('bad input is refused before anything runs: exit 2, naming the flag or JSON path and the rule', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'baton-input-'));
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  it('--timeout soon and --timeout -1 are refused naming the flag; no NaN reaches a deadline', async () => {
    const f = path.join(tmp, 'app.json');
    await writeFile(f, JSON.stringify(app));
    for (const bad of ['soon', '-1', '0']) {
      const r = baton(['deploy', '--timeout', bad, f], { env: { BATON_STATE_DIR: path.join(tmp, 'never') } });
      expect(r.code, bad).toBe(EXIT.INVALID_INPUT);
      expect(r.stderr).toContain('BATON_BAD_ARGUMENT');
      expect(r.stderr).toMatch(new RegExp(`--timeout: "${bad}" is not a number of seconds or a duration such as 30s`));
      expect(r.stderr).not.toContain('NaN');
    }
    // Refused before any engine was started for it.
    expect(existsSync(path.join(tmp, 'never'))).toBe(false);
    const port = baton(['engine', 'status', '--port', 'eighty']);
    expect(port.code).toBe(EXIT.INVALID_INPUT);
    expect(port.stderr).toContain('--port: "eighty" is not an integer ≥ 0 ≤ 65535');
  });

  it('an unknown flag is refused and nothing runs: the command does not go on with what the flag swallowed', async () => {
    const f = path.join(tmp, 'unknown-flag.json');
    await writeFile(f, JSON.stringify(app));
    const state = path.join(tmp, 'unknown-flag-state');
    // `--bogus` takes the recipe as its value; yargs used to report it and run the deploy anyway.
    const r = baton(['deploy', '--bogus', f], { env: { BATON_STATE_DIR: state } });
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toContain('Unknown argument: bogus');
    expect(r.stderr).toContain("Run 'baton --help' for usage.");
    expect(r.stderr).not.toContain('BATON_RECIPE_NOT_FOUND');
    expect(r.stdout).toBe('');
    expect(existsSync(state)).toBe(false);
  });

  it('a recipe duration is read with units too, and a bad one names its JSON path', async () => {
    const good = path.join(tmp, 'good.json');
    await writeFile(
      good,
      JSON.stringify({ apps: [app], deploy: { timeoutSeconds: '10m', healthyDeadlineSeconds: 90 } }),
    );
    expect(baton(['validate', good]).code).toBe(EXIT.OK);
    const bad = path.join(tmp, 'bad.json');
    await writeFile(bad, JSON.stringify({ apps: [app], deploy: { timeoutSeconds: 'forever' } }));
    const r = baton(['validate', bad]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stdout).toMatch(/\/deploy\/timeoutSeconds/);
  });

  it('"plugins" as an array loads each plugin; a bad value names /plugins and the expected shape', async () => {
    const dir = path.join(tmp, 'array');
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(
      path.join(dir, 'p.mjs'),
      `export default { name: 'array-plugin', apply(r) { r.hooks.validate.tap('array-plugin', (ctx) => ctx.issues.at('apps', 0).warn(['id'], 'array.loaded', 'loaded from the array form')); } };`,
    );
    await writeFile(
      path.join(dir, 'baton.config.json'),
      JSON.stringify({ apps: [app], plugins: ['./p.mjs', ['docker', false]] }),
    );
    const r = baton(['validate', dir]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('loaded from the array form');
    for (const [plugins, where] of [
      [[42], '/plugins/0'],
      [['./p.mjs', ['./p.mjs', 'yes']], '/plugins/1/1'],
      ['./p.mjs', '/plugins'],
    ] as const) {
      await writeFile(path.join(dir, 'baton.config.json'), JSON.stringify({ apps: [app], plugins }));
      const bad = baton(['validate', dir]);
      expect(bad.code, JSON.stringify(plugins)).toBe(EXIT.INVALID_INPUT);
      expect(bad.stderr).toContain(`BATON_RECIPE_INVALID: ${where}:`);
      expect(bad.stderr).toContain('plugins is an object of name → true | false | {options}, or an array');
    }
  });

  it('an unknown field is an error by default and a warning with the opt-out (flag or recipe)', async () => {
    const f = path.join(tmp, 'typo.json');
    await writeFile(f, JSON.stringify({ apps: [{ ...app, instnaces: 3 }] }));
    const r = baton(['validate', f]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stdout).toContain("✖ error   /apps/0/instnaces  unknown field 'instnaces' (did you mean 'instances'?)");
    expect(baton(['validate', '--allow-unknown-fields', f]).code).toBe(EXIT.OK);
    await writeFile(f, JSON.stringify({ strict: false, apps: [{ ...app, instnaces: 3 }] }));
    const lenient = baton(['validate', f]);
    expect(lenient.code).toBe(EXIT.OK);
    expect(lenient.stdout).toContain("⚠ warning /apps/0/instnaces  unknown field 'instnaces'");
    // Marathon's read-only fields of an exported app are accepted either way.
    await writeFile(
      f,
      JSON.stringify({ apps: [{ ...app, version: '2026-01-01T00:00:00.000Z', tasksRunning: 1, deployments: [] }] }),
    );
    expect(baton(['validate', f]).code).toBe(EXIT.OK);
  });

  it('refused configuration is invalid input with its own code, never BATON_INTERNAL or "target unavailable"', async () => {
    const r = baton(['engine', 'start'], {
      env: { BATON_ENGINE_HOST: '0.0.0.0', BATON_ENGINE_TOKEN: undefined, BATON_STATE_DIR: path.join(tmp, 'exposed') },
    });
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stderr).toContain('BATON_CONFIG_INVALID: refusing to serve the engine API on 0.0.0.0 without a token');
    expect(existsSync(path.join(tmp, 'exposed', 'engine.json'))).toBe(false); // no daemon was started to refuse it
    const port = baton(['engine', 'start'], {
      env: { BATON_ENGINE_PORT: 'http', BATON_STATE_DIR: path.join(tmp, 'port') },
    });
    expect(port.code).toBe(EXIT.INVALID_INPUT);
    expect(port.stderr).toContain('BATON_CONFIG_INVALID: BATON_ENGINE_PORT: "http" is not a port');
    const json = baton(['engine', 'start', '--json'], { env: { BATON_ENGINE_PORT: 'http' } });
    expect(events(json.stdout).find((e) => e.type === 'error')?.error.code).toBe('BATON_CONFIG_INVALID');
  });

  it('the error catalogue: every user-caused condition exits 2; only internal failures are 70', () => {
    const internal = Object.entries(ERROR_CODES)
      .filter(([, v]) => v.exit === EXIT.INTERNAL)
      .map(([k]) => k)
      .sort();
    // A plugin's own failure, a plugin tapping outside apply, and Baton's bugs: nothing a user's input causes.
    expect(internal).toEqual(['BATON_HOOKS_FROZEN', 'BATON_INTERNAL', 'BATON_PLUGIN_FAILED']);
    for (const code of [
      'BATON_RECIPE_NOT_FOUND',
      'BATON_RECIPE_UNREADABLE',
      'BATON_RECIPE_INVALID',
      'BATON_BAD_ARGUMENT',
      'BATON_CONFIG_INVALID',
      'BATON_PLUGIN_INVALID',
      'BATON_PLUGIN_NOT_FOUND',
      'BATON_NO_TARGET',
    ] as const)
      expect(ERROR_CODES[code].exit, code).toBe(EXIT.INVALID_INPUT);
  });
});
