import { isChildOf } from './ids.js';

/** A run spec as the dependency graph sees it: its id and every dependency it has (own and inherited). */
export interface DependencyNode {
  id: string;
  dependencies: readonly string[];
}

/** The run specs a dependency names: the app itself, or every app below a group (marathon-semantics.md §4.3). */
export function dependencyTargets(dep: string, ids: readonly string[]): string[] {
  return ids.filter((k) => k === dep || isChildOf(k, dep));
}

/**
 * The first dependency cycle, as the ids along it with the first repeated at the end
 * (["/a", "/b", "/a"]), or undefined. Marathon rejects such a change; unknown ids are ignored.
 */
export function findDependencyCycle(nodes: readonly DependencyNode[]): string[] | undefined {
  const ids = nodes.map((n) => n.id);
  const edges = new Map(
    nodes.map((n) => [
      n.id,
      [...new Set(n.dependencies.flatMap((d) => dependencyTargets(d, ids)))].filter((t) => t !== n.id),
    ]),
  );
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const t of edges.get(id) ?? []) {
      const c = visit(t);
      if (c) return c;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const c = visit(id);
    if (c) return c;
  }
  return undefined;
}
