import type {
  ChangeCallback,
  ChangeStats,
  KubeObject,
  MaybePromise,
  ObjectId,
  ShardOption,
  Store,
  SyncCompleteCallback,
  WatcherConfig,
  WatcherStatus,
} from '@kw/types';
import { type ChangeEvent, ChangeEventQueue, type ChangeEventsOptions, type ChangeType } from './change-event-queue';
import { Debouncer } from './debouncer';
import { CallbackError, InvalidConfigError } from './errors';
import { abortable } from './internal/abort';
import { ListWatch } from './list-watch';
import { isThenable } from './maybe-promise';
import { show, type TargetSettings, watcherSettings } from './options';
import { ShardFilter } from './shard-filter';
import { StoreWriter } from './store-writer';

/** Changes counted since the last `onChange` call. */
interface Counts {
  added: number;
  modified: number;
  deleted: number;
}

const none = (): Counts => ({ added: 0, modified: 0, deleted: 0 });
const total = (c: Counts): number => c.added + c.modified + c.deleted;

/**
 * Keeps a {@link Store} equal to a Kubernetes collection: lists it, watches it, and recovers from
 * every failure (see the README's recovery table). Construction validates the whole configuration
 * and throws `InvalidConfigError`; nothing runs until `start()` (or `waitForSync()`).
 *
 * Its {@link StoreWriter} applies the client-side field selector, removes ignored fields, extracts
 * index keys and writes the store; a relist is committed in one `store.replace` call when the store
 * has one. `onChange` (debounced) and `events()` see changes only once they are in the store, and
 * never while a relist is half-applied.
 */
export class Watcher<T extends KubeObject = KubeObject> {
  readonly #settings: TargetSettings;
  readonly #store: Store<T>;
  readonly #onChange: ChangeCallback<T>;
  readonly #onSyncComplete: SyncCompleteCallback<T> | undefined;
  readonly #callOnChangeDuringSync: boolean;
  readonly #listWatch: ListWatch<T>;
  readonly #writer: StoreWriter<T>;
  readonly #shard: ShardFilter<T> | undefined;
  readonly #debouncer: Debouncer;
  readonly #subscribers = new Set<ChangeEventQueue<T>>();
  #initialSyncDone = false;
  #stopping: Promise<void> | undefined;
  #pending = none();
  /** The initial sync's last batch, sealed when the sync ended, still to be delivered with `isInitialSync: true`. */
  #syncBatch: Counts | undefined;

