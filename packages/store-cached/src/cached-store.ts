import type { KubeObject, KwErrorShape, ObjectFetcher, ObjectId, Store, StoreVersions } from '@kw/types';
import { LRUCache } from 'lru-cache';
import { InvalidConfigError, KeyCountError } from './errors';
import { Limiter } from './limiter';
import { objectId, splitObjectId } from './object-id';
import { RefIndex } from './ref-index';

/** Default `CachedStore` options. */
export const CACHED_STORE_DEFAULTS = {
  /** Time an unread cached body lives, ms; each read restarts it. */
  ttlMs: 130_000,
  /** Most cached bodies. */
  maxEntries: 1000,
  /** Most fetches in flight at once, per store. */
  concurrency: 8,
} as const;

/** Options of a {@link CachedStore}. */
export interface CachedStoreOptions<T extends KubeObject = KubeObject> {
  /** Loads one object from the API by identity; resolves `undefined` on 404. */
  fetch: ObjectFetcher<T>;
  /** Applied to every fetched body before it is cached and returned (pass the indexer's `filterFields`). */
  filterFields?: (obj: T) => T;
  /** Number of index keys per object; learned from the first write when omitted (and kept after `clear()`). */
  keyCount?: number;
  /** Time a cached body lives without being read, ms (positive integer). Default 130 000. */
  ttlMs?: number;
  /** Most cached bodies (positive integer, or `Infinity` together with `maxBytes`). Default 1000. */
  maxEntries?: number;
  /** Most cached bytes, as measured by `sizeOf` (positive integer). Default: no byte bound. */
  maxBytes?: number;
  /** Size of one body in bytes, computed once when it is cached. Default: its JSON length. */
  sizeOf?: (obj: T) => number;
  /** Most fetches in flight at once (positive integer). Default 8. */
  concurrency?: number;
  /** Called once per failed fetch (the reads waiting on it reject with the same error); for logging. */
  onError?: (error: KwErrorShape) => void;
  /** Time source for TTLs, ms. Default: the global `performance` (faked by `vi.useFakeTimers()`). */
  clock?: { now(): number };
}

/** Counters and gauges to size a {@link CachedStore}'s cache. Counters are cumulative (not reset by `clear()`). */
export interface CachedStoreStats {
  /** Objects a read found in the cache. */
  hits: number;
  /** Objects a read did not find in the cache (fetched, or joined an in-flight fetch). */
  misses: number;
  /** Fetcher calls. */
  fetches: number;
  /** Fetcher calls that rejected. */
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

/** What the store keeps per object. */
interface Ref {
  readonly id: ObjectId;
  keys: readonly string[];
  resourceVersion: string | undefined;
  /** Bumped when the object changes; a fetch started before a bump is not cached. */
  epoch: number;
}

interface Flight<T> {
  readonly ref: Ref;
  readonly epoch: number;
  promise: Promise<T | undefined>;
}

/**
 * A {@link Store} that keeps only each object's identity, resourceVersion and index keys in
 * memory and fetches bodies from the API when read, behind an LRU cache with a TTL refreshed on
 * read and bounded by `maxEntries` and/or `maxBytes`.
 *
 * Lookups by full or leading-partial keys cost O(key count + result) on the refs; missing bodies
 * are fetched in parallel (at most `concurrency` at once), and concurrent reads of the same
 * missing object share one fetch. Writes never insert into the cache: a full body handed to
 * `add`/`update` replaces the cached one only when that object is cached; a metadata-only
 * object (`PartialObjectMetadata`) drops the cached body when its resourceVersion differs. A
 * fetch that finds nothing (404) drops the object from the read's result. Returned objects are
 * the cached ones: do not mutate them.
 */
export class CachedStore<T extends KubeObject = KubeObject> implements Store<T>, StoreVersions {
  private readonly fetcher: ObjectFetcher<T>;
  private readonly filterFields: ((obj: T) => T) | undefined;
  private readonly onError: ((error: KwErrorShape) => void) | undefined;
  private keyCount: number | undefined;
  private readonly refs = new RefIndex<Ref>();
  private readonly cache: LRUCache<ObjectId, T>;
  private readonly inFlight = new Map<ObjectId, Flight<T>>();
  private readonly limiter: Limiter;
  private readonly counters = { hits: 0, misses: 0, fetches: 0, fetchErrors: 0, evictions: 0, expirations: 0 };

