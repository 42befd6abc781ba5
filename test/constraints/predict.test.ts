import { describe, expect, it } from 'vitest';
import { normalizeApp, Issues, type App } from '../../core/index.js';
import { constraintsPolicy } from '../../plugins/constraints/policy.js';
import { predictPlacement } from '../../plugins/engine/predict.js';
import { defaultAgents } from '../../plugins/engine/settings.js';
import type { Instance, StoredApp } from '../../plugins/engine/types.js';

const agents = defaultAgents();
const policies = [constraintsPolicy(agents)];
const app = (raw: Record<string, unknown>): App =>
  normalizeApp({ cmd: 'sleep 1', cpus: 0.1, mem: 32, ...raw }, new Issues());

/** Running instances of `a`, one per listed agent, as the engine holds them. */
function running(a: App, onAgents: string[], ports: number[][] = []): { stored: StoredApp; instances: Instance[] } {
  const stored: StoredApp = { app: a, version: 'v1', versionInfo: { lastConfigChangeAt: 'v1', lastScalingAt: 'v1' } };
  const instances = onAgents.map((agentId, k): Instance => ({
    instanceId: `${a.id}-${k}`,
    appId: a.id,
    runSpecVersion: 'v1',
    goal: 'Running',
    condition: 'Running',
    since: '',
    incarnation: 1,
    agentId,
    ports: ports[k] ?? [],
    createdAt: '',
  }));
  return { stored, instances };
}

describe("plan-time placement prediction (the scheduler's own placement, on a copy of the state)", () => {
  it('a new app with more UNIQUE instances than agents: the extra ones would wait', () => {
    const [p] = predictPlacement(
      agents,
      policies,
      new Map(),
      [],
      [app({ id: '/web', instances: 5, constraints: [['hostname', 'UNIQUE']] })],
    );
    expect(p).toMatchObject({ id: '/web', pending: 2 });
    expect(p.why).toBe(
      'hostname:UNIQUE rules out 3 of 4 agent(s), UnfulfilledRole on 1 of 4 agent(s); 3 of 5 instance(s) placed',
    );
    expect(
      predictPlacement(
        agents,
        policies,
        new Map(),
        [],
        [app({ id: '/web', instances: 3, constraints: [['hostname', 'UNIQUE']] })],
      ),
    ).toEqual([]);
  });

  it('scaling up counts the running instances against MAX_PER', () => {
    const cur = app({ id: '/api', instances: 2, constraints: [['rack', 'MAX_PER', '1']] });
    const { stored, instances } = running(cur, ['agent-private-1', 'agent-private-2']);
    const [p] = predictPlacement(agents, policies, new Map([['/api', stored]]), instances, [{ ...cur, instances: 3 }]);
    expect(p).toMatchObject({ id: '/api', pending: 1 });
    expect(p.why).toMatch(/^rack:MAX_PER:1 rules out 3 of 4 agent\(s\)/);
  });

  it('a rolling upgrade that cannot surge: fixed host ports held by every old instance', () => {
    const cur = app({
      id: '/fixed',
      instances: 3,
      requirePorts: true,
      portDefinitions: [{ port: 31100 }],
      constraints: [['hostname', 'UNIQUE']],
    });
    // Every agent offers only port 31100, and each old instance holds it on its agent.
    const own = agents.map((a) => ({ ...a, ports: [31100, 31100] as [number, number] }));
    const { stored, instances } = running(
      cur,
      ['agent-private-1', 'agent-private-2', 'agent-private-3'],
      [[31100], [31100], [31100]],
    );
    const next = { ...cur, cmd: 'sleep 2' };
    const [p] = predictPlacement(own, [constraintsPolicy(own)], new Map([['/fixed', stored]]), instances, [next]);
    expect(p).toMatchObject({ id: '/fixed', pending: 3, stuckUpgrade: true });
    expect(p.why).toMatch(
      /^rolling upgrade cannot continue with 3 old instance\(s\) running: .*InsufficientPorts on 3 of 4 agent\(s\)/,
    );
    // Allowing one instance down (minimumHealthCapacity 0.5) frees a port: the upgrade proceeds.
    const ok = predictPlacement(own, [constraintsPolicy(own)], new Map([['/fixed', stored]]), instances, [
      { ...next, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } },
    ]);
    expect(ok).toEqual([]);
  });

  it('removed apps free their agents first', () => {
    const big = app({ id: '/big', instances: 3, mem: 4000 });
    const { stored, instances } = running(big, ['agent-private-1', 'agent-private-2', 'agent-private-3']);
    const newcomer = app({ id: '/new', instances: 3, mem: 4000 });
    expect(predictPlacement(agents, policies, new Map([['/big', stored]]), instances, [newcomer])[0]).toMatchObject({
      pending: 3,
    });
    expect(predictPlacement(agents, policies, new Map([['/big', stored]]), instances, [newcomer], ['/big'])).toEqual(
      [],
    );
  });
});
