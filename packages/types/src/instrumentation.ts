import type { KwErrorCode } from './api';
import type { GroupVersionResource } from './object';

/**
 * Names one watcher in instrumentation: its `name` (the `watcher` label of kw's metrics) and the
 * resource it watches. A watcher builds one `WatcherRef` and passes that same object on every
 * call, so an implementation can cache per-watcher state by identity. Components default `name`
 * to `group/version/resource` (`core` for the core group: `core/v1/pods`). Give two watchers of
 * one resource (other namespaces, selectors) different names: watchers with one name share their series.
 */
export interface WatcherRef extends GroupVersionResource {
  readonly name: string;
}

/** What a request did, as in `ApiErrorShape.verb` and Kubernetes audit logs: `update` is a PUT (`KubeWriter.replace`), `watch` a GET with `watch=1`. */
export type RequestVerb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete';

/** One finished HTTP request to the API server, as {@link Instrumentation.requestDone} receives it. */
export interface RequestDone {
  /** HTTP method, upper case: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`. */
  readonly method: string;
  readonly verb: RequestVerb;
  /** The resource path, e.g. `configmaps` or `deployments.apps` (as in `ApiErrorShape.resource`). */
  readonly resource: string;
  /** The API server's `host:port`. */
  readonly host: string;
  /** HTTP status; `0` when no response arrived (transport error, abort). */
  readonly code: number;
  /** From sending the request to the end of the response body, seconds; for a watch, to the response headers. */
  readonly durationSeconds: number;
  /** Response body size, bytes; absent when unknown (a watch stream, a transport error). */
  readonly responseBytes?: number;
}

/** One wait in the client-side rate limiter (QPS/burst), as {@link Instrumentation.rateLimiterWait} receives it. */
export interface RateLimiterWait {
  /** HTTP method of the request that waited, upper case. */
  readonly method: string;
  readonly verb: RequestVerb;
  /** The API server's `host:port`. */
  readonly host: string;
  /** Time spent waiting for a token, seconds (`0` when one was available). */
  readonly seconds: number;
}

/** A watch event kind as counted by {@link Instrumentation.eventsApplied}. */
export type AppliedEventType = 'added' | 'modified' | 'deleted' | 'bookmark';

/** How one body fetch of a store that does not hold bodies ended. */
export type FetchOutcome = 'found' | 'not-found' | 'error';

/** How one lease renewal by the leader ended. */
export type RenewOutcome = 'renewed' | 'failed';

/**
 * Instrumentation hooks the client, the watchers, the stores and the leader elector call, so an
 * application can export metrics (`Metrics` from `@kw/metrics`) or traces without kw importing
 * a metrics library. Every method is optional, and so is the whole object: a component calls
 * `this.#hooks?.eventsApplied?.(ref, 'added', n)`, one `undefined` check when nothing is
 * configured.
 *
 * Rules for implementations: plain data in, nothing returned; a hook must be cheap (some run per
 * watch batch) and must never throw (components do not guard the calls). Durations are seconds;
 * a hook records "now" itself when it needs a time (components pass no timestamps).
 */
export interface Instrumentation {
  // --- client (`@kw/client`) ---
  /** A request ended: answered (any status), or failed in transport (`code` 0). Once per HTTP request, retries included. */
  requestDone?(request: RequestDone): void;
  /** A request waited in the client-side rate limiter before it was sent. */
  rateLimiterWait?(wait: RateLimiterWait): void;

  // --- watcher (`@kw/watcher`) ---
  /** A LIST (paginated or streaming) started: the initial one or a relist. */
  listStarted?(watcher: WatcherRef): void;
  /** A LIST completed and its objects are in the store: `seconds` from its start, `objects` listed. Failed lists end in {@link Instrumentation.watcherError} instead. */
  listEnded?(watcher: WatcherRef, seconds: number, objects: number): void;
  /** A WATCH request was sent (its answer, or failure, follows as events or {@link Instrumentation.watcherError}). */
  watchStarted?(watcher: WatcherRef): void;
  /** A WATCH ended (server close, timeout, error or stop), `seconds` after it started. */
  watchEnded?(watcher: WatcherRef, seconds: number): void;
  /** The watcher decided to list again (410 Gone, or a store write that needs a full resync). */
  relist?(watcher: WatcherRef): void;
  /** The watcher resumes watching from its last resourceVersion (connection cut, server timeout, idle timeout). */
  rewatch?(watcher: WatcherRef): void;
  /** The watchdog closed a watch that received nothing for its idle bound; a {@link Instrumentation.rewatch} follows. */
  idleTimeout?(watcher: WatcherRef): void;
  /** The API server answered 429 Too Many Requests to a list or watch of this watcher. */
  tooManyRequests?(watcher: WatcherRef): void;
  /** A list or watch of this watcher failed with `code` (it retries; 429 also calls {@link Instrumentation.tooManyRequests}). */
  watcherError?(watcher: WatcherRef, code: KwErrorCode): void;
  /** `count` events of one type were applied to the store (bookmarks: received). Called per batch, not per event; the time of the last event or bookmark is the time of this call. */
  eventsApplied?(watcher: WatcherRef, type: AppliedEventType, count: number): void;
  /** The store now holds `objects` objects (after a batch, a list or a relist). */
  storeSize?(watcher: WatcherRef, objects: number): void;
  /** The store is now at this resourceVersion (last event, bookmark or list). Opaque string: compare for equality only. */
  resourceVersion?(watcher: WatcherRef, resourceVersion: string): void;
  /** The watcher became synced (initial list in the store) or stopped being synced (relist started, stopped, failed). */
  synced?(watcher: WatcherRef, synced: boolean): void;

  // --- stores that fetch bodies (`@kw/store-cached`), by store name ---
  /** A read found `count` bodies in the cache. */
  cacheHit?(store: string, count: number): void;
  /** A read missed `count` bodies and fetches them. */
  cacheMiss?(store: string, count: number): void;
  /** One body fetch ended after `seconds`. */
  cacheFetch?(store: string, seconds: number, outcome: FetchOutcome): void;
  /** The cache now holds `entries` bodies taking about `bytes` bytes. */
  cacheSize?(store: string, entries: number, bytes: number): void;

  // --- leader election (`@kw/leaderelection`), by lease name ---
  /** This candidate became leader (`isLeader` true) or stopped being leader, for the lease `name`. */
  leadershipChanged?(name: string, isLeader: boolean): void;
  /** One renewal of the lease `name` by this leader ended (acquisition attempts while not leader are not reported). */
  leaseRenew?(name: string, outcome: RenewOutcome): void;
}
