/** Work, ms, after which a long run of synchronous applies yields to the event loop. */
export const SLICE_MS = 5;

/** Calls to {@link TimeSlicer.due} between clock reads. */
const CHECK_EVERY = 16;

/**
 * Cuts long runs of work (a large watch batch, a LIST page, a relist's sweep) into slices of about
 * {@link SLICE_MS}, so timers and I/O run in between. `due()` is called once per item and reads the
 * monotonic clock only every {@link CHECK_EVERY} calls; `yield()` waits one turn of the event loop
 * (`setImmediate`: after pending I/O, before the next timers) and starts a new slice.
 * A slice that outlasts {@link SLICE_MS} by one item's work is not interrupted.
 */
export class TimeSlicer {
  #calls = 0;
  #sliceStart = performance.now();

  /** Whether the current slice has used its budget; call once per item. */
  due(): boolean {
    if (++this.#calls < CHECK_EVERY) return false;
    this.#calls = 0;
    return performance.now() - this.#sliceStart >= SLICE_MS;
  }

  /** Lets the event loop run (timers, I/O), then starts a new slice. */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#calls = 0;
    this.#sliceStart = performance.now();
  }
}
