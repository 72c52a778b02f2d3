// Copy of tools/repo-checks/shared/abort.ts: edit that file, then run `pnpm copies:sync`.
import type { Clock } from '@kw/types';

/** The monotonic clock every kw wait uses unless a test injects another. */
export const MONOTONIC: Clock = { now: () => performance.now() };

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts (the promise is left to settle unobserved). */
export function abortable<V>(promise: Promise<V>, signal: AbortSignal): Promise<V> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Resolves once `clock` has advanced by at least `ms` (a timer that fires early is re-armed, so a
 * `Retry-After` is never cut short and a wall-clock step neither shortens nor stretches the wait),
 * or as soon as `signal` aborts; leaves no timer and no listener behind.
 */
export function sleep(ms: number, signal: AbortSignal, clock: Clock = MONOTONIC): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const deadline = clock.now() + ms;
    let timer: ReturnType<typeof setTimeout>;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const check = () => {
      const left = deadline - clock.now();
      if (left > 0) timer = setTimeout(check, left);
      else done();
    };
    timer = setTimeout(check, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
