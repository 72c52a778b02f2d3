import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bound, sleep, timeoutSignal } from './signals';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sleep', () => {
  it('re-arms when its timer fires before the clock says the time has passed', async () => {
    let now = 0;
    const clock = { now: () => now };
    let done = false;
    void sleep(1_000, new AbortController().signal, clock).then(() => {
      done = true;
    });
    now = 400; // the timer fires, but the monotonic clock has advanced only 400 ms
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    now = 1_000;
    await vi.advanceTimersByTimeAsync(600);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves at once when the signal aborts and leaves no timer', async () => {
    const controller = new AbortController();
    let done = false;
    void sleep(60_000, controller.signal, { now: () => Date.now() }).then(() => {
      done = true;
    });
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('bound', () => {
  it('rejects with the signal reason even when the promise never settles', async () => {
    const signal = timeoutSignal(500);
    const result = bound(new Promise<never>(() => {}), signal);
    const outcome = result.then(
      () => 'resolved',
      (error: unknown) => (error as DOMException).name,
    );
    await vi.advanceTimersByTimeAsync(500);
    await expect(outcome).resolves.toBe('TimeoutError');
  });

  it('resolves the value and leaves no timer once disposed', async () => {
    const signal = timeoutSignal(500);
    await expect(bound(Promise.resolve(7), signal)).resolves.toBe(7);
    signal.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
