/**
 * The marathon-lb plugin's contract (types only): the answers of its traffic API on the engine
 * (`/baton/v1/x/marathon-lb/groups/<group>`), which deploy strategies read and write. The API is
 * HTTP; these types say what its JSON holds. Consumers name them as `Contract<'marathon-lb'>['server']`.
 */

/** One HAProxy server of a deployment group as strategies read it: its task, state and counters. */
export interface TrafficServer {
  /** The HAProxy backend it is in (absent where a cluster's marathon-lb CSV is read instead). */
  backend?: string;
  /** HAProxy's server name. */
  name: string;
  taskId: string;
  appId: string;
  /** HAProxy's status: UP, DOWN, MAINT, NOLB, DRAIN, ... (`no check` reads UP). */
  status: string;
  weight: number;
  /** Current sessions and queued requests (zdd's drained test: both 0). */
  scur: number;
  qcur: number;
  /** Totals since the worker started: sessions, responses by class; average response time (ms, last 1024). */
  stot: number;
  hrsp2xx?: number;
  hrsp5xx: number;
  /** Connection and response errors towards the server. */
  econ: number;
  eresp: number;
  rtime: number;
}

/** A deployment group's traffic split: `percent` of requests to `app`, and a note its strategy keeps beside it. */
export interface TrafficSplit {
  app: string;
  percent: number;
  note?: Record<string, unknown>;
}

/** `GET …/groups/<group>`: the group's servers, its split, and whether HAProxy runs and still drains old workers. */
export interface TrafficGroup {
  group: string;
  /** What a strategy reported at each analysis (its split note's `analysis`), oldest first. */
  history?: Record<string, unknown>[];
  backends?: string[];
  split: TrafficSplit | null;
  oldWorkers: number;
  running: boolean;
  servers: TrafficServer[];
}

declare module '../../core/index.js' {
  interface PluginContracts {
    'marathon-lb': { server: TrafficServer; group: TrafficGroup; split: TrafficSplit };
  }
}
