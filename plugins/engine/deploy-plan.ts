import { classifyAppChange, dependencyTargets, type App } from '../../core/index.js';
import type { DeploymentAction } from './types.js';

/**
 * Marathon's DeploymentPlan step order (marathon-semantics.md §4.3): stop removed apps (all at once), start
 * new ones (no-op), then the affected apps in dependency layers, leaves first: new or scale-only
 * (or scaled to 0) → ScaleApplication, any other change → RestartApplication. Empty steps dropped.
 * `restarts` are apps whose restart was requested with an unchanged definition.
 */
export function planSteps(
  current: Map<string, App>,
  target: Map<string, App | null>,
  restarts: Set<string> = new Set(),
  /** Dependencies an app inherits from its groups. */
  inherited: (id: string) => string[] = () => [],
): DeploymentAction[][] {
  const steps: DeploymentAction[][] = [];
  const removed = [...target].filter(([id, a]) => a === null && current.has(id)).map(([id]) => id);
  steps.push(removed.map((app) => ({ action: 'StopApplication', app })));
  const added = [...target].filter(([id, a]) => a !== null && !current.has(id)).map(([id]) => id);
  steps.push(added.map((app) => ({ action: 'StartApplication', app })));

  const affected = new Map<string, DeploymentAction>();
  for (const [id, next] of target) {
    if (next === null) continue;
    const kind = restarts.has(id) ? 'restart' : classifyAppChange(current.get(id), next);
    if (kind === 'unchanged') continue;
    const scale = kind === 'create' || kind === 'scale' || next.instances === 0;
    affected.set(id, { action: scale ? 'ScaleApplication' : 'RestartApplication', app: id });
  }
  // Longest dependency chain per affected app (unknown ids ignored; cycles are rejected earlier).
  const all = new Map([...current, ...[...target].filter((e): e is [string, App] => e[1] !== null)]);
  const ids = [...all.keys()];
  const depth = new Map<string, number>();
  const chain = (id: string, seen: Set<string>): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const declared = [...(all.get(id)?.dependencies ?? []), ...inherited(id)];
    const deps = declared.flatMap((d) => dependencyTargets(d, ids)).filter((k) => k !== id);
    const v = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => chain(d, seen)));
    depth.set(id, v);
    return v;
  };
  const layers = new Map<number, DeploymentAction[]>();
  for (const [id, action] of affected) {
    const d = chain(id, new Set());
    layers.set(d, [...(layers.get(d) ?? []), action]);
  }
  for (const d of [...layers.keys()].sort((a, b) => a - b)) steps.push(layers.get(d)!);
  return steps.filter((s) => s.length > 0);
}
