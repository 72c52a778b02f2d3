import { WatcherStoppedError } from './errors';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * What `waitForSync` waits on (kube-rs `DelayedInit`): opens once the first listing is applied;
 * while an error keeps the watcher from syncing, waits reject with it at once.
 */
export class SyncGate {
  readonly #waiters = new Set<Waiter>();
  #synced = false;
  #closed: WatcherStoppedError | undefined;
  /** The error that ended the loop for good. */
  #fatal: unknown;
  /** An error being retried slowly; cleared by {@link unblock}. */
  #blocking: unknown;

  /** Whether the first listing has been applied. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The first listing is applied: resolves every wait, now and later. */
  open(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const waiter of [...this.#waiters]) waiter.resolve();
  }

  /** `error` keeps the watcher from syncing (for good when `fatal`): unless synced, waits reject with it. */
  block(error: unknown, fatal: boolean): void {
    if (fatal) this.#fatal = error;
    else this.#blocking = error;
    if (!this.#synced || fatal) this.#rejectAll(error);
  }

  /** A request succeeded: a slowly retried error no longer rejects waits. */
  unblock(): void {
    this.#blocking = undefined;
  }

  /** The watcher stopped: every wait, now and later, rejects with a {@link WatcherStoppedError} unless synced. */
  close(): void {
    if (this.#closed !== undefined) return;
    this.#closed = new WatcherStoppedError('the watcher was stopped before it synced');
    this.#rejectAll(this.#closed);
  }

  /** Resolves once open; rejects with the blocking error, when closed, or when `signal` aborts. Calls `start` before waiting. */
  wait(start: () => void, signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const blocking = this.#fatal ?? this.#blocking;
    if (blocking !== undefined) return Promise.reject(blocking);
    if (signal?.aborted) return Promise.reject(new WatcherStoppedError('waitForSync was aborted', signal.reason));
    start();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => waiter.reject(new WatcherStoppedError('waitForSync was aborted', signal?.reason));
      const done = () => {
        this.#waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #rejectAll(err: unknown): void {
    for (const waiter of [...this.#waiters]) waiter.reject(err);
  }
}
