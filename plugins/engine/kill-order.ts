import type { KillSelection } from '../../core/index.js';
import type { Instance } from './types.js';

const WEIGHT: Record<string, number> = { Staging: 2, Starting: 3, Running: 4 };

/**
 * Marathon's scale-down order (marathon-semantics.md §4.4): lower condition weight first (Staging before
 * Starting before Running before anything else), then by how long they have been active, using
 * killSelection (YOUNGEST_FIRST kills the most recently started).
 */
export function killOrder(instances: Instance[], selection: KillSelection): Instance[] {
  const since = (i: Instance) => Date.parse(i.activeSince ?? i.stagedAt ?? i.createdAt);
  return [...instances].sort((a, b) => {
    const wa = WEIGHT[a.condition] ?? (a.condition === 'Scheduled' ? 1 : 5);
    const wb = WEIGHT[b.condition] ?? (b.condition === 'Scheduled' ? 1 : 5);
    if (wa !== wb) return wa - wb;
    return selection === 'YOUNGEST_FIRST' ? since(b) - since(a) : since(a) - since(b);
  });
}