  constructor(options: CachedStoreOptions<T>) {
    validate(options);
    const { ttlMs, maxEntries, concurrency } = { ...CACHED_STORE_DEFAULTS, ...options };
    this.fetcher = options.fetch;
    this.filterFields = options.filterFields;
    this.onError = options.onError;
    this.keyCount = options.keyCount;
    this.limiter = new Limiter(concurrency);
    const sizeOf = options.sizeOf ?? jsonLength;
    // Looked up on each call, so vi.useFakeTimers() (which replaces globalThis.performance) applies.
    const clock = options.clock ?? { now: () => performance.now() };
    this.cache = new LRUCache<ObjectId, T>({
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
        if (reason === 'evict') this.counters.evictions++;
        else if (reason === 'expire') this.counters.expirations++;
      },
    });
  }

  /** Objects whose keys start with `keys` (all keys or a leading prefix), fetching uncached bodies. */
  async get(keys: readonly string[]): Promise<T[]> {
    if (keys.length === 0 || (this.keyCount !== undefined && keys.length > this.keyCount)) {
      throw new KeyCountError(
        `get() was given ${keys.length} keys ${JSON.stringify(keys)}, but the store indexes ${this.keyCount ?? 'at least 1'} — pass 1 to ${this.keyCount ?? 'the indexed number of'} keys, leading keys first`,
        keys,
        this.keyCount,
      );
    }
    return this.resolve(this.refs.find(keys));
  }

  /** The object with this identity (`namespace/name` or `name`), fetched when uncached; `undefined` when unknown or gone (404). */
  async getById(id: ObjectId): Promise<T | undefined> {
    const ref = this.refs.byIdentity(id);
    if (ref === undefined) return undefined;
    const [obj] = await this.resolve([ref]);
    return obj;
  }

  /** Every object, fetching uncached bodies: with more objects than the cache holds, this fetches on every call. */
  async list(): Promise<T[]> {
    return this.resolve(this.refs.all());
  }

  /** `[identity, resourceVersion]` of every known object, without fetching (`StoreVersions`: lets a watcher reuse this store). O(size). */
  resourceVersions(): Array<readonly [ObjectId, string]> {
    return this.refs.all().map((ref) => [ref.id, ref.resourceVersion ?? ''] as const);
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
    const id = objectId(obj);
    this.checkWriteKeys(keys);
    const resourceVersion = obj.metadata?.resourceVersion;
    const old = this.refs.byIdentity(id);
    let ref: Ref;
    if (old === undefined) {
      ref = { id, keys: [], resourceVersion, epoch: 0 };
    } else {
      ref = old;
      if (old.resourceVersion !== resourceVersion || resourceVersion === undefined) {
        ref.resourceVersion = resourceVersion;
        ref.epoch++;
      }
    }
    this.refs.set(ref, [...keys]);
    const cached = this.cache.peek(id);
    if (cached === undefined) return;
    if (!isMetadataOnly(obj)) this.cache.set(id, obj, { noUpdateTTL: true });
    else if (cached.metadata?.resourceVersion !== resourceVersion || resourceVersion === undefined)
      this.cache.delete(id);
  }

  /** Forgets the object with `obj`'s identity and its cached body; an in-flight fetch of it is not cached. */
  delete(obj: T): boolean {
    const id = objectId(obj);
    this.inFlight.delete(id);
    this.cache.delete(id);
    return this.refs.delete(id) !== undefined;
  }

  /** Forgets every object and cached body; counters and a learned key count are kept. */
  clear(): void {
    this.refs.clear();
    this.cache.clear();
    this.inFlight.clear();
  }

  /** How many objects the store knows (refs, cached or not). */
  async size(): Promise<number> {
    return this.refs.size;
  }

  /** Cache counters and current sizes; purges expired bodies first, O(entries). */
  stats(): CachedStoreStats {
    this.cache.purgeStale();
    return { ...this.counters, entries: this.cache.size, bytes: this.cache.calculatedSize, refs: this.refs.size };
  }

  private checkWriteKeys(keys: readonly string[]): void {
    if (keys.length > 0 && (this.keyCount === undefined || keys.length === this.keyCount)) {
      this.keyCount = keys.length;
      return;
    }
    throw new KeyCountError(
      `a write was given ${keys.length} keys ${JSON.stringify(keys)}, but the store indexes ${this.keyCount ?? 'at least 1'} — pass one key per indexBy expression (the indexer's extractKeys(obj))`,
      keys,
      this.keyCount,
    );
  }

