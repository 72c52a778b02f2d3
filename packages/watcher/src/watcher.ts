import type {
  ChangeCallback,
  ChangeStats,
  KeyExtractor,
  KubeObject,
  MaybePromise,
  ObjectId,
  Store,
  SyncCompleteCallback,
  WatcherConfig,
  WatcherStatus,
} from '@kw/types';
import { type ChangeEvent, ChangeEventQueue, type ChangeEventsOptions, type ChangeType } from './change-events';
import {
  boolean,
  number,
  optionalFunction,
  requiredFunction,
  show,
  type TargetSettings,
  targetSettings,
} from './config';
import { Debouncer, isThenable } from './debouncer';
import { WATCHER_DEFAULTS } from './defaults';
import { CallbackError, InvalidConfigError, KeyExtractionError, toKwError } from './errors';
import { abortable, ListWatch, type ListWatchSink } from './list-watch';
import { objectId, tombstone } from './object-id';
import { TimeSlicer } from './time-slice';

const LIST_MODES = ['auto', 'paginated', 'streaming'] as const;

/**
 * Keeps a {@link Store} equal to a Kubernetes collection: lists it, watches it, and recovers from
 * every failure (see the README's recovery table). Construction validates the whole configuration
 * and throws `InvalidConfigError`; nothing runs until `start()` (or `waitForSync()`).
 *
 * Per object it applies the client-side field selector (`keys.matches`; an update that stops
 * matching deletes, one that starts matching adds), removes ignored fields (`keys.filterFields`),
 * extracts index keys and writes the store, skipping updates whose resourceVersion did not change.
 * It remembers only `identity → resourceVersion` of stored objects, so a relist reconciles the
 * store in place (mark and sweep) without a second copy of the objects.
 *
 * A failed store write is reported, not recorded, and triggers a relist after backoff; an object
 * whose new version cannot be indexed is removed from the store (and reported) until one can.
 */
export class Watcher<T extends KubeObject = KubeObject> {
  private readonly settings: TargetSettings;
  private readonly keys: KeyExtractor<T>;
  private readonly storeRef: Store<T>;
  private readonly onChange: ChangeCallback<T>;
  private readonly onSyncComplete: SyncCompleteCallback<T> | undefined;
  private readonly callOnChangeDuringSync: boolean;
  private readonly listWatch: ListWatch<T>;
  private readonly debouncer: Debouncer;
  private readonly known = new Map<ObjectId, string>();
  private readonly subscribers = new Set<ChangeEventQueue<T>>();
  /**
   * Identities the current listing contained, for the sweep at its end; `null` while a listing runs
   * that started with nothing known (everything known then was listed: no sweep, no set).
   */
  private seen: Set<ObjectId> | null | undefined;
  private initialSyncDone = false;
  private stopping: Promise<void> | undefined;
  private pending = { created: 0, modified: 0, deleted: 0 };

