/**
 * For refreshes that run on every event (a balancer's configuration from the engine's state).
 * One run of `fn` at a time; a call during a run gets the run after it (so its change is in).
 * `idle()` waits for the run in flight, if any, without asking for another.
 */
export function serialized(fn: () => Promise<void>): (() => Promise<void>) & { idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const call = (): Promise<void> => {
    if (running) {
      next ??= running.then(() => {
        next = undefined;
        return call();
      });
      return next;
    }
    running = fn().finally(() => {
      running = undefined;
    });
    return running;
  };
  return Object.assign(call, { idle: async () => void (await (next ?? running)) });
}
