import type {
  Clock,
  FetchOutcome,
  Instrumentation,
  KubeObject,
  KwErrorShape,
  ObjectFetcher,
  ObjectId,
  Store,
  StoreDiff,
  StoreVersions,
} from '@kw/types';
import { LRUCache } from 'lru-cache';
import { abortable } from './internal/abort';
import { objectId, splitObjectId } from './internal/object-id';
import { KeyCountError } from './internal/store-errors';
import { Limiter } from './limiter';
import { CACHED_STORE_DEFAULTS, type CachedStoreOptions, validate } from './options';
import { PartialReadError, ReadAbortedError, type ReadFailure } from './read-errors';
import { RefIndex } from './ref-index';

/** Counters and gauges to size a {@link CachedStore}'s cache. Counters are cumulative (not reset by `clear()`). */
export interface CachedStoreStats {
  /** Objects a read found in the cache. */
  hits: number;
  /** Objects a read did not find in the cache (fetched, or joined an in-flight fetch). */
  misses: number;
  /** Fetcher calls. */
  fetches: number;
  /** Fetcher calls that rejected (aborted ones not counted). */
  fetchErrors: number;
  /** Bodies dropped to respect `maxEntries` / `maxBytes` (least recently used first). */
  evictions: number;
  /** Bodies dropped because their TTL ran out. */
  expirations: number;
  /** Bodies cached now. */
  entries: number;
  /** Bytes cached now, as measured by `sizeOf`. */
  bytes: number;
  /** Objects known (identities with their keys): the store's `size()`. */
  refs: number;
}

/** Options of one {@link CachedStore} read. */
export interface ReadOptions {
  /** Cancels the read: it rejects with `KW_ABORTED`, and fetches no other read waits for are cancelled. */
  signal?: AbortSignal;
}

/** What the store keeps per object. */
interface Ref {
  readonly id: ObjectId;
  keys: readonly string[];
  resourceVersion: string | undefined;
  /** Bumped when the object changes; a fetch started before a bump is not cached. */
  epoch: number;
  /** Neighbours under the same keys, owned by {@link RefIndex}. */
  prev: Ref | undefined;
  next: Ref | undefined;
}

/** One fetch, shared by every read of the same version of an object while it runs. */
interface Flight<T> {
  readonly ref: Ref;
  readonly epoch: number;
  readonly controller: AbortController;
  /** Reads waiting for it; the fetch is cancelled when the last one aborts. */
  waiters: number;
  promise: Promise<T | undefined>;
}

/** What a read found: the objects in order, and the bodies it could not fetch. */
interface Outcome<T> {
  objects: T[];
  failures: ReadFailure[];
}

/**
 * A {@link Store} that keeps only each object's identity, resourceVersion and index keys in
 * memory and fetches bodies from the API when read, behind an LRU cache with a TTL refreshed on
 * read and bounded by `maxEntries` and/or `maxBytes`.
 *
 * Lookups by full or leading-partial keys cost O(key count + result) on the refs; missing bodies
 * are fetched in parallel (at most `concurrency` at once, each fetch paced by the client's
 * QPS/burst), and concurrent reads of the same missing object share one fetch. A read works on
 * the refs as they are when it is called. Writes never insert into the cache: a full body handed
 * to `add`/`update`/`replace` replaces the cached one only when that object is cached; a
 * metadata-only object (`PartialObjectMetadata`) drops the cached body when its resourceVersion
 * differs. A fetch that finds nothing (404) drops the object from the read's result; a `get` or
 * `list` whose other fetches fail rejects with {@link PartialReadError} holding what was read.
 * Returned objects are the cached ones: do not mutate them.
 */
export class CachedStore<T extends KubeObject = KubeObject> implements Store<T>, StoreVersions {
  readonly #fetcher: ObjectFetcher<T>;
  readonly #filterFields: ((obj: T) => T) | undefined;
  readonly #onError: ((error: KwErrorShape) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  #keyCount: number | undefined;
  readonly #refs = new RefIndex<Ref>();
  readonly #cache: LRUCache<ObjectId, T>;
  readonly #inFlight = new Map<ObjectId, Flight<T>>();
  readonly #limiter: Limiter;
  readonly #counters = { hits: 0, misses: 0, fetches: 0, fetchErrors: 0, evictions: 0, expirations: 0 };
  readonly #clock: Clock;
  readonly #name: string;
  readonly #hooks: Instrumentation | undefined;

