import { RECIPE_LABEL, type ClusterState } from './cluster.js';
import {
  classifyAppChange,
  classifyPodChange,
  stableJson,
  withAssignedServicePorts,
  type ChangeKind,
} from './marathon/change.js';
import type { Recipe } from './recipe/types.js';

export interface PlanChange {
  kind: ChangeKind;
  type: 'app' | 'pod';
  id: string;
  /** Instances before/after (absent on the side that does not exist). */
  from?: number;
  to?: number;
  /** For restarts: the top-level fields that differ (names only: values may hold secrets). */
  fields?: string[];
  /** Set by target plugins that can predict placement: instances that would wait, and why. */
  pending?: { instances: number; why: string };
  /** Set by strategy plugins that deploy this change themselves: e.g. "blue-green: /web-blue → /web-green". */
  strategy?: string;
}

export interface Plan {
  target: string;
  changes: PlanChange[];
  /** Things the user should know about the plan (e.g. "target state unknown"). */
  notes: string[];
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.kind !== 'unchanged');
}

/** An app or pod as it will be deployed: the recipe's, with Baton's ownership label. */
export function owned<T extends { labels?: Record<string, string> }>(spec: T, recipe: Pick<Recipe, 'name'>): T {
  return { ...spec, labels: { ...spec.labels, [RECIPE_LABEL]: recipe.name } };
}

/**
 * Diff a recipe against what the target runs (marathon-semantics.md §4.2): create, restart (config change),
 * scale (only instances), unchanged; and remove for specs this recipe deployed before (by its
 * ownership label) that it no longer holds. Nothing on the target is touched.
 */
export function computePlan(recipe: Recipe, state: ClusterState, target: string): Plan {
  const changes: PlanChange[] = [];
  const currentApps = new Map(state.apps.map((a) => [a.id, a]));
  const currentPods = new Map(state.pods.map((p) => [p.id, p]));
  for (const { spec } of recipe.apps) {
    const next = owned(spec, recipe);
    const cur = currentApps.get(spec.id);
    const kind = classifyAppChange(cur, next);
    changes.push({
      kind,
      type: 'app',
      id: spec.id,
      ...(cur ? { from: cur.instances } : {}),
      to: spec.instances,
      ...(kind === 'restart' && cur ? { fields: changedFields(cur, withAssignedServicePorts(next, cur)) } : {}),
    });
  }
  for (const { spec } of recipe.pods) {
    const next = owned(spec, recipe);
    const cur = currentPods.get(spec.id);
    const kind = classifyPodChange(cur, next);
    changes.push({
      kind,
      type: 'pod',
      id: spec.id,
      ...(cur ? { from: cur.scaling.instances } : {}),
      to: spec.scaling.instances,
      ...(kind === 'restart' && cur ? { fields: changedFields(cur, next) } : {}),
    });
  }
  const wanted = new Set([...recipe.apps, ...recipe.pods].map((l) => l.spec.id));
  for (const a of state.apps) {
    if (a.labels?.[RECIPE_LABEL] === recipe.name && !wanted.has(a.id))
      changes.push({ kind: 'remove', type: 'app', id: a.id, from: a.instances });
  }
  for (const p of state.pods) {
    if (p.labels?.[RECIPE_LABEL] === recipe.name && !wanted.has(p.id))
      changes.push({ kind: 'remove', type: 'pod', id: p.id, from: p.scaling.instances });
  }
  return { target, changes, notes: [] };
}

function changedFields(a: object, b: object): string[] {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  return [...keys]
    .filter((k) => k !== 'instances' && k !== 'version' && stableJson(ra[k]) !== stableJson(rb[k]))
    .sort();
}
