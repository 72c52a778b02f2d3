import type { Clock } from '@kw/types';

/**
 * How long a watch asking the server for `timeoutSeconds` may stay silent before it counts as
 * hung, ms (0: never): `idleTimeoutMs` once the server has shown it sends periodic bookmarks,
 * else the watch's own server-side timeout plus `idleTimeoutMs`.
 */
export function idleBoundMs(timeoutSeconds: number, idleTimeoutMs: number, bookmarksSeen: boolean): number {
  if (idleTimeoutMs === 0) return 0;
  return bookmarksSeen ? idleTimeoutMs : timeoutSeconds * 1000 + idleTimeoutMs;
}

/**
 * Closes a hung watch: calls `onIdle(quietMs)` once nothing arrived for `bound()` ms. Silence is
 * measured on the monotonic `clock` from `start()` or the last batch; time spent applying a batch
 * (between `busy()` and `done()`) is not silence. `bound()` is read again after each batch, so a
 * shorter bound (the first periodic bookmark) takes effect at once.
 */
export class Watchdog {
  readonly #bound: () => number;
  readonly #onIdle: (quietMs: number) => void;
  readonly #clock: Clock;
  #last = 0;
  #busy = false;
  #armed = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { bound: () => number; onIdle: (quietMs: number) => void; clock: Clock }) {
    this.#bound = options.bound;
    this.#onIdle = options.onIdle;
    this.#clock = options.clock;
  }

  /** The bound in force, ms (0: off). */
  get boundMs(): number {
    return this.#armed;
  }

  /** Starts measuring silence from now. */
  start(): void {
    this.#last = this.#clock.now();
    this.#check();
  }

  /** A batch arrived: silence is not measured until {@link done}. */
  busy(): void {
    this.#last = this.#clock.now();
    this.#busy = true;
  }

  /** The batch is applied: silence is measured from now; re-arms when the bound changed. */
  done(): void {
    this.#last = this.#clock.now();
    this.#busy = false;
    if (this.#armed !== this.#bound()) this.#check();
  }

  /** Clears the timer. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check = (): void => {
    this.stop();
    this.#armed = this.#bound();
    if (this.#armed === 0) return;
    const quiet = this.#busy ? 0 : this.#clock.now() - this.#last;
    if (quiet >= this.#armed) this.#onIdle(quiet);
    else this.#timer = setTimeout(this.#check, this.#armed - quiet);
  };
}
