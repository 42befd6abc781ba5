import { dependencyTargets, findDependencyCycle, isChildOf, type Recipe } from '../../core/index.js';

/** Group ids enclosing `id`, innermost first (the root excluded). */
function ancestors(id: string, groups: Recipe['groups']): Recipe['groups'] {
  return groups.filter((g) => isChildOf(id, g.id)).sort((a, b) => b.id.length - a.id.length);
}

/**
 * Give every app the dependencies of the groups around it (marathon-semantics.md §4.3: a group's
 * dependencies apply to every app below it). Marathon orders the result exactly as it would the
 * group, and the app form travels through /v2/apps to any target.
 */
export function inheritGroupDependencies(recipe: Recipe): void {
  for (const l of recipe.apps) {
    const inherited = ancestors(l.spec.id, recipe.groups).flatMap((g) => g.dependencies);
    const all = [...new Set([...l.spec.dependencies, ...inherited])];
    if (all.length !== l.spec.dependencies.length) l.spec = { ...l.spec, dependencies: all };
  }
}

/** A cycle among the recipe's apps (run after inheritGroupDependencies), or undefined. */
export function recipeCycle(recipe: Recipe): string[] | undefined {
  return findDependencyCycle(recipe.apps.map((l) => l.spec));
}

/** Dependencies that name nothing in the recipe (Marathon ignores them: nothing is ordered). */
export function unknownDependencies(recipe: Recipe): { path: (string | number)[]; dep: string }[] {
  const ids = [...recipe.apps.map((l) => l.spec.id), ...recipe.pods.map((l) => l.spec.id)];
  const out: { path: (string | number)[]; dep: string }[] = [];
  for (const l of recipe.apps) {
    // Only the app's own: inherited ones are reported once, at their group.
    const own = Array.isArray(l.raw.dependencies) ? l.raw.dependencies.length : 0;
    l.spec.dependencies.slice(0, own).forEach((d, i) => {
      if (dependencyTargets(d, ids).length === 0) out.push({ path: [...l.path, 'dependencies', i], dep: d });
    });
  }
  for (const g of recipe.groups) {
    g.dependencies.forEach((d, i) => {
      if (dependencyTargets(d, ids).length === 0) out.push({ path: [...g.path, 'dependencies', i], dep: d });
    });
  }
  return out;
}
