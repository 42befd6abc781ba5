import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { baton, cliDaemon, events } from '../helpers/cli.js';
import { serverCmd } from '../helpers/engine.js';

/** Pids of the processes running `baton ... engine serve` on this state directory. */
const daemonsOf = (stateDir: string) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes('engine\0serve') && cmd.includes(stateDir);
      } catch {
        return false;
      }
    });

describe('a read-only command starts nothing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-plan-only-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('`baton plan` with no engine running plans against an empty engine, says so, and leaves no process', () => {
    const stateDir = path.join(dir, 'state');
    const r = baton(['plan', 'recipes/hello'], { env: { BATON_STATE_DIR: stateDir, BATON_ENGINE_PORT: '0' } });
    expect(r.code).toBe(EXIT.PLAN_HAS_CHANGES);
    expect(r.stdout).toContain('+ create    app /hello  3 instances');
    expect(r.stderr).toContain('planned against an empty engine (nothing was started)');
    expect(daemonsOf(stateDir)).toEqual([]);
  });
});

describe('deploy output: the plan first, progress, then the verdict; destroy waits (CLI, real daemon)', () => {
  const d = cliDaemon('baton-cli-output-', ['/verdict', '/gone', '/stopped']);

  it('`baton plan` with the engine stopped reads its state from disk, read-only, and starts nothing', async () => {
    const f = path.join(d.dir, 'stopped.json');
    await writeFile(f, JSON.stringify({ id: '/stopped', cmd: 'sleep 300', instances: 1, cpus: 0.01, mem: 16 }));
    expect(d.run(['deploy', f]).code).toBe(EXIT.OK);
    expect(d.run(['engine', 'stop']).code).toBe(EXIT.OK);
    const stateDir = d.env.BATON_STATE_DIR;
    const r = d.run(['plan', f]);
    expect(r.code, r.stderr).toBe(EXIT.OK); // nothing would change: the stopped engine has /stopped
    expect(r.stdout).toContain('= unchanged app /stopped');
    expect(r.stderr).toContain(
      `planned against the stopped engine's state in ${stateDir} (read-only; nothing was started)`,
    );
    expect(daemonsOf(stateDir)).toEqual([]);
    expect(d.run(['engine', 'start']).code).toBe(EXIT.OK); // for the cleanup's destroy
  }, 60_000);

  it('plain output starts with the plan, lists only stages that did something, and ends with the verdict', async () => {
    const f = path.join(d.dir, 'verdict.json');
    await writeFile(
      f,
      JSON.stringify({
        name: 'verdict',
        apps: [
          {
            id: '/verdict',
            cmd: serverCmd(),
            instances: 2,
            cpus: 0.02,
            mem: 32,
            healthChecks: [{ protocol: 'HTTP', path: '/health', intervalSeconds: 1, gracePeriodSeconds: 5 }],
          },
        ],
      }),
    );
    // Both streams in order, as a CI log shows them: the plan (stdout) comes before any stage line (stderr).
    const r = baton(['deploy', '--timeout', '2m', f], { env: d.env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/^Plan for recipe verdict → embedded engine/);
    expect(out).toContain('  + create    app /verdict  2 instances');
    const verdict = out.findIndex((l) => l.startsWith('✔ Deployed verdict in '));
    expect(verdict).toBeGreaterThan(out.indexOf('1 to create, 0 to restart, 0 to scale, 0 to remove.'));
    expect(out[verdict + 1]).toMatch(/^ {2}\/verdict {2}2\/2 healthy +version \d{4}-/);
    expect(out[verdict + 2]).toMatch(/served at 127\.0\.1\.\d+:\d+, 127\.0\.1\.\d+:\d+, dns verdict\.marathon\.mesos/);
    // Stages that had nothing to do for this recipe are not listed (Docker, pods, HAProxy labels, VIPs…).
    const stages = r.stderr.split('\n').filter((l) => /^✔ \[/.test(l));
    expect(stages.length).toBeGreaterThan(0);
    for (const s of stages) expect(s).toMatch(/^✔ \[(apply|wait)\]/);
    // The shell completes ids from the running engine.
    const c = d.run(['--get-yargs-completions', 'baton', 'status', '/ver']);
    expect(c.stdout.split('\n')).toContain('/verdict');
    // -v lists every stage; NDJSON has the verdict's apps as a `summary` event.
    const j = baton(['deploy', '--json', f], { env: d.env });
    const summary = events(j.stdout).find((e) => e.type === 'summary');
    expect(summary?.apps).toEqual([
      expect.objectContaining({ id: '/verdict', type: 'app', running: 2, healthy: 2, target: 2 }),
    ]);
    const v = baton(['plan', '-v', f], { env: d.env });
    expect(v.stderr.split('\n').filter((l) => /^✔ \[validate\]/.test(l)).length).toBeGreaterThan(5);
  }, 90_000);

  it('destroy returns only once the app is gone, and says how long it took', async () => {
    const f = path.join(d.dir, 'gone.json');
    await writeFile(
      f,
      JSON.stringify({ id: '/gone', cmd: serverCmd('GRACEFUL_TERM=1'), instances: 2, cpus: 0.02, mem: 32 }),
    );
    expect(d.run(['deploy', f]).code).toBe(EXIT.OK);
    const r = d.run(['destroy', '/gone']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^✔ removed \/gone in \d/);
    // Gone when destroy returns: neither the app nor a task of it.
    expect(d.run(['status', '/gone']).code).toBe(EXIT.INVALID_INPUT);
    const tasks = d.run(['status', '--json']);
    expect(tasks.stdout).not.toContain('/gone');
  }, 60_000);
});