  constructor(config: WatcherConfig<T>) {
    this.settings = targetSettings(config, 'Watcher');
    this.keys = checkKeys(config.keys) as KeyExtractor<T>;
    this.storeRef = checkStore(config.store) as Store<T>;
    requiredFunction('onChange', config.onChange);
    this.onChange = config.onChange;
    this.onSyncComplete = optionalFunction('onSyncComplete', config.onSyncComplete) as
      | SyncCompleteCallback<T>
      | undefined;
    const debounceMs = number('debounceMs', config.debounceMs, WATCHER_DEFAULTS.debounceMs, { min: 0 });
    const maxWaitMs = number('maxWaitMs', config.maxWaitMs, Math.max(WATCHER_DEFAULTS.maxWaitMs, debounceMs), {
      min: 0,
    });
    if (maxWaitMs < debounceMs) {
      throw new InvalidConfigError(
        'maxWaitMs',
        `${maxWaitMs} is less than debounceMs ${debounceMs} — maxWaitMs bounds the debounce, so it must be ≥ debounceMs`,
        maxWaitMs,
      );
    }
    this.callOnChangeDuringSync = boolean(
      'callOnChangeDuringSync',
      config.callOnChangeDuringSync,
      WATCHER_DEFAULTS.callOnChangeDuringSync,
    );
    const pageSize = number('pageSize', config.pageSize, WATCHER_DEFAULTS.pageSize, { min: 1, integer: true });
    const listMode = config.listMode ?? WATCHER_DEFAULTS.listMode;
    if (!LIST_MODES.includes(listMode)) {
      throw new InvalidConfigError(
        'listMode',
        `expected one of ${LIST_MODES.join(', ')}, got ${show(listMode)}`,
        listMode,
      );
    }
    const metadataOnly = boolean('metadataOnly', config.metadataOnly, WATCHER_DEFAULTS.metadataOnly);
    if (metadataOnly && !this.keys.metadataOnly) {
      throw new InvalidConfigError(
        'metadataOnly',
        `true needs keys.metadataOnly, but the indexer reads more than metadata (indexBy ${show(this.keys.indexBy)}, or its ignoreFields / fieldSelector) — index only metadata.* fields or drop metadataOnly`,
        metadataOnly,
      );
    }

    this.debouncer = new Debouncer({
      debounceMs,
      maxWaitMs,
      run: this.flush,
      onError: (err) => this.listWatch.report(new CallbackError('onChange', err), 'onChange failed'),
    });
    const sink: ListWatchSink<T> = {
      beginList: () => {
        this.seen = this.known.size === 0 ? null : new Set();
      },
      listed: (obj) => this.upsert(obj),
      endList: () => this.endList(),
      changed: (type, obj) => (type === 'DELETED' ? this.remove(obj) : this.upsert(obj)),
    };
    this.listWatch = new ListWatch<T>({
      ...this.settings,
      listMode,
      pageSize,
      metadataOnly,
      sink,
      checkResolved: (resource) =>
        resource.namespaced || this.settings.namespace === undefined
          ? undefined
          : new InvalidConfigError(
              'namespace',
              `${show(this.settings.namespace)} was given but ${resource.resource} is cluster-scoped — omit namespace`,
              this.settings.namespace,
            ),
    });
    this.settings.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.settings.signal?.aborted) void this.stop();
  }

  /** The store this watcher writes. */
  get store(): Store<T> {
    return this.storeRef;
  }

  /** Begins listing and watching in the background. Idempotent; a no-op once stopped. */
  start(): void {
    if (this.stopping === undefined) this.listWatch.start();
  }

  /**
   * Resolves once the initial state is in the store (and `onSyncComplete` has settled); starts
   * the watcher if needed. Rejects with the typed error that keeps it from syncing (403, unknown
   * resource, a namespace for a cluster-scoped resource) — the watcher keeps retrying in the
   * background, so a later call may resolve — or with `KW_ABORTED` when stopped or `signal` aborts.
   */
  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.listWatch.waitForSync(signal);
  }

  /** Whether the initial state is in the store. Stays true once reached (see `status().phase` for health). */
  isSynced(): boolean {
    return this.listWatch.isSynced();
  }

  /** A snapshot of phase, counters and recovery state, for logs, metrics and readiness probes (see the README's Status table). */
  status(): WatcherStatus {
    return this.listWatch.status();
  }

  /**
   * Per-object changes applied to the store after this call, as an async iterable. A slow
   * consumer never slows the store or `onChange`: pending events are coalesced per object (see
   * `ChangeEventQueue`), so memory is bounded by the number of distinct objects. Ends on `stop()`,
   * when `signal` aborts, or when the loop breaks.
   */
  events(options: ChangeEventsOptions = {}): AsyncIterableIterator<ChangeEvent<T>> {
    const queue: ChangeEventQueue<T> = new ChangeEventQueue<T>(() => this.subscribers.delete(queue));
    if (this.stopping !== undefined) {
      queue.end();
      return queue;
    }
    this.subscribers.add(queue);
    if (options.signal !== undefined) queue.bindSignal(options.signal);
    return queue;
  }

  /** Stops everything: in-flight requests, timers, pending `onChange`, event iterators. Resolves when the loop has ended. */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      this.settings.signal?.removeEventListener('abort', this.onAbort);
      this.debouncer.stop();
      for (const queue of [...this.subscribers]) queue.end();
      this.stopping = this.listWatch.stop();
    }
    return this.stopping;
  }

  private readonly onAbort = (): void => {
    void this.stop();
  };

  private upsert(obj: T): MaybePromise<void> {
    let id: ObjectId;
    try {
      id = objectId(obj);
    } catch (err) {
      this.listWatch.report(toKwError(err), 'skipped an object');
      return;
    }
    this.seen?.add(id);
    const rv = obj.metadata?.resourceVersion ?? '';
    const prev = this.known.get(id);
    if (prev !== undefined && prev === rv && rv !== '') return;
    let keys: string[];
    let stored: T;
    let method: KeyExtractionError['method'] = 'matches';
    try {
      if (!this.keys.matches(obj)) return prev === undefined ? undefined : this.removeKnown(id, obj);
      method = 'extractKeys';
      keys = this.keys.extractKeys(obj);
      method = 'filterFields';
      stored = this.keys.filterFields(obj);
    } catch (err) {
      const error = new KeyExtractionError(id, method, this.expressionOf(method, err), obj, err);
      this.listWatch.report(error, `${prev === undefined ? 'skipped' : 'removed'} ${id}: it could not be indexed`);
      // A stale copy under its old keys would be wrong: remove it until a version can be indexed.
      return prev === undefined ? undefined : this.removeKnown(id, obj);
    }
    const created = prev === undefined;
    let written: MaybePromise<void>;
    try {
      written = created ? this.storeRef.add(stored, keys) : this.storeRef.update(stored, keys);
    } catch (err) {
      this.writeFailed(err, `store write of ${id} failed`);
      return;
    }
    if (isThenable(written)) {
      return written.then(
        () => this.recordUpsert(id, rv, created, stored),
        (err: unknown) => this.writeFailed(err, `store write of ${id} failed`),
      );
    }
    this.recordUpsert(id, rv, created, stored);
  }

  private recordUpsert(id: ObjectId, rv: string, created: boolean, obj: T): void {
    this.known.set(id, rv);
    if (created) this.pending.created++;
    else this.pending.modified++;
    this.changed(id, created ? 'added' : 'modified', obj);
  }

  private remove(obj: T): MaybePromise<void> {
    let id: ObjectId;
    try {
      id = objectId(obj);
    } catch (err) {
      this.listWatch.report(toKwError(err), 'skipped an object');
      return;
    }
    if (!this.known.has(id)) return;
    return this.removeKnown(id, obj);
  }

  private removeKnown(id: ObjectId, obj: T): MaybePromise<void> {
    let removed: MaybePromise<boolean>;
    try {
      removed = this.storeRef.delete(obj);
    } catch (err) {
      this.writeFailed(err, `store delete of ${id} failed`);
      return;
    }
    if (isThenable(removed)) {
      return removed.then(
        () => this.recordDelete(id, obj),
        (err: unknown) => this.writeFailed(err, `store delete of ${id} failed`),
      );
    }
    this.recordDelete(id, obj);
  }

  /** The store did not take a change: report it, leave `known` as it was, and relist (after backoff) so the store converges. */
  private writeFailed(err: unknown, message: string): void {
    this.listWatch.report(toKwError(err), `${message}; relisting`);
    this.listWatch.requestRelist();
  }

  /** The expression a failed `keys` method was evaluating, for error messages. */
  private expressionOf(method: KeyExtractionError['method'], err: unknown): string {
    const expression = (err as { expression?: unknown } | null | undefined)?.expression;
    if (typeof expression === 'string') return show(expression);
    if (method === 'extractKeys') return `indexBy ${show(this.keys.indexBy)}`;
    return method === 'matches' ? 'the field selector' : 'ignoreFields';
  }

  private recordDelete(id: ObjectId, obj: T): void {
    this.known.delete(id);
    this.pending.deleted++;
    this.changed(id, 'deleted', obj);
  }

  private changed(id: ObjectId, type: ChangeType, obj: T): void {
    if (this.initialSyncDone || this.callOnChangeDuringSync) this.debouncer.trigger();
    for (const queue of this.subscribers) queue.push(id, type, obj);
  }

  /** Sweeps what the listing did not contain; the first time, hands over to `onSyncComplete`. */
  private async endList(): Promise<void> {
    const seen = this.seen;
    this.seen = undefined;
    if (seen !== null) {
      const slicer = new TimeSlicer();
      for (const [id, rv] of this.known) {
        if (slicer.due()) {
          await slicer.yield();
          if (this.listWatch.signal.aborted) return;
        }
        if (seen?.has(id)) continue;
        const removed = this.removeKnown(id, tombstone<T>(id, rv, this.listWatch.resource));
        if (isThenable(removed)) await removed;
      }
    }
    // A failed write ends this listing: hand over to onSyncComplete after the relist.
    if (this.initialSyncDone || this.listWatch.relistPending) return;
    this.initialSyncDone = true;
    this.debouncer.cancel();
    this.pending = { created: 0, modified: 0, deleted: 0 };
    if (this.onSyncComplete === undefined) return;
    try {
      const done = this.onSyncComplete(this.storeRef, this.known.size);
      if (isThenable(done)) await abortable(done, this.listWatch.signal);
    } catch (err) {
      if (this.listWatch.signal.aborted) throw err;
      this.listWatch.report(new CallbackError('onSyncComplete', err), 'onSyncComplete failed');
    }
  }

  private readonly flush = (): MaybePromise<void> => {
    const { created, modified, deleted } = this.pending;
    this.pending = { created: 0, modified: 0, deleted: 0 };
    if (created + modified + deleted === 0) return;
    const stats: ChangeStats = { created, modified, deleted, isInitialSync: !this.initialSyncDone };
    return this.onChange(this.storeRef, stats);
  };
}

