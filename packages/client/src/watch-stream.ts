import type { ApiStatus, KubeObject, WatchEvent } from '@kw/types';
import type { OpenResponse } from './transport';
import { type DecodedWatchEvent, WatchDecoder } from './watch-decoder';

/** What a {@link WatchStream} needs from the client. */
export interface WatchStreamOptions {
  /** Opens the watch request; rejects with a typed error on non-2xx. */
  open: () => Promise<OpenResponse>;
  /** Ends the stream (without error) when aborted. */
  signal: AbortSignal;
  /** Wraps a transport error (socket reset mid-stream) as a typed error. */
  networkError: (error: unknown) => unknown;
  /** Turns the `Status` of an `ERROR` event into the typed error the stream throws. */
  statusError: (status: ApiStatus) => unknown;
  /** Decoded events buffered before the socket is paused (backpressure). Default {@link WATCH_HIGH_WATER_MARK}. */
  highWaterMark?: number;
}

/**
 * Default of {@link WatchStreamOptions.highWaterMark}, events. It also bounds how many events are
 * decoded in one turn of the event loop while the consumer is busy.
 */
export const WATCH_HIGH_WATER_MARK = 256;

/**
 * Complete lines held undecoded past this many bytes are decoded at once instead of at the end of
 * the event loop's I/O phase; bounds the bytes one decode step parses (at 1M small ConfigMaps a
 * 1 MiB step took ~30 ms of parsing, and the worst blocks were 2–3× those at 256 KiB).
 */
const MAX_HELD_BYTES = 256 * 1024;

type Result<T extends KubeObject> = IteratorResult<WatchEvent<T>[], undefined>;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The async iterator `watch()` returns: opens the request on the first `next()`, yields every event
 * decoded since the previous `next()` as one batch (in order; never empty), returns when the server
 * ends the stream or the signal aborts, throws a typed error on a transport or decode failure or an
 * `ERROR` event (after yielding the events before it; an `ERROR` event is never yielded).
 * `return()` (a consumer `break`) destroys the socket. Single consumer: await each `next()` before
 * calling it again.
 */
