import type { MaybePromise } from '@kw/types';

/** Whether `value` is a promise-like (has a `then` method). */
export function isThenable<T>(value: MaybePromise<T>): value is Promise<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
