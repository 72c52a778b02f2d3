import type { Clock } from './clock';
import { AbortedError, isApiError } from './errors';

/** Options of {@link retryRead}. */
export interface RetryReadOptions {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  clock: Clock;
  /** Aborts the wait between attempts (the attempts take it themselves). */
  signal: AbortSignal;
  /** The request, for the abort message (`get configmaps "x" in namespace "a"`). */
  what: string;
  /** Retry 429 only, not a 5xx with `Retry-After` (writes: a 5xx may have been applied). */
  throttledOnly?: boolean;
}

/** Seconds assumed when a 429 carries no `Retry-After`, as the error message suggests. */
const DEFAULT_429_SECONDS = 1;

/**
 * Seconds to wait before retrying after `error`, or `undefined` when it is not retryable: a 429
 * (its `retryAfterSeconds`, else 1 s) or a 5xx that carries a `Retry-After` (as client-go's rest
 * client does). Client-side timeouts and network errors (status 0) are not retried.
 */
export function retryDelaySeconds(error: unknown): number | undefined {
  if (!isApiError(error)) return undefined;
  if (error.status === 429) return error.retryAfterSeconds ?? DEFAULT_429_SECONDS;
  if (error.status >= 500) return error.retryAfterSeconds;
  return undefined;
}

/**
 * Runs `read` and, while it rejects with a retryable error ({@link retryDelaySeconds}), waits at
 * least the server's `Retry-After` and runs it again, at most `maxRetries` times; then rejects with
 * the last error. Only for idempotent requests. An abort during a wait rejects at once with
 * `AbortedError` and clears the timer.
 */
export async function retryRead<T>(read: () => Promise<T>, options: RetryReadOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const seconds =
        attempt < options.maxRetries && (!options.throttledOnly || isApiError(error, 'KW_TOO_MANY_REQUESTS'))
          ? retryDelaySeconds(error)
          : undefined;
      if (seconds === undefined) throw error;
      await waitUntil(options.clock.now() + seconds * 1000, seconds, options);
    }
  }
}

/** Resolves once `clock.now()` reaches `deadline` (a timer that fires early is re-armed), or rejects when the signal aborts. */
function waitUntil(deadline: number, seconds: number, options: RetryReadOptions): Promise<void> {
  const { clock, signal } = options;
  return new Promise<void>((resolve, reject) => {
    let handle: unknown;
    const onAbort = (): void => {
      if (handle !== undefined) clock.clearTimeout(handle);
      reject(
        new AbortedError(`${options.what} was aborted while waiting ${seconds}s (Retry-After) to retry`, signal.reason),
      );
    };
    const check = (): void => {
      handle = undefined;
      const left = deadline - clock.now();
      if (left > 0) {
        handle = clock.setTimeout(check, left);
        return;
      }
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
