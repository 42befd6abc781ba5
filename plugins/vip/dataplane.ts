import type { Backend } from './proxy.js';

/** One VIP as a data plane must serve it: where it listens, and the tasks behind it. */
export interface L4Service {
  /** `address:port`, unique. */
  key: string;
  address: string;
  port: number;
  /** Running tasks; inactive ones (killing, unhealthy) keep their open connections but get no new ones. */
  backends: Backend[];
}

/** What the VIP plugin hands a data plane: the VIPs as of now, read afresh at each of its refreshes. */
export interface L4Source {
  services(): L4Service[];
}

/**
 * A data plane that carries VIP traffic instead of the built-in Node proxy — offered through the
 * `vip.dataplane` hook (marathon-lb offers HAProxy). It must balance over active backends (least
 * connections), drain inactive ones, and retry a refused connection on another backend.
 */
export interface L4Dataplane {
  name: string;
  /** Bring the data plane in step with the source now; resolves when it serves what it read. */
  refresh(): Promise<void>;
  /** One VIP's backends as last seen by the data plane (open connections), or why it is not served. */
  status(key: string): { backends: (Backend & { open: number; total: number })[]; error?: string } | undefined;
  /** A line for `baton engine status`. */
  summary(): string;
}
