import type { App } from '../../core/index.js';
import type { AgentSpec } from './settings.js';
import { ACTIVE, type Instance } from './types.js';

/** Resources an agent has left, given the instances placed on it. */
export interface AgentUsage {
  agent: AgentSpec;
  cpus: number;
  mem: number;
  disk: number;
  usedPorts: Set<number>;
  /** Instances of each app on the agent (for spreading). */
  perApp: Map<string, number>;
}

/** Why an offer (agent) was declined, in /v2/queue's funnel order (marathon-semantics.md §10.2). */
export type DeclineReason =
  | 'UnfulfilledRole'
  | 'UnfulfilledConstraint'
  | 'InsufficientCpus'
  | 'InsufficientMemory'
  | 'InsufficientDisk'
  | 'InsufficientPorts';

export interface PlacementResult {
  agent?: AgentSpec;
  ports?: number[];
  /** Per reason, how many agents declined. */
  declined: Partial<Record<DeclineReason, number>>;
  /** Per unfulfilled constraint ("hostname:UNIQUE"), how many agents it ruled out. */
  constraints: Record<string, number>;
}

/** A placement plugin's verdict on an agent: undefined = may take the task, else the rule it breaks. */
export type AgentCheck = (agent: AgentSpec) => string | undefined;

export function usage(
  agents: AgentSpec[],
  instances: Iterable<Instance>,
  appsById: Map<string, App>,
): Map<string, AgentUsage> {
  const out = new Map<string, AgentUsage>();
  for (const a of agents)
    out.set(a.id, { agent: a, cpus: a.cpus, mem: a.mem, disk: a.disk, usedPorts: new Set(), perApp: new Map() });
  for (const i of instances) {
    // A reservation holds its volumes' disk whether or not its task runs (marathon-semantics.md §5.3).
    if (i.reservation) {
      const r = out.get(i.reservation.agentId);
      if (r) r.disk -= i.reservation.volumes.reduce((n, v) => n + v.size, 0);
    }
    if (!i.agentId || !ACTIVE.has(i.condition)) continue;
    const u = out.get(i.agentId);
    const app = appsById.get(i.appId);
    if (!u) continue;
    if (app) {
      u.cpus -= app.cpus;
      u.mem -= app.mem;
      u.disk -= app.disk;
    }
    for (const p of i.ports) u.usedPorts.add(p);
    u.perApp.set(i.appId, (u.perApp.get(i.appId) ?? 0) + 1);
  }
  return out;
}

/** Roles an app accepts: `acceptedResourceRoles`, else only unreserved ("*") resources. */
export function acceptsRole(app: App, role: string): boolean {
  return (app.acceptedResourceRoles ?? ['*']).includes(role);
}

/** Host ports the app needs: fixed ones (requirePorts) and how many dynamic. */
function requestedPorts(app: App): (number | 0)[] {
  const mappings = app.container?.portMappings ?? [];
  if (mappings.length > 0) return mappings.filter((m) => m.hostPort !== undefined).map((m) => m.hostPort ?? 0);
  return (app.portDefinitions ?? []).map((d) => (app.requirePorts ? d.port : 0));
}

/**
 * Host ports for one task on one agent: fixed ports must be free and in the agent's range; dynamic
 * ones are taken from a random start in the range, then sequentially (as offers are used, marathon-semantics.md §9).
 */
function allocatePorts(u: AgentUsage, wanted: (number | 0)[], random: () => number): number[] | undefined {
  if (wanted.length === 0) return [];
  const [lo, hi] = u.agent.ports;
  // Ports chosen in this call, beside the agent's used ones (no copy of the used set per offer).
  const mine = new Set<number>();
  const taken = (p: number) => u.usedPorts.has(p) || mine.has(p);
  for (const w of wanted) {
    if (w === 0) continue;
    if (taken(w) || w < lo || w > hi) return undefined;
    mine.add(w);
  }
  const size = hi - lo + 1;
  let cursor = Math.floor(random() * size);
  const out: number[] = [];
  for (const w of wanted) {
    if (w !== 0) {
      out.push(w);
      continue;
    }
    let k = 0;
    while (k < size && taken(lo + ((cursor + k) % size))) k++;
    if (k === size) return undefined;
    const p = lo + ((cursor + k) % size);
    mine.add(p);
    cursor = (cursor + k + 1) % size;
    out.push(p);
  }
  return out;
}

/**
 * Pick an agent for one new task of `app`: role, placement policies (constraints), resources,
 * ports; among those that fit, the one with the fewest instances of the app, then the most free
 * memory. Returns the reasons others declined, for /v2/queue and `baton status`.
 */
export function place(
  app: App,
  usageByAgent: Map<string, AgentUsage>,
  check: AgentCheck = () => undefined,
  random: () => number = Math.random,
): PlacementResult {
  const declined: PlacementResult['declined'] = {};
  const constraints: Record<string, number> = {};
  const bump = (r: DeclineReason) => (declined[r] = (declined[r] ?? 0) + 1);
  const wanted = requestedPorts(app);
  const roles = app.acceptedResourceRoles ?? ['*'];
  let best: { u: AgentUsage; ports: number[] } | undefined;
  for (const u of usageByAgent.values()) {
    if (!roles.includes(u.agent.role)) {
      bump('UnfulfilledRole');
      continue;
    }
    const broken = check(u.agent);
    if (broken !== undefined) {
      bump('UnfulfilledConstraint');
      constraints[broken] = (constraints[broken] ?? 0) + 1;
      continue;
    }
    if (u.cpus + 1e-9 < app.cpus) {
      bump('InsufficientCpus');
      continue;
    }
    if (u.mem + 1e-9 < app.mem) {
      bump('InsufficientMemory');
      continue;
    }
    if (u.disk + 1e-9 < app.disk) {
      bump('InsufficientDisk');
      continue;
    }
    const ports = allocatePorts(u, wanted, random);
    if (!ports) {
      bump('InsufficientPorts');
      continue;
    }
    if (!best) {
      best = { u, ports };
      continue;
    }
    const a = u.perApp.get(app.id) ?? 0;
    const b = best.u.perApp.get(app.id) ?? 0;
    if (a < b || (a === b && u.mem > best.u.mem)) best = { u, ports };
  }
  if (!best) return { declined, constraints };
  // Account for it now so that several launches in one pass spread out.
  best.u.cpus -= app.cpus;
  best.u.mem -= app.mem;
  best.u.disk -= app.disk;
  for (const p of best.ports) best.u.usedPorts.add(p);
  best.u.perApp.set(app.id, (best.u.perApp.get(app.id) ?? 0) + 1);
  return { agent: best.u.agent, ports: best.ports, declined, constraints };
}