  constructor(options: CachedStoreOptions<T>) {
    validate(options);
    const { ttlMs, maxEntries, concurrency, name } = { ...CACHED_STORE_DEFAULTS, ...options };
    this.#name = name;
    this.#hooks = options.instrumentation;
    this.#fetcher = options.fetch;
    this.#filterFields = options.filterFields;
    this.#onError = options.onError;
    this.#signal = options.signal;
    this.#keyCount = options.keyCount;
    this.#limiter = new Limiter(concurrency);
    const sizeOf = options.sizeOf ?? jsonLength;
    // Looked up on each call, so vi.useFakeTimers() (which replaces globalThis.performance) applies.
    const clock = options.clock ?? { now: () => performance.now() };
    this.#clock = clock;
    this.#cache = new LRUCache<ObjectId, T>({
      max: maxEntries === Number.POSITIVE_INFINITY ? 0 : maxEntries,
      // Always size entries so stats() can report bytes; without maxBytes the bound is only nominal.
      maxSize: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      sizeCalculation: (obj) => {
        const size = sizeOf(obj);
        return Number.isFinite(size) && size >= 1 ? Math.ceil(size) : 1;
      },
      ttl: ttlMs,
      updateAgeOnGet: true,
      // Read perf.now() on each check instead of caching it behind a 1 ms timer: no timers at all.
      ttlResolution: 0,
      // +1: lru-cache reads a start time of 0 as "no TTL", and a (fake) clock may start at 0.
      perf: { now: () => clock.now() + 1 },
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#counters.evictions++;
        else if (reason === 'expire') this.#counters.expirations++;
      },
    });
  }

  /**
   * Objects whose keys start with `keys` (all keys or a leading prefix), fetching uncached bodies.
   * Rejects with {@link PartialReadError} when some fetches fail, `KW_ABORTED` when cancelled.
   */
  async get(keys: readonly string[], options: ReadOptions = {}): Promise<T[]> {
    if (keys.length === 0 || (this.#keyCount !== undefined && keys.length > this.#keyCount)) {
      throw new KeyCountError(
        `get() was given ${keys.length} keys ${JSON.stringify(keys)}, but the store indexes ${this.#keyCount ?? 'at least 1'} — pass 1 to ${this.#keyCount ?? 'the indexed number of'} keys, leading keys first`,
        keys,
        this.#keyCount,
      );
    }
    const what = `get(${JSON.stringify(keys)})`;
    const { objects, failures } = await this.#resolve(this.#refs.find(keys), what, options.signal);
    if (failures.length > 0) throw new PartialReadError(what, objects, failures);
    return objects;
  }

  /**
   * The object with this identity (`namespace/name` or `name`), fetched when uncached; `undefined`
   * when unknown or gone (404). Rejects with the fetch's own error when it fails.
   */
  async getById(id: ObjectId, options: ReadOptions = {}): Promise<T | undefined> {
    const ref = this.#refs.byIdentity(id);
    if (ref === undefined) return undefined;
    const { objects, failures } = await this.#resolve([ref], `getById(${JSON.stringify(id)})`, options.signal);
    if (failures[0] !== undefined) throw failures[0].error;
    return objects[0];
  }

  /**
   * Every object, fetching uncached bodies (with more objects than the cache holds, this fetches
   * on every call). Rejects with {@link PartialReadError} when some fetches fail.
   */
  async list(options: ReadOptions = {}): Promise<T[]> {
    const { objects, failures } = await this.#resolve(this.#refs.all(), 'list()', options.signal);
    if (failures.length > 0) throw new PartialReadError('list()', objects, failures);
    return objects;
  }

  /** Records `obj` under `keys`; same as {@link CachedStore.update}. */
  add(obj: T, keys: readonly string[]): void {
    this.update(obj, keys);
  }

  /**
   * Records `obj`'s identity, resourceVersion and `keys` (moving it when its keys changed). A full
   * body replaces the cached one if cached (keeping its TTL) and is not cached otherwise; a
   * metadata-only object drops the cached body when the resourceVersion differs.
   */
  update(obj: T, keys: readonly string[]): void {
    const id = objectId(obj, keys);
    this.#checkWriteKeys(keys, this.#keyCount);
    this.#keyCount = keys.length;
    this.#upsert(obj, id, keys);
    if (this.#hooks !== undefined) this.#reportSize();
  }

  /** Forgets the object with `obj`'s identity and its cached body; an in-flight fetch of it is not cached. */
  delete(obj: T): boolean {
    const removed = this.#remove(objectId(obj));
    if (this.#hooks !== undefined) this.#reportSize();
    return removed;
  }

  /**
   * Applies a relist's diff atomically for readers: validates every entry first (key counts,
   * identities), so a throw leaves the store unchanged, then commits upserts (as `update`) and
   * then deletes (as `delete`) in one synchronous loop. O(diff × key count).
   */
  replace(diff: StoreDiff<T>): void {
    const { upserts, deletes } = diff;
    let expected = this.#keyCount;
    const upsertIds = new Array<ObjectId>(upserts.length);
    for (let i = 0; i < upserts.length; i++) {
      const { obj, keys } = upserts[i]!;
      upsertIds[i] = objectId(obj, keys);
      this.#checkWriteKeys(keys, expected);
      expected = keys.length;
    }
    const deleteIds = new Array<ObjectId>(deletes.length);
    for (let i = 0; i < deletes.length; i++) deleteIds[i] = objectId(deletes[i]!);
    // Commit: nothing below throws.
    this.#keyCount = expected;
    for (let i = 0; i < upserts.length; i++) this.#upsert(upserts[i]!.obj, upsertIds[i]!, upserts[i]!.keys);
    for (const id of deleteIds) this.#remove(id);
    if (this.#hooks !== undefined) this.#reportSize();
  }

  /** Forgets every object and cached body; counters and a learned key count are kept. */
  clear(): void {
    this.#refs.clear();
    this.#cache.clear();
    this.#inFlight.clear();
    if (this.#hooks !== undefined) this.#reportSize();
  }

  /** `[identity, resourceVersion]` of every known object, without fetching (`StoreVersions`: lets a watcher reuse this store). O(size). */
  resourceVersions(): Array<readonly [ObjectId, string]> {
    return this.#refs.all().map((ref) => [ref.id, ref.resourceVersion ?? ''] as const);
  }

  /** How many objects the store knows (refs, cached or not). */
  async size(): Promise<number> {
    return this.#refs.size;
  }

  /** Cache counters and current sizes; purges expired bodies first, O(entries). */
  stats(): CachedStoreStats {
    this.#cache.purgeStale();
    return { ...this.#counters, entries: this.#cache.size, bytes: this.#cache.calculatedSize, refs: this.#refs.size };
  }

  #checkWriteKeys(keys: readonly string[], expected: number | undefined): void {
    if (keys.length > 0 && (expected === undefined || keys.length === expected)) return;
    throw new KeyCountError(
      `a write was given ${keys.length} keys ${JSON.stringify(keys)}, but the store indexes ${expected ?? 'at least 1'} — pass one key per indexBy expression (the indexer's extractKeys(obj))`,
      keys,
      expected,
    );
  }

  #upsert(obj: T, id: ObjectId, keys: readonly string[]): void {
    const resourceVersion = obj.metadata?.resourceVersion;
    const old = this.#refs.byIdentity(id);
    let ref: Ref;
    if (old === undefined) {
      ref = { id, keys: [], resourceVersion, epoch: 0, prev: undefined, next: undefined };
    } else {
      ref = old;
      if (old.resourceVersion !== resourceVersion || resourceVersion === undefined) {
        ref.resourceVersion = resourceVersion;
        ref.epoch++;
      }
    }
    this.#refs.set(ref, [...keys]);
    const cached = this.#cache.peek(id);
    if (cached === undefined) return;
    if (!isMetadataOnly(obj)) this.#cache.set(id, obj, { noUpdateTTL: true });
    else if (cached.metadata?.resourceVersion !== resourceVersion || resourceVersion === undefined)
      this.#cache.delete(id);
  }

  #remove(id: ObjectId): boolean {
    this.#inFlight.delete(id);
    this.#cache.delete(id);
    return this.#refs.delete(id) !== undefined;
  }

  /** Serves `refs` from the cache, fetching the rest; waits until every fetch settled or the read aborted. */
  async #resolve(refs: readonly Ref[], what: string, signal: AbortSignal | undefined): Promise<Outcome<T>> {
    const stop =
      signal === undefined
        ? this.#signal
        : this.#signal === undefined
          ? signal
          : AbortSignal.any([signal, this.#signal]);
    if (stop?.aborted) throw new ReadAbortedError(what, stop.reason);
    const found: (T | undefined)[] = new Array(refs.length);
    const waits: { index: number; flight: Flight<T> }[] = [];
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      const cached = this.#cache.get(ref.id);
      if (cached !== undefined) {
        found[i] = cached;
        continue;
      }
      const flight = this.#load(ref);
      flight.waiters++;
      waits.push({ index: i, flight });
    }
    this.#counters.hits += refs.length - waits.length;
    this.#counters.misses += waits.length;
    if (this.#hooks !== undefined) this.#reportReads(refs.length - waits.length, waits.length);
    if (waits.length === 0) return { objects: found as T[], failures: [] };
    const settled = Promise.allSettled(waits.map((w) => w.flight.promise));
    let outcomes: PromiseSettledResult<T | undefined>[];
    try {
      outcomes = stop === undefined ? await settled : await abortable(settled, stop);
    } catch (reason) {
      for (const { flight } of waits) this.#leave(flight, reason);
      throw new ReadAbortedError(what, reason);
    }
    for (const { flight } of waits) flight.waiters--;
    const failures: ReadFailure[] = [];
    for (let w = 0; w < waits.length; w++) {
      const outcome = outcomes[w]!;
      const { index, flight } = waits[w]!;
      if (outcome.status === 'fulfilled') found[index] = outcome.value;
      else failures.push({ id: flight.ref.id, error: outcome.reason });
    }
    return { objects: found.filter((obj) => obj !== undefined), failures };
  }

  /** A read stopped waiting for `flight`; the last one to leave cancels it. */
  #leave(flight: Flight<T>, reason: unknown): void {
    if (--flight.waiters > 0) return;
    if (this.#inFlight.get(flight.ref.id) === flight) this.#inFlight.delete(flight.ref.id);
    flight.controller.abort(reason);
  }

  /** Fetches `ref`'s body, or joins the fetch already in flight for the same version of it. */
  #load(ref: Ref): Flight<T> {
    const running = this.#inFlight.get(ref.id);
    if (running !== undefined && running.ref === ref && running.epoch === ref.epoch) return running;
    const controller = new AbortController();
    const signal = this.#signal === undefined ? controller.signal : AbortSignal.any([controller.signal, this.#signal]);
    const flight: Flight<T> = { ref, epoch: ref.epoch, controller, waiters: 0, promise: Promise.resolve(undefined) };
    const { namespace, name } = splitObjectId(ref.id);
    let started = 0;
    flight.promise = this.#limiter
      .run(() => {
        // A fetch queued behind the cap whose reads all left (or the store closed) never starts.
        signal.throwIfAborted();
        this.#counters.fetches++;
        if (this.#hooks !== undefined) started = this.#clock.now();
        return this.#fetcher(namespace, name, signal);
      })
      .then(
        (fetched) => {
          if (this.#inFlight.get(ref.id) === flight) this.#inFlight.delete(ref.id);
          if (this.#hooks !== undefined) this.#reportFetch(started, fetched === undefined ? 'not-found' : 'found');
          if (fetched === undefined) return undefined;
          const obj = this.#filterFields ? this.#filterFields(fetched) : fetched;
          if (this.#isCurrent(flight, obj)) {
            this.#cache.set(ref.id, obj);
            if (this.#hooks !== undefined) this.#reportSize();
          }
          return obj;
        },
        (error: unknown) => {
          if (this.#inFlight.get(ref.id) === flight) this.#inFlight.delete(ref.id);
          if (!signal.aborted) {
            this.#counters.fetchErrors++;
            if (this.#hooks !== undefined) this.#reportFetch(started, 'error');
            this.#report(error);
          }
          throw error;
        },
      );
    this.#inFlight.set(ref.id, flight);
    return flight;
  }

  /** Whether a fetched body may be cached: its object was not deleted meanwhile, and did not change, or the body is that change. */
  #isCurrent(flight: Flight<T>, obj: T): boolean {
    const { ref } = flight;
    if (this.#refs.byIdentity(ref.id) !== ref) return false;
    return (
      ref.epoch === flight.epoch ||
      (ref.resourceVersion !== undefined && obj.metadata?.resourceVersion === ref.resourceVersion)
    );
  }

  #reportReads(hits: number, misses: number): void {
    const hooks = this.#hooks as Instrumentation;
    if (hits > 0) hooks.cacheHit?.(this.#name, hits);
    if (misses > 0) hooks.cacheMiss?.(this.#name, misses);
  }

  #reportFetch(started: number, outcome: FetchOutcome): void {
    this.#hooks?.cacheFetch?.(this.#name, (this.#clock.now() - started) / 1000, outcome);
  }

  /** Entries and bytes as the cache holds them (expired bodies count until purged, as in `lru-cache`). */
  #reportSize(): void {
    this.#hooks?.cacheSize?.(this.#name, this.#cache.size, this.#cache.calculatedSize);
  }

  #report(error: unknown): void {
    if (this.#onError === undefined) return;
    try {
      this.#onError(error as KwErrorShape);
    } catch {
      // A failing error callback must not change the read's outcome.
    }
  }
}

/** A metadata-only object: `PartialObjectMetadata`, or nothing besides `apiVersion`, `kind` and `metadata`. */
function isMetadataOnly(obj: KubeObject): boolean {
  if (obj.kind === 'PartialObjectMetadata') return true;
  for (const field in obj) if (field !== 'apiVersion' && field !== 'kind' && field !== 'metadata') return false;
  return true;
}

function jsonLength(obj: unknown): number {
  return JSON.stringify(obj)?.length ?? 1;
}
