import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import engine from '../../plugins/engine/index.js';
import { startEngineWith } from '../../plugins/engine/build.js';
import type { RunningEngine } from '../../plugins/engine/serve.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import marathon from '../../plugins/marathon/index.js';
import { EXIT } from '../../core/index.js';
import { redactSecrets, secretValues } from '../../core/index.js';
import { batonAsync, cliDaemon, events } from '../helpers/cli.js';
import { isLoopback, listeningAddresses } from '../helpers/listeners.js';

describe('engine API security', () => {
  let dir: string;
  let running: RunningEngine;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-sec-'));
  });
  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds loopback by default and refuses any other address without a token', async () => {
    expect(resolveSettings({}, {}).host).toBe('127.0.0.1');
    await expect(
      startEngineWith([marathon, engine], {
        ...resolveSettings({ stateDir: path.join(dir, 'a') }, {}),
        host: '0.0.0.0',
        port: 0,
      }),
    ).rejects.toThrow(/refusing to serve the engine API on 0\.0\.0\.0 without a token/);
  });

  it('with a token, requests without it are refused (401); with it they pass', async () => {
    running = await startEngineWith([marathon, engine], {
      ...resolveSettings({ stateDir: path.join(dir, 'b') }, {}),
      port: 0,
      token: 's3cret-token',
    });
    expect((await fetch(`${running.url}/v2/apps`)).status).toBe(401);
    expect((await fetch(`${running.url}/v2/apps`, { headers: { authorization: 'token=wrong' } })).status).toBe(401);
    expect((await fetch(`${running.url}/v2/apps`, { headers: { authorization: 'token=s3cret-token' } })).status).toBe(
      200,
    );
    expect((await fetch(`${running.url}/v2/apps`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(
      200,
    );
  });

  it("the CLI's own engine commands send the token (BATON_ENGINE_TOKEN); without it the engine is not theirs to use", async () => {
    const env = { BATON_STATE_DIR: path.join(dir, 'b') };
    const withToken = await batonAsync(['engine', 'status', '--json'], {
      env: { ...env, BATON_ENGINE_TOKEN: 's3cret-token' },
    });
    expect(withToken.code, withToken.stderr).toBe(EXIT.OK);
    expect(events(withToken.stdout)[0]).toMatchObject({ type: 'engine-status', url: running.url });
    const logs = await batonAsync(['logs', '/nothing'], { env: { ...env, BATON_ENGINE_TOKEN: 's3cret-token' } });
    expect(logs.stderr).toContain('no tasks for /nothing');
    const without = await batonAsync(['engine', 'status'], { env });
    expect(without.code).toBe(EXIT.TARGET_UNAVAILABLE);
    expect(without.stdout + without.stderr).not.toContain('s3cret-token');
  }, 60_000);
});

describe('which env values are secret', () => {
  it('secret-looking names in apps, pods, pod containers and groups; redaction copies', () => {
    const recipe = {
      apps: [{ id: '/a', env: { DB_PASSWORD: 'p1', MODE: 'prod', REF: { secret: 's' } } }],
      pods: [
        {
          id: '/p',
          environment: { API_KEY: 'p2' },
          containers: [{ name: 'c', environment: { PRIVATE_TOKEN: 'p3', PORT: '80' } }],
        },
      ],
      groups: [{ id: '/g', apps: [{ id: '/g/b', env: { aws_secret_access_key: 'p4' } }] }],
    };
    expect(secretValues(recipe)).toEqual(['p1', 'p2', 'p3', 'p4']);
    const red = redactSecrets(recipe);
    expect(secretValues(red)).toEqual(['***', '***', '***', '***']);
    expect(red.apps[0].env).toEqual({ DB_PASSWORD: '***', MODE: 'prod', REF: { secret: 's' } });
    expect(recipe.apps[0].env.DB_PASSWORD).toBe('p1'); // the original is untouched
  });
});

describe('secrets and listeners through the CLI (real daemon)', () => {
  const cli = cliDaemon('baton-sec-cli-', ['/db']);
  const SECRET = 'pa55-w0rd-never-printed';
  const TOKEN = 'tok-abcdef-never-printed';

  it('the daemon listens on loopback only; secret env values never appear in plan, deploy, status, events or the engine log', async () => {
    const f = path.join(cli.dir, 'db.json');
    const app = {
      id: '/db',
      cmd: 'sleep 600',
      instances: 1,
      cpus: 0.01,
      mem: 16,
      env: { DB_PASSWORD: SECRET, API_TOKEN: TOKEN, MODE: 'prod' },
    };
    await writeFile(f, JSON.stringify({ name: 'db', apps: [app] }));
    const outputs: string[] = [];
    const keep = <R extends { stdout: string; stderr: string }>(r: R) => (outputs.push(r.stdout + r.stderr), r);
    keep(cli.run(['plan', f]));
    keep(cli.run(['plan', '--json', '--verbose', f]));
    expect(keep(cli.run(['deploy', '--json', '--verbose', f])).code).toBe(EXIT.OK);
    // A change of the secret itself: the plan names the field, never the values.
    await writeFile(
      f,
      JSON.stringify({ name: 'db', apps: [{ ...app, env: { ...app.env, DB_PASSWORD: `${SECRET}-2` } }] }),
    );
    const p = keep(cli.run(['plan', '--json', f]));
    expect(events(p.stdout).find((e) => e.type === 'plan')?.plan.changes).toEqual([
      expect.objectContaining({ kind: 'restart', id: '/db', fields: ['env'] }),
    ]);
    expect(keep(cli.run(['deploy', f])).code).toBe(EXIT.OK);
    keep(cli.run(['status']));
    keep(cli.run(['status', '--json']));
    keep(cli.run(['status', '/db', '--json']));
    keep(cli.run(['engine', 'status', '--json']));
    keep(cli.run(['engine', 'status']));
    const log = readFileSync(path.join(cli.env.BATON_STATE_DIR, 'engine.log'), 'utf8');
    for (const text of [...outputs, log]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
    expect(outputs.join('\n')).toContain('/db'); // the outputs were real
    // The engine daemon's API socket, as the kernel lists it.
    const { url } = JSON.parse(readFileSync(path.join(cli.env.BATON_STATE_DIR, 'engine.json'), 'utf8'));
    const addrs = listeningAddresses(Number(new URL(url).port));
    expect(addrs.length).toBeGreaterThan(0);
    expect(addrs.every(isLoopback)).toBe(true);
  }, 90_000);
});
