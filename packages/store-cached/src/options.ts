import type { Clock, Instrumentation, KubeObject, KwErrorShape, ObjectFetcher } from '@kw/types';
import { InvalidConfigError } from './internal/store-errors';

/** Default `CachedStore` options. */
export const CACHED_STORE_DEFAULTS = {
  /** Time an unread cached body lives, ms; each read restarts it. */
  ttlMs: 130_000,
  /** Most cached bodies. */
  maxEntries: 1000,
  /**
   * Most fetches in flight at once, per store. Well under `@kw/client`'s default burst (100), so
   * one store's cold `list()` never takes the whole burst from the watcher sharing the client.
   */
  concurrency: 8,
  /** The `store` label of the cache hooks (`kw_cached_store_*{store}`). */
  name: 'cached-store',
} as const;

/** Options of a {@link CachedStore}. */
export interface CachedStoreOptions<T extends KubeObject = KubeObject> {
  /** Loads one object from the API by identity; resolves `undefined` on 404. Receives an `AbortSignal`. */
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
  /**
   * Most fetches in flight at once (positive integer), whatever the number of reads; the others
   * queue in FIFO order. Default 8. The client's QPS/burst still paces each request: keep this at
   * or below the client's `burst`, or fetches only wait in the client's limiter instead.
   */
  concurrency?: number;
  /**
   * The store's lifetime: when it aborts, running fetches are cancelled (the fetcher receives it),
   * queued ones never start, and reads in progress reject with `KW_ABORTED`.
   */
  signal?: AbortSignal;
  /** Called once per failed fetch (the reads waiting on it report it as a failure); for logging. */
  onError?: (error: KwErrorShape) => void;
  /** Time source for TTLs and fetch durations, ms. Default: the global `performance` (faked by `vi.useFakeTimers()`). */
  clock?: Clock;
  /** Names the store in {@link CachedStoreOptions.instrumentation} (the `store` label); give each store its own. Default `cached-store`. */
  name?: string;
  /**
   * Hooks told about reads and the cache (`new Metrics()` from `@kw/metrics`): `cacheHit` /
   * `cacheMiss` with the count per read, `cacheFetch` per fetch (seconds, `found` / `not-found` /
   * `error`), `cacheSize` (entries, bytes) after the cache changed. Absent: one `undefined` check
   * per read, fetch and write.
   */
  instrumentation?: Instrumentation;
}

/** Throws {@link InvalidConfigError} naming the first invalid option. */
export function validate<T extends KubeObject>(options: CachedStoreOptions<T>): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigError(
      'options',
      `must be an object with at least { fetch }, got ${String(options)}`,
      options,
    );
  }
  if (typeof options.fetch !== 'function') {
    throw new InvalidConfigError(
      'fetch',
      `must be a function (namespace, name, signal) => Promise<object | undefined>, got ${typeof options.fetch} — e.g. (ns, name, signal) => client.get(resource, ns, name, { signal })`,
      options.fetch,
    );
  }
  for (const field of ['filterFields', 'sizeOf', 'onError'] as const) {
    const value = options[field];
    if (value !== undefined && typeof value !== 'function') {
      throw new InvalidConfigError(field, `must be a function, got ${typeof value}`, value);
    }
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw new InvalidConfigError(
      'clock',
      'must have a now() method returning milliseconds (e.g. performance)',
      options.clock,
    );
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new InvalidConfigError(
      'name',
      `must be a non-empty string naming the store in metrics, got ${JSON.stringify(options.name)}`,
      options.name,
    );
  }
  if (
    options.instrumentation !== undefined &&
    (typeof options.instrumentation !== 'object' || options.instrumentation === null)
  ) {
    throw new InvalidConfigError(
      'instrumentation',
      `must be an object implementing Instrumentation (e.g. new Metrics() from @kw/metrics), got ${String(options.instrumentation)}`,
      options.instrumentation,
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidConfigError('signal', 'must be an AbortSignal (e.g. controller.signal)', options.signal);
  }
  for (const field of ['keyCount', 'ttlMs', 'maxBytes', 'concurrency'] as const) {
    const value = options[field];
    if (value !== undefined && !isPositiveInteger(value)) {
      throw new InvalidConfigError(field, `must be a positive integer, got ${String(value)}`, value);
    }
  }
  const { maxEntries } = options;
  if (maxEntries === Number.POSITIVE_INFINITY) {
    if (options.maxBytes === undefined) {
      throw new InvalidConfigError(
        'maxEntries',
        'is Infinity but maxBytes is not set, so the cache would be unbounded — set maxBytes, or a finite maxEntries',
        maxEntries,
      );
    }
  } else if (maxEntries !== undefined && !isPositiveInteger(maxEntries)) {
    throw new InvalidConfigError(
      'maxEntries',
      `must be a positive integer (or Infinity with maxBytes), got ${String(maxEntries)}`,
      maxEntries,
    );
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
