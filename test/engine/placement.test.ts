import { describe, expect, it } from 'vitest';
import { Issues, normalizeApp } from '../../core/index.js';
import { place, usage } from '../../plugins/engine/placement.js';
import { defaultAgents } from '../../plugins/engine/settings.js';
import type { Instance } from '../../plugins/engine/types.js';

const app = (over: Record<string, unknown>) =>
  normalizeApp({ id: '/p', cmd: 'sleep 1', cpus: 1, mem: 1024, ...over }, new Issues());

describe('placement on the default agents (resources, roles, ports)', () => {
  it('spreads over private agents, never on the public one unless slave_public is accepted', () => {
    const agents = defaultAgents();
    const use = usage(agents, [], new Map());
    const a = app({});
    const placed = [1, 2, 3].map(() => place(a, use).agent?.id);
    expect(placed.sort()).toEqual(['agent-private-1', 'agent-private-2', 'agent-private-3']);
    const pub = place(app({ id: '/lb', acceptedResourceRoles: ['slave_public'] }), usage(agents, [], new Map()));
    expect(pub.agent?.id).toBe('agent-public-1');
  });

  it('what does not fit waits, with the reasons per agent', () => {
    const r = place(app({ mem: 100_000 }), usage(defaultAgents(), [], new Map()));
    expect(r.agent).toBeUndefined();
    expect(r.declined).toEqual({ UnfulfilledRole: 1, InsufficientMemory: 3 });
  });

  it("allocates host ports from the agent's own range; requirePorts needs that exact port free", () => {
    const agents = defaultAgents();
    const a = app({ portDefinitions: [{ port: 0 }, { port: 0 }] });
    const r = place(a, usage(agents, [], new Map()));
    const [lo, hi] = r.agent!.ports;
    expect(r.ports).toHaveLength(2);
    for (const p of r.ports!) expect(p >= lo && p <= hi).toBe(true);
    expect(new Set(r.ports).size).toBe(2);

    const fixed = app({ id: '/fixed', requirePorts: true, portDefinitions: [{ port: 31001 }] });
    const first = place(fixed, usage(agents, [], new Map()));
    expect(first).toMatchObject({ agent: { id: 'agent-private-1' }, ports: [31001] });
    const taken: Instance = {
      instanceId: 'x',
      appId: '/fixed',
      runSpecVersion: 'v',
      goal: 'Running',
      condition: 'Running',
      since: '',
      incarnation: 1,
      agentId: 'agent-private-1',
      ports: [31001],
      createdAt: '',
    };
    const second = place(fixed, usage(agents, [taken], new Map([['/fixed', fixed]])));
    expect(second.agent).toBeUndefined(); // 31001 only exists on agent-private-1, where it is in use
    expect(second.declined.InsufficientPorts).toBe(3);
  });
});
