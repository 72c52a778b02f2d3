import type { BackoffOptions, Clock } from '@kw/types';
import { monotonicClock } from './clock';

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time in
 * `[0, min(maxMs, initialMs × factor^n))`. The sequence starts over when the previous failure is
 * older than `resetAfterMs` on the monotonic `clock` (the watcher was healthy in between; a
 * wall-clock step neither resets nor prolongs it). Reads `Math.random()`, so a spy controls it.
 */
export class Backoff {
  readonly #options: Required<BackoffOptions>;
  readonly #clock: Clock;
  #attempt = 0;
  #lastFailureAt: number | undefined;

  constructor(options: Required<BackoffOptions>, clock: Clock = monotonicClock) {
    this.#options = options;
    this.#clock = clock;
  }

  /** Records a failure and returns how long to wait before the next attempt, ms. */
  next(): number {
    const now = this.#clock.now();
    if (this.#lastFailureAt !== undefined && now - this.#lastFailureAt > this.#options.resetAfterMs) this.#attempt = 0;
    const ceiling = Math.min(this.#options.maxMs, this.#options.initialMs * this.#options.factor ** this.#attempt);
    this.#attempt++;
    this.#lastFailureAt = now;
    return Math.random() * ceiling;
  }
}
