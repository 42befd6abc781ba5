import { EventEmitter } from 'node:events';

/** An event in Marathon's SSE shape: `eventType`, `timestamp`, then the type's fields (marathon-semantics.md §10.3). */
export type MarathonEvent = { eventType: string; timestamp: string } & Record<string, unknown>;

/** The engine's event stream, served as /v2/events and read by tests and `baton up`. */
export class EngineEvents {
  private readonly bus = new EventEmitter();

  constructor() {
    this.bus.setMaxListeners(0);
  }

  emit(eventType: string, fields: Record<string, unknown> = {}): void {
    this.bus.emit('event', { eventType, timestamp: new Date().toISOString(), ...fields });
  }

  on(listener: (e: MarathonEvent) => void): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }
}
