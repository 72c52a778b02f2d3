import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from './list-watch';

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never resolves before the clock has advanced by ms, even if its timer fires early', async () => {
    let done = false;
    void sleep(1000, new AbortController().signal).then(() => {
      done = true;
    });
    const now = performance.now.bind(performance);
    const lagging = vi.spyOn(performance, 'now').mockImplementation(() => now() - 5); // the clock lags the timer by 5 ms
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    lagging.mockRestore();
  });

  it('resolves at once when the signal aborts and leaves no timer', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
    expect(vi.getTimerCount()).toBe(0);
  });
});
