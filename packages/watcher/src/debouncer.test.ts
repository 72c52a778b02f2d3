import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer } from './debouncer';

describe('Debouncer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function make(
    run: () => undefined | Promise<void> = () => undefined,
    options: { debounceMs?: number; maxWaitMs?: number } = {},
  ) {
    const calls: number[] = [];
    const onError = vi.fn();
    const debouncer = new Debouncer({
      debounceMs: options.debounceMs ?? 100,
      maxWaitMs: options.maxWaitMs ?? 1000,
      run: () => {
        calls.push(Date.now());
        return run();
      },
      onError,
    });
    return { debouncer, calls, onError };
  }

  it('runs once after the quiet period, batching triggers within it', async () => {
    const { debouncer, calls } = make();
    const start = Date.now();
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(50);
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([start + 150]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(1);
  });

  it('runs after maxWaitMs when triggers never pause', async () => {
    const { debouncer, calls } = make();
    const start = Date.now();
    for (let t = 0; t < 2500; t += 50) {
      debouncer.trigger();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(calls[0]).toBe(start + 1000);
    expect(calls[1]).toBe(start + 2000);
  });

  it('never re-enters an async run; triggers during it make exactly one more call', async () => {
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const { debouncer, calls } = make(() => {
      active++;
      maxActive = Math.max(maxActive, active);
      return new Promise<void>((resolve) => {
        release = () => {
          active--;
          resolve();
        };
      });
    });
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      debouncer.trigger();
      await vi.advanceTimersByTimeAsync(2000);
    }
    expect(calls).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    release();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(2);
    expect(maxActive).toBe(1);
  });

  it('reports a throwing or rejecting run and keeps working', async () => {
    let n = 0;
    const { debouncer, calls, onError } = make(() => {
      n++;
      if (n === 1) throw new Error('sync boom');
      if (n === 2) return Promise.reject(new Error('async boom'));
    });
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(100);
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(100);
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(3);
    expect(onError.mock.calls.map(([e]) => (e as Error).message)).toEqual(['sync boom', 'async boom']);
  });

  it('cancel() drops the pending call and stop() leaves no timer', async () => {
    const { debouncer, calls } = make();
    debouncer.trigger();
    debouncer.cancel();
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(0);
    debouncer.trigger();
    expect(vi.getTimerCount()).toBe(1);
    debouncer.stop();
    expect(vi.getTimerCount()).toBe(0);
    debouncer.trigger();
    expect(vi.getTimerCount()).toBe(0);
  });
});
