import { isResident, type AgentInfo, type App } from '../../core/index.js';
import { place, type AgentCheck, type AgentUsage, type PlacementResult } from './placement.js';
import type { Instance, ReservedVolume } from './types.js';

export type { Reservation, ReservedVolume } from './types.js';

/**
 * Creates and destroys persistent volumes on agents; a persistence plugin provides it through
 * the engine's `volumes` hook. The engine decides when (first launch; app deleted or wipe).
 */
export interface VolumeProvider {
  create(app: App, instanceId: string, agent: AgentInfo): ReservedVolume[];
  destroy(volumes: ReservedVolume[]): void;
}

export interface VolumeRegistry {
  add(provider: VolumeProvider): void;
}

/** MiB of persistent volumes one instance of the app reserves. */
export function reservedDisk(app: App): number {
  if (!isResident(app)) return 0;
  return (app.container?.volumes ?? []).reduce((n, v) => n + (v.persistent?.size ?? 0), 0);
}

/**
 * Where an instance may launch: a reservation pins relaunches to its agent (marathon-semantics.md §5.3), whatever the
 * constraints say now; a first launch needs room for the app and, when resident, its volumes.
 */
export function placeInstance(i: Instance, app: App, use: Map<string, AgentUsage>, check: AgentCheck): PlacementResult {
  const reserved = i.reservation?.agentId;
  if (reserved !== undefined)
    return place(app, use, (agent) => (agent.id === reserved ? undefined : `reserved on ${reserved}`));
  const volumes = reservedDisk(app);
  return place(volumes > 0 ? { ...app, disk: app.disk + volumes } : app, use, check);
}
