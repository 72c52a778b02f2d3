import type { KubeObject, WatchEvent } from '@kw/types';
import type { OpenResponse } from './transport';
import { WatchDecoder } from './watch-decoder';

/** What a {@link WatchStream} needs from the client. */
export interface WatchStreamOptions {
  /** Opens the watch request; rejects with a typed error on non-2xx. */
  open: () => Promise<OpenResponse>;
  /** Ends the stream (without error) when aborted. */
  signal: AbortSignal;
  /** Wraps a transport error (socket reset mid-stream) as a typed error. */
  networkError: (error: unknown) => unknown;
  /** Batches buffered before the socket is paused (backpressure). */
  highWaterMark?: number;
}

type Result<T extends KubeObject> = IteratorResult<WatchEvent<T>[], undefined>;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The async iterator `watch()` returns: opens the request on the first `next()`, yields one batch of
 * decoded events per received chunk, returns when the server ends the stream or the signal aborts,
 * throws a typed error on a transport or decode failure. `return()` (a consumer `break`) destroys the
 * socket. Single consumer: await each `next()` before calling it again.
 */
export class WatchStream<T extends KubeObject = KubeObject>
  implements AsyncIterableIterator<WatchEvent<T>[], undefined>
{
  readonly #options: WatchStreamOptions;
  readonly #highWaterMark: number;
  readonly #decoder = new WatchDecoder<T>();
  #queue: WatchEvent<T>[][] = [];
  #started = false;
  /** No more data will arrive (ended, failed, aborted or returned). */
  #ended = false;
  #failed = false;
  #error: unknown;
  #open: OpenResponse | undefined;
  #paused = false;
  #waiter: { resolve: (result: Result<T>) => void; reject: (error: unknown) => void } | undefined;

  constructor(options: WatchStreamOptions) {
    this.#options = options;
    this.#highWaterMark = options.highWaterMark ?? 16;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<Result<T>> {
    if (!this.#started) await this.#start();
    const batch = this.#queue.shift();
    if (batch !== undefined) {
      if (this.#paused && this.#queue.length < this.#highWaterMark / 2) {
        this.#paused = false;
        this.#open?.response.resume();
      }
      return { done: false, value: batch };
    }
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

  readonly #onData = (chunk: Buffer): void => {
    if (this.#ended) return;
    let events: WatchEvent<T>[];
    try {
      events = this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (events.length > 0) this.#deliver(events);
  };

  readonly #onEnd = (): void => {
    if (this.#ended) return;
    let events: WatchEvent<T>[];
    try {
      events = this.#decoder.end();
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (events.length > 0) this.#deliver(events);
    this.#finish();
    this.#settleWaiter();
  };

  readonly #onError = (error: unknown): void => {
    if (!this.#ended) this.#fail(this.#options.networkError(error));
  };

  readonly #onClose = (): void => {
    if (!this.#ended) this.#fail(this.#options.networkError(new Error('the connection closed before the watch ended')));
  };

  readonly #onAbort = (): void => {
    this.#stop();
  };

  #deliver(events: WatchEvent<T>[]): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: events });
      return;
    }
    this.#queue.push(events);
    if (!this.#paused && this.#queue.length >= this.#highWaterMark) {
      this.#paused = true;
      this.#open?.response.pause();
    }
  }

  #fail(error: unknown): void {
    this.#failed = true;
    this.#error = error;
    this.#finish();
    this.#settleWaiter();
  }

  /** Ends now, dropping queued batches (abort, `return()`). */
  #stop(): void {
    this.#queue = [];
    this.#failed = false;
    this.#error = undefined;
    this.#finish();
    this.#settleWaiter();
  }

  #finish(): void {
    this.#ended = true;
    this.#options.signal.removeEventListener('abort', this.#onAbort);
    this.#open?.request.destroy();
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter || this.#queue.length > 0) return;
    this.#waiter = undefined;
    if (this.#failed) {
      this.#failed = false;
      waiter.reject(this.#error);
    } else {
      waiter.resolve(DONE);
    }
  }
}
