import { type Clock, systemClock } from './clock';
import { AbortedError } from './errors';
import { checkRate } from './options';

/** Options of a {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained requests per second; `Infinity` disables limiting. */
  qps: number;
  /** Requests allowed at once before `qps` applies (bucket size, ≥ 1). */
  burst: number;
  /** Defaults to `performance.now` and the global timers. */
  clock?: Clock;
}

/**
 * Client-side token bucket: `burst` tokens, refilled at `qps` per second. Each {@link acquire}
 * reserves one token (possibly in the future) and resolves when its turn comes, so waiters are
 * served in call order. Cancelling a wait gives its token back.
 */
export class RateLimiter {
  readonly qps: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(options: RateLimiterOptions) {
    const { qps, burst } = options;
    checkRate(qps, burst);
    this.qps = qps;
    this.burst = burst;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = burst;
    this.#last = this.#clock.now();
  }

  /** Tokens available now (negative while callers wait). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Resolves when a request may go; rejects with `AbortedError` (token returned) when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError('request aborted before it was sent', signal.reason));
    if (this.qps === Number.POSITIVE_INFINITY) return Promise.resolve();
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return Promise.resolve();
    const waitMs = Math.ceil((-this.#tokens / this.qps) * 1000);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#clock.clearTimeout(handle);
        this.#refill();
        this.#tokens += 1;
        reject(new AbortedError('request aborted while waiting for the client rate limiter', signal?.reason));
      };
      const handle = this.#clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    if (elapsed <= 0) return;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed / 1000) * this.qps);
  }
}
