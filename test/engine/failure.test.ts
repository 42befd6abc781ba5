import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { baton, batonAsync, events } from '../helpers/cli.js';

type Task = { id: string; host: string; ports: number[] };

describe('deadlines, rollback and exit codes (health issue, pipeline side)', () => {
  let dir: string;
  let env: Record<string, string>;
  const run = (args: string[]) => baton(args, { env });
  const tasksOf = (id: string): Task[] => JSON.parse(run(['status', id, '--json']).stdout).apps[0]?.tasks ?? [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-failure-'));
    env = { BATON_STATE_DIR: path.join(dir, 'state'), BATON_ENGINE_PORT: '0' };
  });
  afterAll(async () => {
    for (const id of ['/shop', '/paused', '/left']) run(['destroy', id]);
    await new Promise((r) => setTimeout(r, 1500));
    run(['engine', 'stop']);
    await rm(dir, { recursive: true, force: true });
  });

  it('a release that never turns healthy: deadline, automatic rollback, exit 4, and zero failed requests to the old instances', async () => {
    expect(run(['deploy', 'recipes/broken-release']).code).toBe(EXIT.OK);
    const old = tasksOf('/shop');
    expect(old).toHaveLength(3);

    // Bounded load on the old instances for as long as the broken deploy runs (at most 40 s).
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const load = (async () => {
      const end = Date.now() + 40_000;
      while (!stop && Date.now() < end) {
        await Promise.all(
          old.map(async (t) => {
            try {
              const r = await fetch(`http://${t.host}:${t.ports[0]}/`, { signal: AbortSignal.timeout(2000) });
              if ((await r.text()).startsWith('shop v1')) ok++;
              else failures.push(`HTTP ${r.status}`);
            } catch (err) {
              failures.push(String((err as Error).cause ?? err));
            }
          }),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const r = await batonAsync(['deploy', '--healthy-deadline', '5', '--json', 'recipes/broken-release/v2.json'], {
      env,
    });
    stop = true;
    await load;

    expect(r.code).toBe(EXIT.ROLLED_BACK);
    const err = events(r.stdout).find((e) => e.type === 'error')!.error;
    expect(err).toMatchObject({ code: 'BATON_ROLLED_BACK', data: { cause: { code: 'BATON_TIMEOUT' } } });
    expect(err.message).toMatch(/did not become healthy within 5s \(healthy deadline\) — rolled back$/);
    // Why, per instance: state, agent, health with its cause, and the task's stderr.
    expect(err.details).toMatch(/unhealthy: HTTP 500 from \/health/);
    expect(err.details).toMatch(/stderr\| v2: cannot reach the database/);
    expect(err.details).toMatch(/on agent-private-\d \(127\.0\.1\.\d:\d+\)/);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    // The same three v1 instances serve on; no v2 task is left.
    expect(
      tasksOf('/shop')
        .map((t) => t.id)
        .sort(),
    ).toEqual(old.map((t) => t.id).sort());

    const h = JSON.parse(run(['history', '/shop', '--json']).stdout);
    expect(h.versions.map((v: { outcomes: { outcome: string }[] }) => v.outcomes.map((o) => o.outcome).join())).toEqual(
      expect.arrayContaining(['succeeded', 'failed']),
    );
  }, 60_000);

  it('baton rollback deploys the last successful version and waits', async () => {
    // Move /shop to a new good version (label change), then roll back to the previous good one.
    const v3 = path.join(dir, 'v3.json');
    const recipe = JSON.parse(
      (await import('node:fs')).readFileSync('recipes/broken-release/baton.config.json', 'utf8'),
    );
    recipe.apps[0].labels.release = 'v3';
    delete recipe.$schema;
    await writeFile(v3, JSON.stringify(recipe));
    expect(run(['deploy', v3]).code).toBe(EXIT.OK);
    const r = run(['rollback', '/shop', '--json']);
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'rollback', id: '/shop' });
    const app = JSON.parse(run(['status', '/shop', '--json']).stdout).apps[0];
    expect(app.tasksRunning).toBe(3);
  }, 60_000);

  it('--on-failure pause stops the deployment where it is (exit 5 on a deadline); leave lets it run', async () => {
    const make = async (name: string) => {
      const f = path.join(dir, `${name}.json`);
      await writeFile(
        f,
        JSON.stringify({
          name,
          apps: [
            {
              id: `/${name}`,
              cmd: 'sleep 1000',
              instances: 1,
              cpus: 0.05,
              mem: 16,
              healthChecks: [
                {
                  protocol: 'COMMAND',
                  command: { value: 'false' },
                  gracePeriodSeconds: 300,
                  intervalSeconds: 1,
                  timeoutSeconds: 1,
                  delaySeconds: 0,
                },
              ],
            },
          ],
        }),
      );
      return f;
    };
    const paused = run(['deploy', '--timeout', '3', '--on-failure', 'pause', '--json', await make('paused')]);
    expect(paused.code).toBe(EXIT.TIMEOUT);
    expect(events(paused.stdout).find((e) => e.type === 'log' && /paused: deployment/.test(e.message))).toBeTruthy();
    const left = run(['deploy', '--timeout', '3', '--on-failure', 'leave', await make('left')]);
    expect(left.code).toBe(EXIT.TIMEOUT);
    const deployments = JSON.parse(run(['status', '--json']).stdout)
      .apps.filter((a: { id: string }) => a.id === '/left' || a.id === '/paused')
      .map((a: { id: string; deployments: unknown[] }) => [a.id, a.deployments.length]);
    expect(Object.fromEntries(deployments)).toEqual({ '/paused': 0, '/left': 1 });
  }, 40_000);

  it('a 409 lock names the blocking deployment; --force overrides it', async () => {
    const f = path.join(dir, 'locked.json');
    await writeFile(
      f,
      JSON.stringify({ name: 'left', apps: [{ id: '/left', cmd: 'sleep 1000', instances: 2, cpus: 0.05, mem: 16 }] }),
    );
    const r = run(['deploy', '--json', f]);
    expect(r.code).toBe(EXIT.DEPLOY_FAILED);
    expect(events(r.stdout).find((e) => e.type === 'error')!.error).toMatchObject({
      code: 'BATON_DEPLOY_LOCKED',
      message: expect.stringMatching(/^The app is locked by deployment [0-9a-f-]{36}; use --force to override it$/),
    });
    expect(run(['deploy', '--force', f]).code).toBe(EXIT.OK);
  }, 40_000);
});
