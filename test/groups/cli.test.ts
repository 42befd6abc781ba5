import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { cliDaemon } from '../helpers/cli.js';

type Task = { id: string; host: string; slaveId: string; stagedAt: string; startedAt: string };
type AppStatus = { id: string; instances: number; tasksRunning: number; tasks: Task[] };

/** recipes/app-group and recipes/constraints through the CLI, on a real engine daemon. */
describe('groups and constraints recipes (CLI, real daemon)', () => {
  const cli = cliDaemon('baton-cli-groups-', ['recipes/app-group', 'recipes/constraints']);
  const run = cli.run;
  const apps = (): AppStatus[] => JSON.parse(run(['status', '--json']).stdout).apps;

  it('deploys the group in dependency layers: each tier starts after the one it depends on is healthy', () => {
    const r = run(['deploy', 'recipes/app-group']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const byId = new Map(apps().map((a) => [a.id, a]));
    const first = (id: string) => Math.min(...byId.get(id)!.tasks.map((t) => Date.parse(t.stagedAt)));
    const lastStart = (id: string) => Math.max(...byId.get(id)!.tasks.map((t) => Date.parse(t.startedAt)));
    expect(byId.get('/shop/api/orders')?.tasksRunning).toBe(2);
    // Tasks sleep 1 s before listening: a health check cannot pass sooner, so the gap shows the gate.
    expect(first('/shop/api/orders') - lastStart('/shop/db/store')).toBeGreaterThanOrEqual(900);
    expect(first('/shop/web/frontend') - lastStart('/shop/api/orders')).toBeGreaterThanOrEqual(900);
  }, 60_000);

  it('baton group show / scale / versions / rollback', () => {
    const show = run(['group', 'show', '/shop']);
    // Group dependencies travel as the apps' own (the same order on any target).
    expect(show.stdout).toMatch(/^\s+\/shop\/api\/orders {2}2\/2 running {2}\(after \/shop\/db\)$/m);
    expect(show.stdout).toMatch(/^\s+\/shop\/web\/frontend {2}2\/2 running/m);
    const before = JSON.parse(run(['group', 'versions', '/shop', '--json']).stdout) as string[];
    expect(run(['group', 'scale', '/shop', '2']).code).toBe(EXIT.OK);
    const shop = () =>
      apps()
        .filter((a) => a.id.startsWith('/shop/'))
        .sort((a, b) => a.id.localeCompare(b.id));
    expect(shop().map((a) => [a.id, a.instances, a.tasksRunning])).toEqual([
      ['/shop/api/orders', 4, 4],
      ['/shop/db/store', 2, 2],
      ['/shop/web/frontend', 4, 4],
    ]);
    const rb = run(['group', 'rollback', '/shop', '--to', before[0]]);
    expect(rb.code, rb.stderr).toBe(EXIT.OK);
    expect(shop().map((a) => a.instances)).toEqual([2, 1, 2]);
    expect(run(['group', 'rollback', '/shop']).code).toBe(EXIT.INVALID_INPUT);
  }, 90_000);

  it('a dependency cycle is rejected before anything is touched, naming the cycle', async () => {
    const f = path.join(cli.dir, 'cycle.json');
    await writeFile(
      f,
      JSON.stringify({
        name: 'cycle',
        groups: [
          {
            id: '/c',
            groups: [
              { id: 'a', dependencies: ['/c/b'], apps: [{ id: 'x', cmd: 'sleep 9' }] },
              { id: 'b', dependencies: ['../a'], apps: [{ id: 'y', cmd: 'sleep 9' }] },
            ],
          },
        ],
      }),
    );
    const r = run(['deploy', f]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stdout + r.stderr).toMatch(/dependencies form a cycle: \/c\/a\/x → \/c\/b\/y → \/c\/a\/x/);
    expect(r.stdout + r.stderr).toMatch(/group\.dependency-cycle/);
  });

  it('recipes/constraints: UNIQUE on every private agent, GROUP_BY 2 + 2 over the racks, MAX_PER 2', () => {
    expect(run(['deploy', 'recipes/constraints']).code).toBe(EXIT.OK);
    const byId = new Map(apps().map((a) => [a.id, a]));
    const racks = (id: string) => byId.get(id)!.tasks.map((t) => (t.host === '127.0.1.2' ? 'rack-2' : 'rack-1'));
    expect(
      byId
        .get('/spread/unique')!
        .tasks.map((t) => t.host)
        .sort(),
    ).toEqual(['127.0.1.1', '127.0.1.2', '127.0.1.3']);
    expect(racks('/spread/racks').sort()).toEqual(['rack-1', 'rack-1', 'rack-2', 'rack-2']);
    const capped = racks('/spread/capped');
    expect(capped.filter((r) => r === 'rack-1').length).toBeLessThanOrEqual(2);
    expect(byId.get('/spread/capped')!.tasksRunning).toBe(3);
  }, 60_000);
});
