import { isChildOf, parentId } from '../../core/index.js';
import type { Store } from './store.js';

/** What the engine keeps of a group beyond its apps (marathon-semantics.md §7). */
export interface GroupSpec {
  id: string;
  dependencies: string[];
  enforceRole?: boolean;
}

/**
 * Groups as Marathon has them: a tree by id. A group exists when it was created explicitly or an
 * app lives below it (intermediate groups appear like `mkdir -p`); the root always exists.
 * Explicit groups (with their dependencies) are persisted as one JSON value.
 */
export class Groups {
  private readonly explicit = new Map<string, GroupSpec>();

  constructor(private readonly store: Store) {
    const raw = store.meta('groups');
    if (raw) for (const g of JSON.parse(raw) as GroupSpec[]) this.explicit.set(g.id, g);
  }

  get(id: string): GroupSpec | undefined {
    return this.explicit.get(id);
  }

  all(): GroupSpec[] {
    return [...this.explicit.values()];
  }

  /** Set (or with null, forget) explicit groups; persisted in the caller's transaction. */
  apply(changes: Map<string, GroupSpec | null>): void {
    for (const [id, g] of changes) {
      if (g) this.explicit.set(id, g);
      else this.explicit.delete(id);
    }
    this.store.setMeta('groups', JSON.stringify(this.all()));
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
