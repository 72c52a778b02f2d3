import type { KubeObject, ObjectId, SingleChange } from '@kw/types';

/** How an object changed in a watcher's store: the same vocabulary as `SingleChange`. */
export type ChangeType = SingleChange;

/** One per-object change, as yielded by `watcher.events()`. */
export interface ChangeEvent<T extends KubeObject = KubeObject> {
  type: ChangeType;
  /** The object as stored (for `deleted`: its last state, or only its metadata when the delete was found by a relist). */
  object: T;
}

/** Options of `watcher.events()`. */
export interface ChangeEventsOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

/**
 * A subscriber's queue of per-object changes, iterated with `for await`. While events wait for
 * the consumer they are coalesced per object identity, so the queue never holds more entries than
 * there are distinct objects, and pushing never blocks:
 *
 * | pending  | then     | pending becomes         |
 * | -------- | -------- | ----------------------- |
 * | added    | modified | added (latest object)   |
 * | added    | deleted  | nothing                 |
 * | modified | modified | modified (latest)       |
 * | modified | deleted  | deleted                 |
 * | deleted  | added    | modified (latest)       |
 *
 * Objects are yielded in the order they first became pending.
 */
export class ChangeEventQueue<T extends KubeObject = KubeObject> implements AsyncIterableIterator<ChangeEvent<T>> {
  readonly #pending = new Map<ObjectId, ChangeEvent<T>>();
  readonly #waiters: Array<(result: IteratorResult<ChangeEvent<T>>) => void> = [];
  #done = false;
  readonly #onEnd: () => void;
  #signal: AbortSignal | undefined;

  /** `onEnd` runs once when the iteration ends (consumer `break`, `end()`, or the bound signal). */
  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  /** Ends the iteration when `signal` aborts (at once if it already has). */
  bindSignal(signal: AbortSignal): void {
    if (this.#done) return;
    if (signal.aborted) {
      this.end();
      return;
    }
    this.#signal = signal;
    signal.addEventListener('abort', this.end, { once: true });
  }

  /** Whether the iteration has ended. */
  get ended(): boolean {
    return this.#done;
  }

  /** How many events wait for the consumer (at most one per object). */
  get size(): number {
    return this.#pending.size;
  }

  /** Queues a change of the object with identity `id`, coalescing with a pending one. */
  push(id: ObjectId, type: ChangeType, object: T): void {
    if (this.#done) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter({ value: { type, object }, done: false });
      return;
    }
    const prev = this.#pending.get(id);
    if (prev === undefined) {
      this.#pending.set(id, { type, object });
      return;
    }
    prev.object = object;
    if (type === 'deleted') {
      if (prev.type === 'added') this.#pending.delete(id);
      else prev.type = 'deleted';
    } else if (prev.type === 'deleted') {
      prev.type = 'modified';
    }
  }

  next(): Promise<IteratorResult<ChangeEvent<T>>> {
    for (const [id, event] of this.#pending) {
      this.#pending.delete(id);
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  return(): Promise<IteratorResult<ChangeEvent<T>>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the iteration: pending events are dropped and waiting `next()` calls resolve done. */
  readonly end = (): void => {
    if (this.#done) return;
    this.#done = true;
    this.#pending.clear();
    this.#signal?.removeEventListener('abort', this.end);
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
    this.#onEnd();
  };
}
