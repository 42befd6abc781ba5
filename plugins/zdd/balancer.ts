import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, type Contract } from '../../core/index.js';
import type { Api } from './colours.js';

/** A server of the deployment group's backend, as marathon-lb's traffic API answers. */
export type GroupServer = Contract<'marathon-lb'>['server'];

export interface SplitNote {
  strategy: string;
  step?: number;
  /** Set by `baton promote` / `baton abort` for the deploy that runs the canary. */
  command?: 'promote' | 'abort' | null;
  /** The running deploy refreshes this; a stale one means nobody drives the canary. */
  heartbeat?: number;
  [k: string]: unknown;
}

/** A deployment group's traffic state; the split's note is this plugin's own (its step, commands). */
export type GroupState = Omit<Contract<'marathon-lb'>['group'], 'split'> & {
  split: (Omit<Contract<'marathon-lb'>['split'], 'note'> & { note?: SplitNote }) | null;
};

/** HAProxy reads MAINT for servers disabled in the configuration or by the runtime API. */
export const inMaint = (s: GroupServer) => s.status.startsWith('MAINT');
export const drainedServer = (s: GroupServer) => s.scur === 0 && s.qcur === 0;

/**
 * marathon-lb's traffic API for one deployment group (on the embedded engine: /baton/v1/x/marathon-lb):
 * the group's HAProxy servers with state and counters, and its traffic split.
 */
export class Balancer {
  /** Whether traffic splits (weights per colour) can be set: canary and the fast blue-green rollback need them. */
  readonly splits: boolean = true;

  constructor(
    protected readonly api: Api,
    readonly group: string,
  ) {}

  private get path() {
    return `/baton/v1/x/marathon-lb/groups/${encodeURIComponent(this.group)}`;
  }

  async state(signal?: AbortSignal): Promise<GroupState> {
    try {
      return await this.api.request<GroupState>('GET', this.path, undefined, signal);
    } catch (err) {
      if ((err as { status?: number }).status === 404) {
        throw new BatonError(
          'BATON_UNSUPPORTED',
          "blue-green and canary deploys need marathon-lb's traffic API, which this target does not serve (the embedded engine with the marathon-lb plugin does)",
        );
      }
      throw err;
    }
  }

  async split(app: string, percent: number, note?: Partial<SplitNote>, signal?: AbortSignal): Promise<GroupState> {
    return this.api.request<GroupState>(
      'PUT',
      `${this.path}/split`,
      { app, percent, ...(note ? { note } : {}) },
      signal,
    );
  }

  async clear(signal?: AbortSignal): Promise<void> {
    await this.api.request('DELETE', `${this.path}/split`, undefined, signal);
  }

  /**
   * zdd's drain wait: until no old HAProxy worker is still finishing connections, and the given
   * app's servers that are out of rotation (MAINT, or weight 0 under a split) have no session and
   * nothing queued. Returns their task ids once at least one is drained; after `timeoutMs` those out
   * of rotation are returned anyway (the drain is forced, as zdd's --max-wait).
   */
  async drained(
    appId: string,
    o: {
      outOfRotation: (s: GroupServer) => boolean;
      stepMs: number;
      timeoutMs: number;
      signal: AbortSignal;
      all?: boolean;
    },
  ): Promise<string[]> {
    const end = Date.now() + o.timeoutMs;
    for (;;) {
      const st = await this.state(o.signal);
      const out = st.servers.filter((s) => s.appId === appId && o.outOfRotation(s));
      const done = out.filter(drainedServer);
      const total = st.servers.filter((s) => s.appId === appId).length;
      if (st.oldWorkers === 0 && done.length > 0 && done.length === out.length && (!o.all || done.length === total))
        return done.map((s) => s.taskId);
      if (st.oldWorkers === 0 && o.all && total === 0) return [];
      if (Date.now() > end) return out.map((s) => s.taskId);
      await sleep(o.stepMs, undefined, { signal: o.signal });
    }
  }
}
