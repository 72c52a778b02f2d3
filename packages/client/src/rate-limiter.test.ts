import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortedError, type Clock, InvalidConfigError, RateLimiter } from './index';

const clock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Starts `count` acquisitions and records which have resolved. */
function acquireMany(limiter: RateLimiter, count: number, signal?: AbortSignal) {
  const done: number[] = [];
  const promises = Array.from({ length: count }, (_, i) => limiter.acquire(signal).then(() => done.push(i)));
  return { done, promises };
}

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through at once, then one request per 1/qps seconds in call order', async () => {
    const limiter = new RateLimiter({ qps: 2, burst: 3, clock });
    const { done } = acquireMany(limiter, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toEqual([0, 1, 2, 3]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps refilling with the default clock when the wall clock steps back', async () => {
    const limiter = new RateLimiter({ qps: 1, burst: 1 });
    const { done } = acquireMany(limiter, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([0]);
    vi.setSystemTime(Date.now() - 3_600_000); // NTP steps the wall clock back an hour
    await vi.advanceTimersByTimeAsync(1000);
    expect(limiter.tokens).toBe(1);
    const next = acquireMany(limiter, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(next.done).toEqual([0]);
  });

  it('refills up to burst while idle', async () => {
    const limiter = new RateLimiter({ qps: 10, burst: 5, clock });
    acquireMany(limiter, 5);
    expect(limiter.tokens).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(limiter.tokens).toBeCloseTo(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(limiter.tokens).toBe(5);
  });

  it('rejects a waiting acquire with AbortedError when its signal aborts, and returns its token', async () => {
    const limiter = new RateLimiter({ qps: 1, burst: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    expect(limiter.tokens).toBe(-1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    await expect(waiting).rejects.toMatchObject({ code: 'KW_ABORTED', cause: new Error('stop') });
    expect(limiter.tokens).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new RateLimiter({ qps: 1, burst: 1, clock });
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
    expect(limiter.tokens).toBe(1);
  });

  it('never waits with qps Infinity', async () => {
    const limiter = new RateLimiter({ qps: Number.POSITIVE_INFINITY, burst: 1, clock });
    const { done } = acquireMany(limiter, 1000);
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toHaveLength(1000);
  });

  it.each([
    [{ qps: 0, burst: 1 }, /qps 0/],
    [{ qps: -1, burst: 1 }, /qps -1/],
    [{ qps: Number.NaN, burst: 1 }, /qps NaN/],
    [{ qps: 1, burst: 0 }, /burst 0/],
    [{ qps: 1, burst: 1.5 }, /burst 1.5/],
  ])('rejects invalid options %o', (options, message) => {
    expect(() => new RateLimiter({ ...options, clock })).toThrow(InvalidConfigError);
    expect(() => new RateLimiter({ ...options, clock })).toThrow(message);
  });
});
