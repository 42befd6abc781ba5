import { Issues, normalizeApp, type App } from '../core/index.js';
import { constraintsPolicy } from '../plugins/constraints/policy.js';
import { place, usage } from '../plugins/engine/placement.js';
import { openSession, type PlacementPolicy } from '../plugins/engine/placement-policy.js';
import type { AgentSpec } from '../plugins/engine/settings.js';
import { median, round } from './stats.js';

/** `count` agents big enough that only constraints limit placement; 10 racks. */
function agents(count: number): AgentSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `a${i}`,
    hostname: `10.0.${i >> 8}.${i & 255}`,
    address: '127.0.1.1',
    role: '*',
    attributes: { rack: `rack-${i % 10}` },
    region: 'local',
    zone: `zone-${i % 3}`,
    cpus: 1e6,
    mem: 1e9,
    disk: 1e9,
    ports: [31000, 32000],
  }));
}

/**
 * One scheduling pass as the engine runs it (engine.ts converge): every waiting instance tries
 * every agent through place() and the policies' session; placed ones are booked at once.
 */
function pass(
  app: App,
  instances: number,
  list: AgentSpec[],
  policies: PlacementPolicy[],
): { ms: number; placed: number } {
  const t0 = performance.now();
  const use = usage(list, [], new Map());
  const session = openSession(policies, app, []);
  let placed = 0;
  for (let k = 0; k < instances; k++) {
    const r = place(app, use, (a) => session.reject(a));
    if (r.agent) {
      session.placed(r.agent);
      placed++;
    }
  }
  return { ms: performance.now() - t0, placed };
}

const app = (constraints: string[][]) =>
  normalizeApp({ id: '/bench', cmd: 'true', cpus: 0.01, mem: 1, instances: 1, constraints }, new Issues());

export const CASES: { name: string; constraints: string[][] }[] = [
  { name: 'hostname:UNIQUE', constraints: [['hostname', 'UNIQUE']] },
  { name: 'rack:GROUP_BY', constraints: [['rack', 'GROUP_BY']] },
  { name: 'rack:MAX_PER:1000', constraints: [['rack', 'MAX_PER', '1000']] },
  {
    name: 'all three + @zone LIKE',
    constraints: [
      ['rack', 'GROUP_BY', '10'],
      ['rack', 'MAX_PER', '1000'],
      ['hostname', 'MAX_PER', '100'],
      ['@zone', 'LIKE', 'zone-.*'],
    ],
  },
];

/** Median of `runs` passes, with the unconstrained pass of the same size as the baseline. */
export function placementScale(instances: number, agentCount: number, runs: number) {
  const list = agents(agentCount);
  const policies = [constraintsPolicy(list)];
  const measure = (constraints: string[][]) => {
    const samples: number[] = [];
    let placed = 0;
    for (let r = 0; r < runs; r++) {
      const out = pass(app(constraints), instances, list, policies);
      samples.push(out.ms);
      placed = out.placed;
    }
    return { ms: round(median(samples)), placed };
  };
  const baseline = measure([]);
  return {
    instances,
    agents: agentCount,
    baselineMs: baseline.ms,
    cases: CASES.map((c) => ({ name: c.name, ...measure(c.constraints) })),
  };
}
