import { isResident, type AgentInfo, type App } from '../../core/index.js';

/** One persistent volume of a reservation (marathon.md §5.3): where it lives on its agent. */
export interface ReservedVolume {
  containerPath: string;
  /** `<runSpec>#<containerPath>#<uuid>`, as Marathon names it. */
  persistenceId: string;
  hostPath: string;
  /** MiB counted against the agent's disk for as long as the reservation exists. */
  size: number;
}

/** A resident instance's reservation: its agent and volumes, kept across relaunches and stops. */
export interface Reservation {
  agentId: string;
  volumes: ReservedVolume[];
}

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