export class WatchStream<T extends KubeObject = KubeObject>
  implements AsyncIterableIterator<WatchEvent<T>[], undefined>
{
  readonly #options: WatchStreamOptions;
  readonly #highWaterMark: number;
  readonly #decoder = new WatchDecoder<T>();
  /** Decoded events not yet handed over, in order; handed over whole by `next()`. Never holds an `ERROR` event past {@link #received}. */
  #pending: DecodedWatchEvent<T>[] = [];
  #started = false;
  /** No more data will arrive (ended, failed, aborted or returned). */
  #ended = false;
  #failed = false;
  #error: unknown;
  #open: OpenResponse | undefined;
  #paused = false;
  /** Decodes the held lines once the current I/O phase has read what the socket had. */
  #decodeLater: NodeJS.Immediate | undefined;
  #waiter: { resolve: (result: Result<T>) => void; reject: (error: unknown) => void } | undefined;

  constructor(options: WatchStreamOptions) {
    this.#options = options;
    this.#highWaterMark = options.highWaterMark ?? WATCH_HIGH_WATER_MARK;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<Result<T>> {
    if (!this.#started) await this.#start();
    if (this.#decodeLater !== undefined) this.#decodeHeld(); // the consumer is ready: do not wait for the I/O phase
    if (this.#pending.length > 0) return { done: false, value: this.#take() };
    if (this.#failed) {
      this.#failed = false;
      throw this.#error;
    }
    if (this.#ended) return DONE;
    return new Promise<Result<T>>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  async return(): Promise<Result<T>> {
    this.#stop();
    return DONE;
  }

  async #start(): Promise<void> {
    this.#started = true;
    const { signal } = this.#options;
    if (signal.aborted) {
      this.#stop();
      return;
    }
    signal.addEventListener('abort', this.#onAbort, { once: true });
    let open: OpenResponse;
    try {
      open = await this.#options.open();
    } catch (error) {
      const aborted = signal.aborted || this.#ended;
      this.#stop();
      if (aborted) return;
      throw error;
    }
    this.#open = open;
    if (this.#ended) {
      open.request.destroy();
      return;
    }
    const { request, response } = open;
    response.on('data', this.#onData);
    response.once('end', this.#onEnd);
    response.once('error', this.#onError);
    response.once('close', this.#onClose);
    request.on('error', this.#onError);
  }

  /**
   * Holds the chunk's complete lines and decodes them after the I/O phase (or at once past
   * {@link MAX_HELD_BYTES}), or when the consumer asks first: every chunk the socket had is then
   * decoded and handed over in one step (a large sync makes far fewer, larger batches), and a single
   * event still decodes in the same turn of the event loop.
   */
  readonly #onData = (chunk: Buffer): void => {
    if (this.#ended) return;
    const held = this.#decoder.hold(chunk);
    if (held >= MAX_HELD_BYTES) this.#decodeHeld();
    else if (held > 0) this.#decodeLater ??= setImmediate(this.#decodeHeld);
  };

  readonly #decodeHeld = (): void => {
    this.#cancelDecode();
    if (!this.#ended) this.#decode((events) => this.#decoder.flush(events));
  };

  readonly #onEnd = (): void => {
    if (this.#ended) return;
    this.#cancelDecode();
    this.#decode((events) => this.#decoder.end(events));
    if (this.#ended) return;
    this.#finish();
    this.#settleWaiter();
  };

  /** Runs one decode step into the pending events; on a malformed line, the events before it are delivered first. */
  #decode(step: (events: DecodedWatchEvent<T>[]) => void): void {
    const before = this.#pending.length;
    let error: unknown;
    try {
      step(this.#pending);
    } catch (caught) {
      error = caught;
    }
    this.#received(before);
    if (error !== undefined && !this.#ended) this.#fail(error);
  }

  #cancelDecode(): void {
    if (this.#decodeLater === undefined) return;
    clearImmediate(this.#decodeLater);
    this.#decodeLater = undefined;
  }

  readonly #onError = (error: unknown): void => {
    this.#decodeHeld(); // lines that arrived before the failure are delivered before it
    if (!this.#ended) this.#fail(this.#options.networkError(error));
  };

  readonly #onClose = (): void => {
    this.#decodeHeld();
    if (!this.#ended) this.#fail(this.#options.networkError(new Error('the connection closed before the watch ended')));
  };

  readonly #onAbort = (): void => {
    this.#stop();
  };

  /** Events from index `from` on were decoded: an `ERROR` event ends the stream with its typed error, after the events before it. */
  #received(from: number): void {
    const pending = this.#pending;
    for (let i = from; i < pending.length; i++) {
      const event = pending[i] as DecodedWatchEvent<T>;
      if (event.type === 'ERROR') {
        pending.length = i;
        if (i > 0) this.#deliver();
        this.#fail(this.#options.statusError(event.object));
        return;
      }
    }
    if (pending.length > from) this.#deliver();
  }

  /** New events are pending: hand them to a waiting consumer, or pause the socket once too many wait. */
  #deliver(): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: this.#take() });
      return;
    }
    if (!this.#paused && !this.#ended && this.#pending.length >= this.#highWaterMark) {
      this.#paused = true;
      this.#open?.response.pause();
    }
  }

  /** Hands over every pending event as one batch and resumes a paused socket. */
  #take(): WatchEvent<T>[] {
    const batch = this.#pending as WatchEvent<T>[];
    this.#pending = [];
    if (this.#paused) {
      this.#paused = false;
      if (!this.#ended) this.#open?.response.resume();
    }
    return batch;
  }

  #fail(error: unknown): void {
    this.#failed = true;
    this.#error = error;
    this.#finish();
    this.#settleWaiter();
  }

  /** Ends now, dropping pending events (abort, `return()`). */
  #stop(): void {
    this.#pending = [];
    this.#failed = false;
    this.#error = undefined;
    this.#finish();
    this.#settleWaiter();
  }

  #finish(): void {
    this.#ended = true;
    this.#cancelDecode();
    this.#options.signal.removeEventListener('abort', this.#onAbort);
    this.#open?.request.destroy();
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter || this.#pending.length > 0) return;
    this.#waiter = undefined;
    if (this.#failed) {
      this.#failed = false;
      waiter.reject(this.#error);
    } else {
      waiter.resolve(DONE);
    }
  }
}
