import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How late the engine's event loop runs its callbacks: a loop busy with one big job (rendering
 * thousands of tasks, inspecting every one of them) delays everything else — API answers, probes,
 * kill gates. Reported by `baton engine status` and read by the benchmark over a window it resets.
 */
/**
 * The sampling interval. Node's monitor records the whole interval between samples (resolution +
 * lag), so lag is what a sample takes beyond it; 50 ms wakes the loop 20 times a second (10 ms, a
 * hundred times, cost 0.8 % of a CPU on an idle engine) and still catches every stall longer than that.
 */
const RESOLUTION_MS = 50;

export class EventLoopLag {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private since = Date.now();

  constructor() {
    this.h.enable();
  }

  /** Lag percentiles in milliseconds since the last reset (or start); `reset` starts a new window. */
  read(reset = false): { p50Ms: number; p99Ms: number; maxMs: number; windowMs: number } {
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
    const out = {
      p50Ms: ms(this.h.percentile(50)),
      p99Ms: ms(this.h.percentile(99)),
      maxMs: ms(this.h.max),
      windowMs: Date.now() - this.since,
    };
    if (reset) {
      this.h.reset();
      this.since = Date.now();
    }
    return out;
  }

  stop(): void {
    this.h.disable();
  }
}
