import type { TaskRuntime } from '../../core/index.js';
import { ACTIVE, type Instance } from './types.js';

/** How often a task of a watching runtime is inspected anyway (for what the runtime cannot see). */
const SWEEP_MS = 20_000;
/**
 * At most this many of those inspections a second, on average: the sweep's period grows with the
 * tasks (5,000 tasks: 50 s), so that it costs the same at any scale (each reads /proc and the
 * sandbox). Marathon reconciles with Mesos every ten minutes; exits are reported at once.
 */
const SWEEP_PER_S = 100;
/** How often the instances are walked for the sweep; reports and launches are looked at every pass. */
const WALK_MS = 1000;

/**
 * Which live tasks the engine asks their runtime about on a tick. A runtime that reports changes
 * (`TaskRuntime.watch`: exits, container deaths) gets its reported tasks inspected at once and the
 * others once per sweep, spread over time; a runtime that does not is asked about every task on
 * every tick. So the inspecting does not grow with the tasks that did not change.
 */
export class TaskWatch {
  private readonly watched = new Set<string>();
  private readonly unwatched: boolean;
  private readonly stops: (() => void)[] = [];
  /** Task ids a runtime reported since the last pass. */
  private pending = new Set<string>();
  /** Runtimes that reported "anything may have changed" since the last pass. */
  private all = new Set<string>();
  /** When each instance's task is next inspected by the sweep (absent: on the next walk). */
  private readonly nextLook = new WeakMap<Instance, number>();
  /** Just launched or to be looked at again: inspected on the next pass, walk or not. */
  private soon = new Set<Instance>();
  private nextWalk = 0;
  private sweepMs = SWEEP_MS;

  constructor(runtimes: readonly TaskRuntime[], onChange: () => void) {
    for (const rt of runtimes) {
      const stop = rt.watch?.((taskId) => {
        if (taskId === undefined) this.all.add(rt.name);
        else this.pending.add(taskId);
        onChange();
      });
      if (stop) {
        this.watched.add(rt.name);
        this.stops.push(stop);
      }
    }
    this.unwatched = runtimes.some((rt) => !this.watched.has(rt.name));
  }

  /** The live instances to inspect now; a report about a task busy being launched or killed waits for it. */
  due(instances: Iterable<Instance>, busy: ReadonlySet<string>, now = Date.now()): Instance[] {
    const walk = this.unwatched || this.pending.size > 0 || this.all.size > 0 || now >= this.nextWalk;
    const soon = this.soon;
    this.soon = new Set();
    const out: Instance[] = [];
    const keep = new Set<string>();
    const look = (i: Instance) => {
      // A report about a task being launched (no handle yet: its exit can come first) waits for it.
      if (busy.has(i.instanceId)) {
        if (i.taskId !== undefined && this.pending.has(i.taskId)) keep.add(i.taskId);
        if (soon.has(i)) this.soon.add(i);
        return false;
      }
      if (!i.handle || !ACTIVE.has(i.condition)) return false;
      const reported = (i.taskId !== undefined && this.pending.has(i.taskId)) || this.all.has(i.handle.runtime);
      const next = this.nextLook.get(i);
      if (!this.watched.has(i.handle.runtime) || reported || soon.has(i) || next === undefined || next <= now) {
        out.push(i);
        // Spread over time: inspections that came due together drift apart.
        this.nextLook.set(i, now + this.sweepMs * (0.5 + Math.random()));
      }
      return true;
    };
    if (walk) {
      let live = 0;
      for (const i of instances) if (look(i)) live++;
      this.nextWalk = now + WALK_MS;
      this.sweepMs = Math.max(SWEEP_MS, (live / SWEEP_PER_S) * 1000);
    } else for (const i of soon) look(i);
    this.pending = keep;
    this.all.clear();
    return out;
  }

  /** A task was just launched: inspect it on the next pass (an instance keeps its object across relaunches). */
  launched(i: Instance): void {
    this.soon.add(i);
  }

  /** Inspect it again on the next pass (what was seen could not be recorded). */
  again(i: Instance): void {
    this.soon.add(i);
  }

  close(): void {
    for (const stop of this.stops) stop();
  }
}
