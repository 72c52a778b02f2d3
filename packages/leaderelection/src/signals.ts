import type { Clock } from '@kw/types';

/** An AbortSignal whose timer can be cleared. */
export type DisposableSignal = AbortSignal & { dispose(): void };

/** An AbortSignal that aborts after `ms` (on the global timers, so fake timers drive it); `dispose()` clears its timer. */
export function timeoutSignal(ms: number): DisposableSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), ms);
  return Object.assign(controller.signal, { dispose: () => clearTimeout(timer) });
}

/** `promise`, or a rejection with `signal.reason` as soon as `signal` aborts, even if the request ignores the signal. */
export function bound<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Resolves once `ms` have passed on `clock` (a timer that fires early is re-armed for the rest,
 * so a wait is never cut short), or as soon as `signal` aborts; leaves no timer behind.
 */
export function sleep(ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const deadline = clock.now() + ms;
    let timer: ReturnType<typeof setTimeout>;
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const check = (): void => {
      const left = deadline - clock.now();
      if (left > 0) timer = setTimeout(check, left);
      else done();
    };
    timer = setTimeout(check, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
