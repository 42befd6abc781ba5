import { useEffect, useRef, useState } from 'preact/hooks';
import { ALL_CHANGES, events } from './api.js';

export interface Live<T> {
  data?: T;
  error?: string;
  reload(): void;
}

/**
 * Data that stays current: loaded once, then loaded again after any of `types` arrives on the
 * event stream — coalesced (at most one load in flight, one waiting, a quarter second apart), so a
 * deployment's burst of events costs a few requests, not one each. `everyMs` adds a slow refresh
 * for what no event announces (a balancer's counters).
 */
export function useLive<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  types: readonly string[] = ALL_CHANGES,
  everyMs?: number,
): Live<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const loadRef = useRef(load);
  loadRef.current = load;
  const control = useRef({ running: false, again: false, timer: 0 as unknown as ReturnType<typeof setTimeout> });

  const run = async () => {
    const c = control.current;
    if (c.running) {
      c.again = true;
      return;
    }
    c.running = true;
    try {
      const data = await loadRef.current();
      setState({ data });
    } catch (err) {
      setState((s) => ({ data: s.data, error: (err as Error).message }));
    } finally {
      c.running = false;
      if (c.again) {
        c.again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    const c = control.current;
    clearTimeout(c.timer);
    c.timer = setTimeout(() => void run(), 250);
  };

  useEffect(() => {
    setState({});
    void run();
    const off = events.on((e) => {
      if (types.includes(e.eventType)) schedule();
    });
    const timer = everyMs ? setInterval(() => void run(), everyMs) : undefined;
    return () => {
      off();
      if (timer) clearInterval(timer);
      clearTimeout(control.current.timer);
    };
  }, deps);

  return { ...state, reload: schedule };
}