  private async resolve(refs: readonly Ref[]): Promise<T[]> {
    const found: (T | undefined)[] = new Array(refs.length);
    const loads: Promise<void>[] = [];
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      const cached = this.cache.get(ref.id);
      if (cached !== undefined) {
        this.counters.hits++;
        found[i] = cached;
        continue;
      }
      this.counters.misses++;
      loads.push(
        this.load(ref).then((obj) => {
          found[i] = obj;
        }),
      );
    }
    if (loads.length === 0) return found as T[];
    await Promise.all(loads);
    return found.filter((obj) => obj !== undefined);
  }

  /** Fetches `ref`'s body, or joins the fetch already in flight for the same version of it. */
  private load(ref: Ref): Promise<T | undefined> {
    const running = this.inFlight.get(ref.id);
    if (running !== undefined && running.ref === ref && running.epoch === ref.epoch) return running.promise;
    const flight: Flight<T> = { ref, epoch: ref.epoch, promise: Promise.resolve(undefined) };
    const [namespace, name] = splitObjectId(ref.id);
    flight.promise = this.limiter
      .run(() => {
        this.counters.fetches++;
        return this.fetcher(namespace, name);
      })
      .then(
        (fetched) => {
          if (this.inFlight.get(ref.id) === flight) this.inFlight.delete(ref.id);
          if (fetched === undefined) return undefined;
          const obj = this.filterFields ? this.filterFields(fetched) : fetched;
          if (this.isCurrent(flight, obj)) this.cache.set(ref.id, obj);
          return obj;
        },
        (error: unknown) => {
          if (this.inFlight.get(ref.id) === flight) this.inFlight.delete(ref.id);
          this.counters.fetchErrors++;
          this.report(error);
          throw error;
        },
      );
    this.inFlight.set(ref.id, flight);
    return flight.promise;
  }

  /** Whether a fetched body may be cached: its object was not deleted meanwhile, and did not change, or the body is that change. */
  private isCurrent(flight: Flight<T>, obj: T): boolean {
    const { ref } = flight;
    if (this.refs.byIdentity(ref.id) !== ref) return false;
    return (
      ref.epoch === flight.epoch ||
      (ref.resourceVersion !== undefined && obj.metadata?.resourceVersion === ref.resourceVersion)
    );
  }

  private report(error: unknown): void {
    if (this.onError === undefined) return;
    try {
      this.onError(error as KwErrorShape);
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

function validate<T extends KubeObject>(options: CachedStoreOptions<T>): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigError(
      `CachedStore options must be an object with at least { fetch }, got ${String(options)}`,
      options,
    );
  }
  if (typeof options.fetch !== 'function') {
    throw new InvalidConfigError(
      `fetch must be a function (namespace, name, signal) => Promise<object | undefined>, got ${typeof options.fetch} — e.g. (ns, name, signal) => client.get(resource, ns, name, { signal })`,
      options.fetch,
    );
  }
  for (const name of ['filterFields', 'sizeOf', 'onError'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new InvalidConfigError(`${name} must be a function, got ${typeof value}`, value);
    }
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw new InvalidConfigError(
      'clock must have a now() method returning milliseconds (e.g. performance)',
      options.clock,
    );
  }
  for (const name of ['keyCount', 'ttlMs', 'maxBytes', 'concurrency'] as const) {
    const value = options[name];
    if (value !== undefined && !isPositiveInteger(value)) {
      throw new InvalidConfigError(`${name} must be a positive integer, got ${String(value)}`, value);
    }
  }
  const { maxEntries } = options;
  if (maxEntries === Number.POSITIVE_INFINITY) {
    if (options.maxBytes === undefined) {
      throw new InvalidConfigError(
        'maxEntries is Infinity but maxBytes is not set, so the cache would be unbounded — set maxBytes, or a finite maxEntries',
        maxEntries,
      );
    }
  } else if (maxEntries !== undefined && !isPositiveInteger(maxEntries)) {
    throw new InvalidConfigError(
      `maxEntries must be a positive integer (or Infinity with maxBytes), got ${String(maxEntries)}`,
      maxEntries,
    );
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
