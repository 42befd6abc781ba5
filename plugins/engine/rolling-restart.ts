/**
 * The rolling-restart arithmetic of Marathon 1.10's TaskReplaceActor (marathon-semantics.md §4.5).
 * n = target instances; H = old instances considered healthy; current = all existing instances.
 */
export interface ReplaceStart {
  minHealthy: number;
  maxCapacity: number;
  killNow: number;
}

export function replaceStart(
  n: number,
  minHC: number,
  maxOC: number,
  healthyOld: number,
  currentSize: number,
  resident: boolean,
): ReplaceStart {
  const minHealthy = Math.ceil(n * minHC);
  let maxCapacity = Math.floor(n * (1 + maxOC));
  let killNow = Math.max(0, healthyOld - minHealthy);
  if (minHealthy === maxCapacity && maxCapacity <= healthyOld) {
    if (resident)
      killNow = healthyOld - minHealthy + 1; // go one below to free a reservation
    else maxCapacity += 1; // allow a surge of one
  }
  if (n < currentSize) killNow = Math.max(currentSize - n, killNow);
  return { minHealthy, maxCapacity, killNow };
}

/** New instances to launch now: min(n − started, max(0, maxCapacity − oldActive − started)). */
export function toLaunch(n: number, maxCapacity: number, oldActive: number, started: number): number {
  return Math.max(0, Math.min(n - started, Math.max(0, maxCapacity - oldActive - started)));
}
