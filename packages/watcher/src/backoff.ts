import type { BackoffOptions } from '@kw/types';

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time in
 * `[0, min(maxMs, initialMs × factor^n))`. The sequence starts over when the previous failure is
 * older than `resetAfterMs` (the watcher was healthy in between). Reads `Date.now()` and
 * `Math.random()`, so fake timers and spies control it.
 */
export class Backoff {
  private attempt = 0;
  private lastFailureAt: number | undefined;
  private readonly options: Required<BackoffOptions>;

  constructor(options: Required<BackoffOptions>) {
    this.options = options;
  }

  /** Records a failure and returns how long to wait before the next attempt, ms. */
  next(): number {
    const now = Date.now();
    if (this.lastFailureAt !== undefined && now - this.lastFailureAt > this.options.resetAfterMs) this.attempt = 0;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * this.options.factor ** this.attempt);
    this.attempt++;
    this.lastFailureAt = now;
    return Math.random() * ceiling;
  }
}
