import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';

type Task = { id: string; host: string; slaveId: string; version: string; state: string };

/** Constraints and roles on a real engine: four agents with rack and level attributes, real tasks. */
describe('placement on the embedded engine (marathon-semantics.md §2, §1.8)', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await startTestEngine({
      agents: [
        { id: 'a1', attributes: { rack: 'r1', level: 0.8 } },
        { id: 'a2', attributes: { rack: 'r1', level: 1 } },
        { id: 'a3', attributes: { rack: 'r2' } },
        { id: 'pub', role: 'slave_public', attributes: { rack: 'edge' } },
      ],
    });
  });
  afterAll(async () => e.destroy());

  const app = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    cmd: 'sleep 600',
    cpus: 0.01,
    mem: 16,
    instances: 1,
    ...extra,
  });
  const tasks = async (id: string) =>
    ((await e.api('GET', `/v2/apps${id}/tasks`)).body.tasks as Task[]).filter((t) => t.state === 'TASK_RUNNING');
  const agentsOf = async (id: string) => (await tasks(id)).map((t) => t.slaveId).sort();
  const queued = async (id: string) =>
    (
      (await e.api('GET', '/v2/queue?embed=baton')).body.queue as {
        app: { id: string };
        count: number;
        baton: { why: string };
      }[]
    ).find((q) => q.app.id === id);
  const remove = async (...ids: string[]) => {
    for (const id of ids) await e.api('DELETE', `/v2/apps${id}?force=true`);
    await e.settle();
  };

  it('UNIQUE: one task per hostname; the fourth waits and the queue says why', async () => {
    await e.api('POST', '/v2/apps', app('/uniq', { instances: 4, constraints: [['hostname', 'UNIQUE']] }));
    await until(async () => (await tasks('/uniq')).length === 3, 10_000, '3 running');
    const q = await until(() => queued('/uniq'), 5000, 'the queue entry');
    expect(q.count).toBe(1);
    expect(q.baton.why).toBe(
      'hostname:UNIQUE rules out 3 of 4 agent(s), UnfulfilledRole on 1 of 4 agent(s); 3 of 4 instance(s) placed',
    );
    expect(await agentsOf('/uniq')).toEqual(['a1', 'a2', 'a3']);
    await remove('/uniq');
  }, 20_000);

  it('apps run on private agents unless they accept slave_public', async () => {
    await e.api('POST', '/v2/apps', app('/lb', { acceptedResourceRoles: ['slave_public'] }));
    await e.api('POST', '/v2/apps', app('/private', { instances: 4 }));
    await e.settle();
    expect(await agentsOf('/lb')).toEqual(['pub']);
    expect(await agentsOf('/private')).not.toContain('pub');
    await remove('/lb', '/private');
  }, 20_000);

  it('LIKE, UNLIKE with a missing attribute, IS with scalars, CLUSTER', async () => {
    await e.api(
      'POST',
      '/v2/apps',
      app('/like', {
        instances: 2,
        constraints: [
          ['rack', 'LIKE', 'r[0-9]'],
          ['hostname', 'UNIQUE'],
        ],
      }),
    );
    await e.api(
      'POST',
      '/v2/apps',
      app('/unlike', {
        instances: 2,
        constraints: [
          ['level', 'UNLIKE', '1'],
          ['hostname', 'UNIQUE'],
        ],
      }),
    );
    await e.api('POST', '/v2/apps', app('/is', { instances: 2, constraints: [['level', 'IS', '0.80']] }));
    await e.api('POST', '/v2/apps', app('/cluster', { instances: 3, constraints: [['rack', 'CLUSTER', 'r1']] }));
    await e.settle();
    expect((await agentsOf('/like')).filter((a) => a === 'pub')).toEqual([]);
    expect(await agentsOf('/unlike')).toEqual(['a1', 'a3']); // a3 has no level: UNLIKE accepts it
    expect(await agentsOf('/is')).toEqual(['a1', 'a1']);
    expect((await agentsOf('/cluster')).every((a) => a === 'a1' || a === 'a2')).toBe(true);
    await remove('/like', '/unlike', '/is', '/cluster');
  }, 20_000);

  it('MAX_PER caps tasks per value', async () => {
    await e.api('POST', '/v2/apps', app('/maxper', { instances: 4, constraints: [['rack', 'MAX_PER', '1']] }));
    await until(async () => (await tasks('/maxper')).length === 2, 10_000, '2 running');
    expect((await queued('/maxper'))?.baton.why).toMatch(/^rack:MAX_PER:1 rules out 3 of 4 agent\(s\)/);
    await remove('/maxper');
  }, 20_000);

  it('GROUP_BY: a scale-down rebalances the groups before the kill order applies', async () => {
    // Two tasks first: without a value GROUP_BY lets the second stack on r1 (a2) before r2 is seen.
    await e.api('POST', '/v2/apps', app('/grp', { instances: 2, constraints: [['rack', 'GROUP_BY']] }));
    await e.settle();
    await e.api('PUT', '/v2/apps/grp', { instances: 4 });
    await e.settle();
    const racks = async () => {
      const byAgent = await agentsOf('/grp');
      return { r1: byAgent.filter((a) => a !== 'a3').length, r2: byAgent.filter((a) => a === 'a3').length };
    };
    expect(await racks()).toEqual({ r1: 2, r2: 2 });
    // YOUNGEST_FIRST alone would kill both r2 tasks (the newest); GROUP_BY keeps one per rack.
    await e.api('PUT', '/v2/apps/grp', { instances: 2 });
    await e.settle();
    await until(async () => (await tasks('/grp')).length === 2, 10_000, '2 left');
    expect(await racks()).toEqual({ r1: 1, r2: 1 });
    await remove('/grp');
  }, 30_000);

  it('UNIQUE during upgrades: a config change ignores old tasks (marathon-semantics.md §2.3), a restart does not', async () => {
    await e.api('POST', '/v2/apps', app('/roll', { instances: 3, constraints: [['hostname', 'UNIQUE']] }));
    await e.settle();
    // Config change: new tasks land beside the old ones, the deployment finishes.
    await e.api('PUT', '/v2/apps/roll', { cmd: 'sleep 601' });
    await e.settle(20_000);
    expect(await agentsOf('/roll')).toEqual(['a1', 'a2', 'a3']);
    // Restart: old tasks still count, with minimumHealthCapacity 1 nothing may be killed first.
    const r = await e.api('POST', '/v2/apps/roll/restart');
    expect(r.status).toBe(200);
    const q = await until(() => queued('/roll'), 5000, 'the restart to wait');
    expect(q.baton.why).toMatch(/^hostname:UNIQUE rules out 3 of 4 agent\(s\)/);
    expect(e.engine.state.deployments.size).toBe(1);
    await remove('/roll');
  }, 40_000);

  it('insufficient resources wait with the reason per resource', async () => {
    await e.api('POST', '/v2/apps', app('/huge', { mem: 5000 }));
    const q = await until(() => queued('/huge'), 5000, 'the queue entry');
    expect(q.baton.why).toBe(
      'UnfulfilledRole on 1 of 4 agent(s), InsufficientMemory on 3 of 4 agent(s); 0 of 1 instance(s) placed',
    );
    await remove('/huge');
  }, 20_000);

  it("the API rejects malformed constraints with Marathon's messages (422)", async () => {
    const r = await e.api(
      'POST',
      '/v2/apps',
      app('/bad', {
        constraints: [
          ['hostname', 'UNIQUE', 'x'],
          ['rack', 'GROUP_BY', 'two'],
        ],
      }),
    );
    expect(r.status).toBe(422);
    expect(r.body.details).toEqual([
      { path: '/constraints(0)', errors: ['UNIQUE does not accept a value'] },
      { path: '/constraints(1)', errors: ['GROUP BY must define an integer value or else no value at all'] },
    ]);
    expect(e.engine.state.apps.has('/bad')).toBe(false);
  });
});
