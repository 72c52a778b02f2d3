import type { Clock as KwClock } from '@kw/types';

/**
 * Time source and timers of the client (rate limiter, `Retry-After` waits); tests pass fake ones
 * (or use `vi.useFakeTimers()`). `@kw/types`' `Clock` plus the timers.
 */
export interface Clock extends KwClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `performance.now` (monotonic) and the global timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