function checkKeys(keys: unknown): KeyExtractor {
  const k = keys as Partial<KeyExtractor> | null | undefined;
  if (k === null || typeof k !== 'object') {
    throw new InvalidConfigError(
      'keys',
      `expected a KeyExtractor, got ${show(keys)} — pass new Indexer({ indexBy: [...] }) from @kw/indexer`,
      keys,
    );
  }
  if (!Array.isArray(k.indexBy) || k.indexBy.length === 0) {
    throw new InvalidConfigError(
      'keys.indexBy',
      `expected at least one index expression, got ${show(k.indexBy)} — e.g. ['metadata.namespace', 'metadata.name']`,
      k.indexBy,
    );
  }
  for (const method of ['extractKeys', 'filterFields', 'matches'] as const) {
    if (typeof k[method] !== 'function') {
      throw new InvalidConfigError(`keys.${method}`, `expected a function, got ${show(k[method])}`, k[method]);
    }
  }
  return k as KeyExtractor;
}

function checkStore(store: unknown): Store {
  const s = store as Partial<Store> | null | undefined;
  if (s === null || typeof s !== 'object') {
    throw new InvalidConfigError(
      'store',
      `expected a Store, got ${show(store)} — pass new MemoryStore() from @kw/store-memory`,
      store,
    );
  }
  for (const method of ['add', 'update', 'delete'] as const) {
    if (typeof s[method] !== 'function') {
      throw new InvalidConfigError(`store.${method}`, `expected a function, got ${show(s[method])}`, s[method]);
    }
  }
  return s as Store;
}