  constructor(config: WatcherConfig<T>) {
    const settings = watcherSettings(config);
    this.#settings = settings;
    this.#store = config.store;
    this.#onChange = config.onChange;
    this.#onSyncComplete = config.onSyncComplete;
    this.#callOnChangeDuringSync = settings.callOnChangeDuringSync;
    this.#debouncer = new Debouncer({
      debounceMs: settings.debounceMs,
      maxWaitMs: settings.maxWaitMs,
      run: this.#flush,
      onError: (err) => this.#listWatch.report(new CallbackError('onChange', err), 'onChange failed'),
    });
    const shard = settings.shardRange === undefined ? undefined : new ShardFilter<T>(settings.shardRange);
    this.#shard = shard;
    this.#listWatch = new ListWatch<T>({
      ...settings,
      ...(shard === undefined ? {} : { shard }),
      // Client-side shard filtering happens here: other shards' objects never reach the writer.
      sink: { apply: (step) => (shard === undefined || shard.admits(step) ? this.#writer.apply(step) : undefined) },
      storeSize: () => this.#writer.size,
      checkResolved: (resource) =>
        resource.namespaced || settings.namespace === undefined
          ? undefined
          : new InvalidConfigError(
              'namespace',
              `${show(settings.namespace)} was given but ${resource.resource} is cluster-scoped — omit namespace`,
              settings.namespace,
            ),
    });
    this.#writer = new StoreWriter<T>({
      store: this.#store,
      keys: config.keys,
      maxAtomicDiff: settings.maxAtomicDiff,
      report: (error, message) => this.#listWatch.report(error, message),
      changed: this.#changed,
      listed: this.#listed,
      resource: () => this.#listWatch.resource,
      signal: this.#listWatch.signal,
    });
    settings.signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (settings.signal?.aborted) void this.stop();
  }

  /** The store this watcher writes. */
  get store(): Store<T> {
    return this.#store;
  }

  /** Begins listing and watching in the background. Idempotent; a no-op once stopped. */
  start(): void {
    if (this.#stopping === undefined) this.#listWatch.start();
  }

  /**
   * Resolves once the initial state is in the store (and `onSyncComplete` has settled); starts
   * the watcher if needed. Rejects with the typed error that keeps it from syncing (403, unknown
   * resource, a namespace for a cluster-scoped resource) — the watcher keeps retrying in the
   * background, so a later call may resolve — or with `KW_ABORTED` when stopped or `signal` aborts.
   */
  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#listWatch.waitForSync(signal);
  }

  /** Whether the initial state is in the store. Stays true once reached (see `status().phase` for health). */
  isSynced(): boolean {
    return this.#listWatch.isSynced();
  }

  /** A snapshot of phase, counters and recovery state, for logs, metrics and readiness probes (see the README's Status table). */
  status(): WatcherStatus {
    const status: WatcherStatus = { ...this.#listWatch.status(), relistsInPlace: this.#writer.relistsInPlace };
    if (this.#shard !== undefined) status.shard = this.#shard.status();
    return status;
  }

  /**
   * Moves a sharded watcher to another range (dynamic membership, e.g. a `ShardRing`'s `onChange`):
   * the watcher lists the new range at once, through the atomic relist, so objects it no longer
   * owns leave the store as deletes and new ones arrive as adds, in one `store.replace` where the
   * diff fits `maxAtomicDiff`. The same range is a no-op; before the first listing, the new range
   * is simply the one listed. Throws `InvalidConfigError` for a bad
   * range, or when the watcher was created without `shard`.
   */
  setShard(shard: ShardOption): void {
    if (this.#shard === undefined) {
      throw new InvalidConfigError(
        'shard',
        'setShard() needs a watcher created with a shard option — pass shard: { index: 0, count: 1 } to start with everything',
        shard,
      );
    }
    // Nothing is listed before the resource is resolved: the first listing sends the new range, and
    // aborting the discovery request would only report an error and back off.
    if (this.#shard.set(shard) && this.#listWatch.resource !== undefined) this.#listWatch.relist();
  }

  /**
   * Per-object changes applied to the store after this call, as an async iterable. A slow
   * consumer never slows the store or `onChange`: pending events are coalesced per object (see
   * `ChangeEventQueue`), so memory is bounded by the number of distinct objects. Ends on `stop()`,
   * when `signal` aborts, or when the loop breaks.
   */
  events(options: ChangeEventsOptions = {}): AsyncIterableIterator<ChangeEvent<T>> {
    const queue: ChangeEventQueue<T> = new ChangeEventQueue<T>(() => this.#subscribers.delete(queue));
    if (this.#stopping !== undefined) {
      queue.end();
      return queue;
    }
    this.#subscribers.add(queue);
    if (options.signal !== undefined) queue.bindSignal(options.signal);
    return queue;
  }

  /** Stops everything: in-flight requests, timers, pending `onChange`, event iterators. Resolves when the loop has ended. */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      this.#settings.signal?.removeEventListener('abort', this.#onAbort);
      this.#debouncer.stop();
      for (const queue of [...this.#subscribers]) queue.end();
      this.#stopping = this.#listWatch.stop();
    }
    return this.#stopping;
  }

  readonly #onAbort = (): void => {
    void this.stop();
  };

  readonly #changed = (id: ObjectId, type: ChangeType, obj: T): void => {
    this.#pending[type]++;
    if (this.#initialSyncDone || this.#callOnChangeDuringSync) this.#debouncer.trigger();
    for (const queue of this.#subscribers) queue.push(id, type, obj);
  };

  /** A listing is in the store; the first time, seals the sync's changes and hands over to `onSyncComplete`. */
  readonly #listed = async (first: boolean): Promise<void> => {
    // A flush deferred while a relist was half-applied runs now.
    if (!first) {
      if (total(this.#pending) > 0 || this.#syncBatch !== undefined) this.#debouncer.trigger();
      return;
    }
    this.#initialSyncDone = true;
    // The sync's last batch is still delivered (with isInitialSync) when asked for; otherwise dropped.
    if (this.#callOnChangeDuringSync && total(this.#pending) > 0) this.#syncBatch = this.#pending;
    this.#pending = none();
    if (this.#onSyncComplete === undefined) return;
    try {
      const done = this.#onSyncComplete(this.#store, this.#writer.size);
      if (isThenable(done)) await abortable(done, this.#listWatch.signal);
    } catch (err) {
      if (this.#listWatch.signal.aborted) throw err;
      this.#listWatch.report(new CallbackError('onSyncComplete', err), 'onSyncComplete failed');
    }
  };

  readonly #flush = (): MaybePromise<void> => {
    // Never while a relist is half-applied: the writer's end of the relist triggers again.
    if (this.#writer.midRelist) return;
    let counts = this.#pending;
    let isInitialSync = !this.#initialSyncDone;
    if (this.#syncBatch !== undefined) {
      counts = this.#syncBatch;
      this.#syncBatch = undefined;
      isInitialSync = true;
      if (total(this.#pending) > 0) this.#debouncer.trigger();
    } else {
      this.#pending = none();
    }
    if (total(counts) === 0) return;
    const stats: ChangeStats = { ...counts, created: counts.added, isInitialSync };
    return this.#onChange(this.#store, stats);
  };
}
