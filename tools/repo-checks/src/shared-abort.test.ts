import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortable, sleep } from '../shared/abort';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('shared/abort sleep', () => {
  it('re-arms when its timer fires before the clock says the time has passed', async () => {
    let now = 0;
    const clock = { now: () => now };
    let done = false;
    void sleep(1_000, new AbortController().signal, clock).then(() => {
      done = true;
    });
    now = 400; // the timer fires, but the clock has advanced only 400 ms
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    now = 1_000;
    await vi.advanceTimersByTimeAsync(600);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits on the monotonic clock by default: a lagging performance.now() holds it back', async () => {
    let done = false;
    void sleep(1000, new AbortController().signal).then(() => {
      done = true;
    });
    const now = performance.now.bind(performance);
    const lagging = vi.spyOn(performance, 'now').mockImplementation(() => now() - 5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    lagging.mockRestore();
  });

  it('resolves at once when the signal aborts and leaves no timer', async () => {
    const controller = new AbortController();
    let done = false;
    void sleep(60_000, controller.signal).then(() => {
      done = true;
    });
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('shared/abort abortable', () => {
  it('rejects with the signal reason even when the promise never settles', async () => {
    const controller = new AbortController();
    const result = abortable(new Promise<never>(() => {}), controller.signal);
    controller.abort(new Error('stop'));
    await expect(result).rejects.toThrow('stop');
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    await expect(abortable(Promise.resolve(7), AbortSignal.abort('gone'))).rejects.toBe('gone');
  });

  it('settles like the promise while the signal stays live', async () => {
    const { signal } = new AbortController();
    await expect(abortable(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('no')), signal)).rejects.toThrow('no');
  });
});
