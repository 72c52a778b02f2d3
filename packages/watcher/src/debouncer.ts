import type { MaybePromise } from '@kw/types';
import { isThenable } from './maybe-promise';

/** Options of a {@link Debouncer}. */
export interface DebouncerOptions {
  /** Quiet time after the last `trigger()` before `run` is called, ms. */
  debounceMs: number;
  /** Longest time from the first pending `trigger()` to the call, ms (≥ `debounceMs`). */
  maxWaitMs: number;
  /** The debounced work; never re-entered. */
  run: () => MaybePromise<void>;
  /** Receives what `run` throws or rejects with. */
  onError: (err: unknown) => void;
}

/**
 * Calls `run` once `debounceMs` passed without a `trigger()`, or `maxWaitMs` after the first
 * pending trigger, whichever comes first, so continuous triggers cannot starve it. `run` is never
 * re-entered: triggers while it runs are batched into one call after it settles (immediately
 * when their `maxWaitMs` has already passed). `trigger()` is O(1) and touches no timer while one
 * is armed, so it is cheap on a hot path. Times are monotonic (`performance.now()`), so a
 * wall-clock step cannot postpone a call.
 */
export class Debouncer {
  readonly #options: DebouncerOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstTriggerAt: number | undefined;
  #lastTriggerAt = 0;
  #running = false;
  #stopped = false;

  constructor(options: DebouncerOptions) {
    this.#options = options;
  }

  /** Something changed: schedule a call of `run`. */
  trigger(): void {
    if (this.#stopped) return;
    const now = performance.now();
    this.#firstTriggerAt ??= now;
    this.#lastTriggerAt = now;
    if (!this.#running && this.#timer === undefined) this.#arm(now);
  }

  /** Drops the pending call, if any (a running call continues). */
  cancel(): void {
    this.#firstTriggerAt = undefined;
    this.#clearTimer();
  }

  /** Drops the pending call and ignores later triggers. Leaves no timer. */
  stop(): void {
    this.#stopped = true;
    this.cancel();
  }

  /** Whether a call is pending or running. */
  get busy(): boolean {
    return this.#running || this.#firstTriggerAt !== undefined;
  }

  #due(): number {
    const first = this.#firstTriggerAt ?? this.#lastTriggerAt;
    return Math.min(this.#lastTriggerAt + this.#options.debounceMs, first + this.#options.maxWaitMs);
  }

  #arm(now: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(0, this.#due() - now));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#stopped || this.#firstTriggerAt === undefined) return;
    const now = performance.now();
    if (now < this.#due()) {
      this.#arm(now);
      return;
    }
    this.#firstTriggerAt = undefined;
    this.#running = true;
    let result: MaybePromise<void>;
    try {
      result = this.#options.run();
    } catch (err) {
      this.#options.onError(err);
      this.#settled();
      return;
    }
    if (isThenable(result)) {
      result.then(this.#settled, (err: unknown) => {
        this.#options.onError(err);
        this.#settled();
      });
    } else {
      this.#settled();
    }
  };

  readonly #settled = (): void => {
    this.#running = false;
    if (!this.#stopped && this.#firstTriggerAt !== undefined && this.#timer === undefined) this.#arm(performance.now());
  };
}
