import type { TaskRuntime } from '../../core/index.js';
import { ACTIVE, type Instance } from './types.js';

/** How often a task of a watching runtime is inspected anyway (for what the runtime cannot see). */
const SWEEP_MS = 20_000;

/**
 * Which live tasks the engine asks their runtime about on a tick. A runtime that reports changes
 * (`TaskRuntime.watch`: exits, container deaths) gets its reported tasks inspected at once and the
 * others once per sweep, spread over time; a runtime that does not is asked about every task on
 * every tick. So the inspecting does not grow with the tasks that did not change.
 */
export class TaskWatch {
  private readonly watched = new Set<string>();
  private readonly stops: (() => void)[] = [];
  /** Task ids a runtime reported since the last pass. */
  private pending = new Set<string>();
  /** Runtimes that reported "anything may have changed" since the last pass. */
  private all = new Set<string>();
  /** When each instance's task is next inspected by the sweep (0 or absent: on the next pass). */
  private readonly nextLook = new WeakMap<Instance, number>();

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
  }

  /** The live instances to inspect now; a report about a task busy being launched or killed waits for it. */
  due(instances: Iterable<Instance>, busy: ReadonlySet<string>, now = Date.now()): Instance[] {
    const out: Instance[] = [];
    const keep = new Set<string>();
    for (const i of instances) {
      // A report about a task being launched (no handle yet: its exit can come first) waits for it.
      if (busy.has(i.instanceId)) {
        if (i.taskId !== undefined && this.pending.has(i.taskId)) keep.add(i.taskId);
        continue;
      }
      if (!i.handle || !ACTIVE.has(i.condition)) continue;
      const reported = (i.taskId !== undefined && this.pending.has(i.taskId)) || this.all.has(i.handle.runtime);
      if (!this.watched.has(i.handle.runtime) || reported || (this.nextLook.get(i) ?? 0) <= now) {
        out.push(i);
        // Spread over time: inspections that came due together drift apart.
        this.nextLook.set(i, now + SWEEP_MS * (0.5 + Math.random()));
      }
    }
    this.pending = keep;
    this.all.clear();
    return out;
  }

  /** A task was just launched: inspect it on the next pass (an instance keeps its object across relaunches). */
  launched(i: Instance): void {
    this.nextLook.delete(i);
  }

  /** Inspect it again on the next pass (what was seen could not be recorded). */
  again(i: Instance): void {
    this.nextLook.delete(i);
  }

  close(): void {
    for (const stop of this.stops) stop();
  }
}
