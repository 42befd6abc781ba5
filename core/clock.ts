/**
 * Time for deadlines and delays: a monotonic clock (`performance.now()`, which Node reads from the
 * system's steady clock), never the wall clock — an NTP step or a changed date must neither fire a
 * deadline or a backoff early nor hold it up. The wall clock is for timestamps people read.
 */
export const monotonicMs = (): number => performance.now();

/** A deadline `ms` from now on the monotonic clock; `restart` moves it (a progress deadline). */
export class Deadline {
  private end: number;
  constructor(
    readonly ms: number,
    now = monotonicMs(),
  ) {
    this.end = now + ms;
  }
  passed(now = monotonicMs()): boolean {
    return now > this.end;
  }
  leftMs(now = monotonicMs()): number {
    return Math.max(0, this.end - now);
  }
  restart(now = monotonicMs()): void {
    this.end = now + this.ms;
  }
}
