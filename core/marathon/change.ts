import type { App, Pod } from './types.js';

export type ChangeKind = 'create' | 'restart' | 'scale' | 'remove' | 'unchanged';

/** Stable JSON (sorted keys) so that equal definitions compare equal whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(stableJson).join(',') + ']';
  if (v && typeof v === 'object') {
    return (
      '{' +
      Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => JSON.stringify(k) + ':' + stableJson((v as Record<string, unknown>)[k]))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(v);
}

/**
 * Marathon's `isUpgrade` (marathon-semantics.md §4.2): any difference but `instances` is a config change and
 * restarts every task (labels and upgradeStrategy included); only `instances` differing is a
 * scale; identical is no change. Service ports assigned by the target (0 in the recipe) are not a
 * change: `servicePortsOf` tells which recipe zeros to fill from the current definition.
 */
export function classifyAppChange(current: App | undefined, next: App | undefined): ChangeKind {
  if (!current && next) return 'create';
  if (current && !next) return 'remove';
  if (!current || !next) return 'unchanged';
  const { instances: a, ...restA } = withAssignedServicePorts(current, current);
  const { instances: b, ...restB } = withAssignedServicePorts(next, current);
  if (stableJson(restA) !== stableJson(restB)) return 'restart';
  return a === b ? 'unchanged' : 'scale';
}

export function classifyPodChange(current: Pod | undefined, next: Pod | undefined): ChangeKind {
  if (!current && next) return 'create';
  if (current && !next) return 'remove';
  if (!current || !next) return 'unchanged';
  const strip = (p: Pod) => ({ ...p, scaling: undefined, version: undefined });
  if (stableJson(strip(current)) !== stableJson(strip(next))) return 'restart';
  return current.scaling.instances === next.scaling.instances ? 'unchanged' : 'scale';
}

/** `next` with service ports left at 0 filled from `current`, as Marathon keeps assigned ones (marathon-semantics.md §9). */
export function withAssignedServicePorts(next: App, current: App): App {
  const out: App = { ...next };
  if (next.portDefinitions && current.portDefinitions) {
    out.portDefinitions = next.portDefinitions.map((d, i) =>
      d.port === 0 && current.portDefinitions?.[i] ? { ...d, port: current.portDefinitions[i].port } : d,
    );
  }
  if (next.container?.portMappings && current.container?.portMappings) {
    const cur = current.container.portMappings;
    out.container = {
      ...next.container,
      portMappings: next.container.portMappings.map((m, i) =>
        m.servicePort === 0 && cur[i] ? { ...m, servicePort: cur[i].servicePort } : m,
      ),
    };
  }
  return out;
}
