import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadline } from '../../core/index.js';
import { Backoff } from '../../plugins/engine/backoff.js';

const HOUR = 3_600_000;
const policy = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 300 };

/**
 * Deadlines and backoff run on the monotonic clock: the wall clock jumping (an NTP step, a date
 * set by hand) neither fires them early nor holds them up. Only the fake wall clock moves here
 * (vitest fakes Date); the machine's clock is never touched.
 */
describe('deadlines and backoff on a monotonic clock', () => {
  afterEach(() => vi.useRealTimers());

  const jumpWallClock = (ms: number) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + ms);
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a wall clock an hour ahead does not fire a deadline early', () => {
    const d = new Deadline(1000);
    jumpWallClock(HOUR);
    expect(d.passed()).toBe(false);
    expect(d.leftMs()).toBeGreaterThan(900);
  });

  it('a wall clock an hour behind does not hold a deadline up', async () => {
    const d = new Deadline(50);
    jumpWallClock(-HOUR);
    await sleep(80);
    expect(d.passed()).toBe(true);
    expect(d.leftMs()).toBe(0);
  });

  it('a backoff neither ends early when the wall clock jumps ahead nor stalls when it goes back', async () => {
    const b = new Backoff();
    b.failed('/app', 'v1', { ...policy, backoffSeconds: 0.1 });
    jumpWallClock(HOUR); // past backoff + maxLaunchDelay on the wall clock
    const wait = b.waitMs('/app', 'v1', { ...policy, backoffSeconds: 0.1 });
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(100);
    vi.setSystemTime(Date.now() - 2 * HOUR);
    await sleep(120);
    expect(b.waitMs('/app', 'v1', policy)).toBe(0);
  });

  it('the backoff still grows by its factor under a jumping wall clock', () => {
    const b = new Backoff();
    b.failed('/app', 'v1', policy);
    jumpWallClock(-HOUR);
    expect(b.failed('/app', 'v1', policy).delaySeconds).toBe(2);
    vi.setSystemTime(Date.now() + 2 * HOUR);
    expect(b.failed('/app', 'v1', policy).delaySeconds).toBe(4);
  });
});
