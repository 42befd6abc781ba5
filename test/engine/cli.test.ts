import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { cliDaemon, events } from '../helpers/cli.js';
import { SERVER } from '../helpers/engine.js';

describe('baton deploy / status / plan / scale / logs / destroy on the embedded engine (CLI, real daemon)', () => {
  const cli = cliDaemon('baton-cli-engine-', ['/hello', '/echo']);
  const run = cli.run;

  it('an invalid recipe is rejected before anything is touched: no engine is even started', () => {
    const r = run(['deploy', 'test/fixtures/ten-mistakes']);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(existsSync(path.join(cli.env.BATON_STATE_DIR, 'engine.json'))).toBe(false);
  });

  it('deploys recipes/hello (starting the engine, and saying so); every instance answers', () => {
    const r = run(['deploy', 'recipes/hello']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/started the embedded engine at http:\/\/127\.0\.0\.1:\d+/);
    const s = run(['status', '/hello', '--probe', '--json']);
    const st = JSON.parse(s.stdout);
    expect(st.apps[0]).toMatchObject({ id: '/hello', instances: 3, tasksRunning: 3 });
    for (const t of st.apps[0].tasks) expect(t.probe).toBe(`HTTP 200 hello from ${t.host}:${t.ports[0]}`);
  });

  it('plan now diffs against the engine: nothing to do after a deploy (exit 0); a change shows as a restart', async () => {
    const same = run(['plan', 'recipes/hello']);
    expect(same.code).toBe(EXIT.OK);
    expect(same.stdout).toMatch(/= unchanged\s+app \/hello/);
    const changed = path.join(cli.dir, 'hello-4.json');
    const recipe = JSON.parse((await import('node:fs')).readFileSync('recipes/hello/baton.config.json', 'utf8'));
    recipe.apps[0].instances = 4;
    recipe.apps[0].labels.course = 'changed';
    delete recipe.$schema;
    await writeFile(changed, JSON.stringify(recipe));
    const p = run(['plan', '--json', changed]);
    expect(p.code).toBe(EXIT.PLAN_HAS_CHANGES);
    expect(events(p.stdout).find((e) => e.type === 'plan')?.plan.changes).toEqual([
      { kind: 'restart', type: 'app', id: '/hello', from: 3, to: 4, fields: ['labels'] },
    ]);
  });

  it('plan predicts instances that cannot be placed; deploy refuses them before changing anything', async () => {
    const uniq = path.join(cli.dir, 'uniq.json');
    await writeFile(
      uniq,
      JSON.stringify({
        name: 'uniq',
        apps: [
          { id: '/uniq', cmd: 'sleep 100', instances: 4, cpus: 0.01, mem: 16, constraints: [['hostname', 'UNIQUE']] },
        ],
      }),
    );
    const p = run(['plan', '--json', uniq]);
    expect(events(p.stdout).find((e) => e.type === 'plan')?.plan.changes[0]).toMatchObject({
      kind: 'create',
      id: '/uniq',
      pending: { instances: 1, why: expect.stringMatching(/^hostname:UNIQUE rules out 3 of 4 agent\(s\)/) },
    });
    const d = run(['deploy', '--json', uniq]);
    expect(d.code).toBe(EXIT.DEPLOY_FAILED);
    expect(events(d.stdout).find((e) => e.type === 'error')?.error).toMatchObject({
      code: 'BATON_UNPLACEABLE',
      plugin: 'engine',
      hook: 'preflight',
    });
    expect(JSON.parse(run(['status', '--json']).stdout).apps.map((a: { id: string }) => a.id)).not.toContain('/uniq');
  }, 30_000);

  it('a deploy that cannot finish hits its deadline, rolls back, and exits 4 (never 0)', async () => {
    const stuck = path.join(cli.dir, 'stuck.json');
    // More memory than any agent has: the instance waits to be placed, forever in Marathon.
    await writeFile(
      stuck,
      JSON.stringify({
        name: 'stuck',
        apps: [{ id: '/stuck', cmd: 'sleep 100', instances: 1, cpus: 0.05, mem: 100000 }],
      }),
    );
    const r = run(['deploy', '--timeout', '3', '--allow-pending', '--json', stuck]);
    expect(r.code).toBe(EXIT.ROLLED_BACK);
    const err = events(r.stdout).find((e) => e.type === 'error');
    expect(err?.error).toMatchObject({ code: 'BATON_ROLLED_BACK', data: { cause: { code: 'BATON_TIMEOUT' } } });
    expect(JSON.parse(run(['status', '--json']).stdout).apps.map((a: { id: string }) => a.id)).not.toContain('/stuck');
  }, 30_000);

  it('scale, logs and engine status', async () => {
    expect(run(['scale', '/hello', '1']).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(JSON.parse(run(['status', '/hello', '--json']).stdout).apps[0]).toMatchObject({
      instances: 1,
      tasksRunning: 1,
    });

    const echo = path.join(cli.dir, 'echo.json');
    await writeFile(
      echo,
      JSON.stringify({ id: '/echo', cmd: `exec ${process.execPath} ${SERVER}`, instances: 1, cpus: 0.05, mem: 32 }),
    );
    expect(run(['deploy', echo]).code).toBe(0);
    const logs = run(['logs', '/echo']);
    expect(logs.stdout).toMatch(/^listening on 127\.0\.1\.\d:\d+$/m);

    const es = run(['engine', 'status']);
    expect(es.code).toBe(0);
    expect(es.stdout).toMatch(/agent-private-1\s+127\.0\.1\.1\s+role \*/);
    expect(es.stdout).toMatch(/agent-public-1\s+127\.0\.2\.1\s+role slave_public/);
    expect(es.stdout).toMatch(/isolation \(mesos\): /);
    expect(run(['engine', 'dashboard']).stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);
    expect(run(['engine', 'start']).stdout).toMatch(
      /^engine already running: http:\/\/127\.0\.0\.1:\d+ \(dashboard http:\/\/127\.0\.0\.1:\d+\/ui\/\)$/m,
    );
  });

  it('destroy removes an app by id, or everything a recipe deployed', async () => {
    const missing = run(['destroy', '/no-such-app']);
    expect(missing.code).toBe(EXIT.INVALID_INPUT); // Marathon's 404 is the user's mistake, not a Baton bug
    expect(missing.stderr).toMatch(
      /BATON_NOT_FOUND: DELETE \/v2\/apps\/no-such-app\?force=true → 404: App '\/no-such-app' does not exist/,
    );
    // destroy blocks until what it removes is gone: no waiting here.
    expect(run(['destroy', '/echo']).code).toBe(0);
    expect(JSON.parse(run(['status', '--json']).stdout).apps.map((a: { id: string }) => a.id)).not.toContain('/echo');
    const r = run(['destroy', 'recipes/hello']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^removing \/hello \(deployment /m);
    expect(r.stdout).toMatch(/^✔ removed \/hello in \d/);
    expect(JSON.parse(run(['status', '--json']).stdout).apps).toEqual([]);
  });
});
