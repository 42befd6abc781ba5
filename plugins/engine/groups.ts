import { isChildOf, parentId } from '../../core/index.js';
import type { GroupSpec } from './types.js';

export type { GroupSpec } from './types.js';

/**
 * Groups as Marathon has them: a tree by id. A group exists when it was created explicitly or an
 * app lives below it (intermediate groups appear like `mkdir -p`); the root always exists.
 * Explicit groups (with their dependencies) are persisted as one JSON value (the engine's state
 * writes it, state.ts).
 */
export class Groups {
  private readonly explicit = new Map<string, GroupSpec>();

  /** From the persisted JSON value (undefined: none yet). */
  constructor(persisted: string | undefined) {
    if (persisted) for (const g of JSON.parse(persisted) as GroupSpec[]) this.explicit.set(g.id, g);
  }

  get(id: string): GroupSpec | undefined {
    return this.explicit.get(id);
  }

  all(): GroupSpec[] {
    return [...this.explicit.values()];
  }

  /** The explicit groups with these changes made (null: forgotten), to persist before `apply`. */
  with(changes: Map<string, GroupSpec | null>): GroupSpec[] {
    const next = new Map(this.explicit);
    for (const [id, g] of changes) {
      if (g) next.set(id, g);
      else next.delete(id);
    }
    return [...next.values()];
  }

  /** Set (or with null, forget) explicit groups, once persisted. */
  apply(changes: Map<string, GroupSpec | null>): void {
    for (const [id, g] of changes) {
      if (g) this.explicit.set(id, g);
      else this.explicit.delete(id);
    }
  }

  /** Every group id that exists given these app ids: explicit ones and all ancestors of apps. */
  ids(appIds: Iterable<string>): Set<string> {
    const out = new Set<string>(['/', ...this.explicit.keys()]);
    for (const id of appIds) {
      for (let p = parentId(id); p !== '/'; p = parentId(p)) out.add(p);
    }
    for (const g of this.explicit.keys()) for (let p = parentId(g); p !== '/'; p = parentId(p)) out.add(p);
    return out;
  }
}

/** `id` is `group` or lies below it. */
export const within = (id: string, group: string) => group === '/' || id === group || isChildOf(id, group);
