import { afterEach, beforeEach, vi } from 'vitest';

/** Lets a background loop run under fake timers: timers due within `ms`, then 20 rounds of microtasks. */
export async function tick(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/**
 * Fake timers for every test of the calling file. Returns a list to push what a test starts: after
 * each test, everything in it is stopped, then mocks are restored and real timers come back.
 */
export function useFakeTimers<T extends { stop(): unknown }>(): T[] {
  const running: T[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
  return running;
}
