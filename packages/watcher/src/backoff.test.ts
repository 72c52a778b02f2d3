import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  const options = { initialMs: 800, factor: 2, maxMs: 30_000, resetAfterMs: 120_000 };

  it('grows exponentially up to the cap', () => {
    const backoff = new Backoff(options);
    const delays = Array.from({ length: 8 }, () => Math.round(backoff.next()));
    expect(delays).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
  });

  it('uses full jitter: a random fraction of the ceiling', () => {
    vi.mocked(Math.random).mockReturnValue(0.25);
    const backoff = new Backoff(options);
    expect(backoff.next()).toBe(200);
    expect(backoff.next()).toBe(400);
  });

  it('starts over after resetAfterMs without failures', () => {
    const backoff = new Backoff(options);
    backoff.next();
    backoff.next();
    backoff.next();
    vi.advanceTimersByTime(120_001);
    expect(Math.round(backoff.next())).toBe(800);
  });

  it('measures the reset on the monotonic clock: a wall-clock jump forward does not reset the sequence', () => {
    const backoff = new Backoff(options);
    backoff.next();
    backoff.next();
    vi.setSystemTime(Date.now() + 3_600_000); // the wall clock steps an hour ahead; no time passes
    expect(Math.round(backoff.next())).toBe(3200);
  });

  it('reads the injected clock', () => {
    let now = 0;
    const backoff = new Backoff(options, { now: () => now });
    backoff.next();
    backoff.next();
    now = 120_000;
    expect(Math.round(backoff.next())).toBe(3200);
    now = 240_001;
    expect(Math.round(backoff.next())).toBe(800);
  });
});
