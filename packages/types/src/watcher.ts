import type { ApiErrorShape, KubeApi, KwErrorShape } from './api';
import type { KeyExtractor } from './indexer';
import type { Instrumentation } from './instrumentation';
import type { GroupVersionResource, KubeObject } from './object';
import type { ShardOption, ShardStatus } from './shard';
import type { MaybePromise, Store } from './store';

/** What changed since the last `onChange` call. */
export interface ChangeStats {
  /** Objects that appeared. */
  added: number;
  /** @deprecated Same as {@link ChangeStats.added}; removed in the next major. */
  created: number;
  modified: number;
  deleted: number;
  /** True while the initial list is being loaded (only with `callOnChangeDuringSync`). */
  isInitialSync: boolean;
}

/** Called, debounced, after the store changed. Never re-entered: changes that arrive while it runs are batched into the next call. */
export type ChangeCallback<T extends KubeObject = KubeObject> = (
  store: Store<T>,
  stats: ChangeStats,
) => MaybePromise<void>;

/** Called once when the initial list is in the store. */
export type SyncCompleteCallback<T extends KubeObject = KubeObject> = (
  store: Store<T>,
  count: number,
) => MaybePromise<void>;

/** Called for errors the watcher recovers from (or retries); it keeps running. */
export type ErrorCallback = (error: KwErrorShape | ApiErrorShape) => void;

/** A structured logger; `console` fits. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Retry timing after failures: exponential with full jitter, capped, reset after a healthy period. */
export interface BackoffOptions {
  /** First delay, ms. */
  initialMs?: number;
  /** Largest delay, ms. */
  maxMs?: number;
  /** Growth per consecutive failure. */
  factor?: number;
  /** Healthy time after which the delay starts over, ms. */
  resetAfterMs?: number;
}

/** What a watcher and a single watcher share. */
export interface WatchTargetConfig {
  /** The API to talk to (`createClient()` from `@kw/client`). */
  api: KubeApi;
  /** The resource type to watch. */
  resource: GroupVersionResource;
  /** Watch one namespace; omit for all namespaces or a cluster-scoped resource. */
  namespace?: string;
  /** Server-side label selector. */
  labelSelector?: string;
  /** Server-side field selector. */
  fieldSelector?: string;
  /** Stops the watcher when aborted. */
  signal?: AbortSignal;
  onError?: ErrorCallback;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Server-side watch timeout, seconds; the watch then resumes from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /**
   * Close a watch that received nothing (no event, no bookmark) for this long and resume it from
   * the last resourceVersion, ms; `0` disables the watchdog. Applies once the server has sent a
   * periodic bookmark (about one a minute); before that the bound is the watch's server-side
   * timeout plus this (resources served from etcd get no bookmarks).
   */
  watchIdleTimeoutMs?: number;
  /** After 401/403/404/unknown resource, retries wait a random time in `[slowRetryMs, 2 × slowRetryMs)`, ms. */
  slowRetryMs?: number;
}

/** Configuration of a collection `Watcher`. */
export interface WatcherConfig<T extends KubeObject = KubeObject> extends WatchTargetConfig {
  /** Index keys, field removal and client-side field selector (`new Indexer(...)` from `@kw/indexer`). */
  keys: KeyExtractor<T>;
  /** Where objects go (`new MemoryStore()`, `new CachedStore(...)`). */
  store: Store<T>;
  onChange: ChangeCallback<T>;
  onSyncComplete?: SyncCompleteCallback<T>;
  /** Quiet time before `onChange` fires, ms. */
  debounceMs?: number;
  /** Longest `onChange` is delayed under continuous churn, ms. */
  maxWaitMs?: number;
  /** Call `onChange` during the initial sync too (stats with `isInitialSync: true`). */
  callOnChangeDuringSync?: boolean;
  /**
   * Largest relist diff (changed plus deleted objects) committed to the store in one synchronous
   * `store.replace` call, so readers never see a relist half-applied; a larger diff is applied in
   * place, time-sliced (`status().relistsInPlace`).
   */
  maxAtomicDiff?: number;
  /** `listMode: 'paginated'`: the first LIST page's `limit` (default 500), and the least of every later page. */
  pageSize?: number;
  /**
   * `listMode: 'paginated'`: later LIST pages ask for as many objects as fit in about this many bytes at
   * the last page's average object size (default 8 MiB); 0: every page is `pageSize`.
   */
  pageBytes?: number;
  /**
   * How to load the initial state: `auto` (default: one LIST without a `limit`, parsed as it streams in),
   * `paginated` (LIST pages of `pageSize`, then about `pageBytes`) or `streaming` (a streaming list,
   * `sendInitialEvents`).
   */
  listMode?: 'auto' | 'paginated' | 'streaming';
  /** Watch `PartialObjectMetadata` only; needs `keys.metadataOnly` and a store that fetches bodies. */
  metadataOnly?: boolean;
  /** This watcher's name in {@link WatcherConfig.instrumentation} (the `watcher` label); default `group/version/resource` (`core/v1/pods`). */
  name?: string;
  /** Hooks told about lists, watches, recoveries, errors, applied events, store size, resourceVersion and sync (`new Metrics()` from `@kw/metrics`). */
  instrumentation?: Instrumentation;
  /**
   * Hold only one shard of the collection: objects whose FNV-1a 64 hash of `metadata.uid` (or
   * `metadata.namespace`) lies in the range. Filtered by the API server where it supports
   * `shardSelector`, else by the watcher with the same hash. Change it later with `setShard()`.
   */
  shard?: ShardOption;
}

/** How a single watched object changed. */
export type SingleChange = 'added' | 'modified' | 'deleted';

/** Configuration of a `SingleWatcher`: one object by namespace and name. */
export interface SingleWatcherConfig<T extends KubeObject = KubeObject> extends WatchTargetConfig {
  name: string;
  /** Called immediately on every change; on delete with the last known object and `'deleted'`. */
  onChange: (obj: T, change: SingleChange) => MaybePromise<void>;
  /** Called once after the first read: the object, or `undefined` if absent. */
  onSyncComplete?: (obj: T | undefined) => MaybePromise<void>;
}

/** What a watcher is doing. */
export type WatcherPhase = 'idle' | 'listing' | 'watching' | 'backing-off' | 'failed' | 'stopped';

/** A watcher's state as data, for status lines and readiness probes. */
export interface WatcherStatus {
  phase: WatcherPhase;
  synced: boolean;
  lastResourceVersion: string | undefined;
  /** Epoch ms of the last event / bookmark received. */
  lastEventAt: number | undefined;
  lastBookmarkAt: number | undefined;
  lists: number;
  listPages: number;
  watches: number;
  rewatches: number;
  relists: number;
  /**
   * Collection watchers only: relists applied to the store entry by entry (the store has no
   * `replace`, or the diff was larger than `maxAtomicDiff`), so readers could see them half-done.
   */
  relistsInPlace?: number;
  tooManyRequests: number;
  errors: number;
  events: { added: number; modified: number; deleted: number; bookmark: number };
  lastError: KwErrorShape | undefined;
  /** Watches closed by the watchdog (nothing received for `watchIdleBoundMs`) and resumed; each is also a rewatch. */
  idleTimeouts: number;
  /** Epoch ms when the current backoff or `Retry-After` wait ends; `undefined` unless waiting to retry. */
  retryAt: number | undefined;
  /** The watchdog bound of the current (or last) watch, ms (0: disabled). */
  watchIdleBoundMs: number;
  /** Sharded collection watchers only: the range held and where it is filtered. */
  shard?: ShardStatus;
}
