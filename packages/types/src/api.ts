import type { ApiStatus, GroupVersionResource, KubeObject, ResolvedResource, WatchEvent } from './object';

/** Options of one paginated LIST request. */
export interface ListOptions {
  labelSelector?: string;
  /** Server-side field selector (`metadata.name=foo`). */
  fieldSelector?: string;
  /** Page size; the server may return fewer. */
  limit?: number;
  /** The `continue` token of the previous page. */
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  /** Ask for `PartialObjectMetadataList`: metadata only, no bodies. */
  metadataOnly?: boolean;
  /**
   * Server-side sharding (feature gate `ShardedListAndWatch`): `shardRange(object.metadata.uid, '0x…', '0x…')`,
   * terms OR-ed with `||`. A server without the gate ignores it and returns everything.
   */
  shardSelector?: string;
  signal?: AbortSignal;
}

/** One page of a LIST response. */
export interface ListPage<T extends KubeObject = KubeObject> {
  items: T[];
  /** The list's resourceVersion: watch from here to miss nothing. */
  resourceVersion: string;
  /** Token for the next page; absent on the last page. */
  continue?: string;
  remainingItemCount?: number;
  /** Size of the response body in bytes, when the client knows it (`Watcher` sizes later pages from it). */
  bytes?: number;
  /**
   * The shard selector the server applied, echoed from a JSON LIST's `metadata.shardInfo`; absent
   * when the server ignored `shardSelector` (and on metadata-only lists, which do not echo it).
   */
  shardInfo?: { selector: string };
}

/** Options of one WATCH request. */
export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  allowWatchBookmarks?: boolean;
  /** Server closes the watch after this many seconds. */
  timeoutSeconds?: number;
  /** Streaming list: the server first sends the current state as ADDED events, then a bookmark annotated `k8s.io/initial-events-end`. */
  sendInitialEvents?: boolean;
  /** Ask for `PartialObjectMetadata` objects: metadata only. */
  metadataOnly?: boolean;
  /** Server-side sharding, as {@link ListOptions.shardSelector}. */
  shardSelector?: string;
  signal?: AbortSignal;
}

/** Options of one GET request. */
export interface GetOptions {
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

/**
 * The Kubernetes API operations kw's watcher and stores need, for any resource. Implemented by
 * `createClient()` in `@kw/client`; tests implement it with fakes.
 *
 * Every method rejects with an error carrying a {@link KwErrorCode} (`KW_GONE` for `410`,
 * `KW_FORBIDDEN` for `403`, ...), never with a raw HTTP response.
 */
export interface KubeApi {
  /** Resolves a GVR through discovery; rejects with `KW_UNKNOWN_RESOURCE` when the server does not serve it. */
  resolve(gvr: GroupVersionResource, signal?: AbortSignal): Promise<ResolvedResource>;
  /** One LIST page; `namespace` undefined means all namespaces (or a cluster-scoped resource). */
  list<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<ListPage<T>>;
  /**
   * Opens a WATCH and yields decoded events in batches, in order (`@kw/client`: everything decoded
   * since the previous `next()`, as one batch), until
   * the server ends the stream (the iterator returns) or a transport error occurs (it throws).
   * An ERROR event is never yielded: the iterator throws it as an {@link ApiErrorShape} (verb
   * `watch`, `status` and `code` from the Status, e.g. `KW_GONE` for a 410 `Expired`), so the HTTP
   * status → code table lives once, in the implementation.
   */
  watch<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    options?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>[]>;
  /** One object; rejects with `KW_NOT_FOUND` when it does not exist. */
  get<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    name: string,
    options?: GetOptions,
  ): Promise<T>;
  /** Who the requests run as (user name or a description), for error messages. */
  readonly identity: string;
}

/**
 * Fetches one object by identity for a store that does not hold bodies. Resolves `undefined`
 * when the object does not exist (404); rejects with a typed error otherwise.
 */
export type ObjectFetcher<T extends KubeObject = KubeObject> = (
  namespace: string | undefined,
  name: string,
  signal?: AbortSignal,
) => Promise<T | undefined>;

/** `dryRun=All`: the server validates and runs admission, then persists nothing. */
export interface WriteOptions {
  dryRun?: boolean;
  /** The field manager recorded in `managedFields` (required for server-side apply). */
  fieldManager?: string;
  /** How the server treats unknown or duplicate fields. */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  /** A subresource to write instead of the main resource, e.g. `status` or `scale`. */
  subresource?: string;
  signal?: AbortSignal;
}

/**
 * The patch formats Kubernetes accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
 * strategic merge patch (built-in types only), and server-side apply.
 */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** Options of one PATCH request. */
export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /** Server-side apply only: take ownership of fields other managers own instead of failing with 409. */
  force?: boolean;
}

/** Options of one DELETE request. */
export interface DeleteOptions {
  dryRun?: boolean;
  /** What happens to dependents: orphaned, deleted in the background, or deleted before the owner (foreground). */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** Seconds before the object is deleted; `0` deletes now. */
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion; otherwise `KW_CONFLICT`. */
  preconditions?: { uid?: string; resourceVersion?: string };
  signal?: AbortSignal;
}

/**
 * The write verbs, for any resource, on the same transport as {@link KubeApi} (QPS/burst,
 * typed errors, `AbortSignal`). Implemented by `createClient()` in `@kw/client`. Generic over the
 * object type, so client-node model types (`V1Pod`) need no cast.
 *
 * Errors: `KW_CONFLICT` (409: stale resourceVersion, existing name, failed precondition, SSA field
 * conflict), `KW_INVALID` (422, the message lists each field cause), `KW_NOT_FOUND` (404).
 */
export interface KubeWriter {
  /** Creates `obj`; resolves the stored object. */
  create<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    obj: T,
    options?: WriteOptions,
  ): Promise<T>;
  /** Replaces (PUT) the object named by `obj.metadata.name`; fails with `KW_CONFLICT` when `obj.metadata.resourceVersion` is stale. */
  replace<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    obj: T,
    options?: WriteOptions,
  ): Promise<T>;
  /** Patches the named object; `patch` is the body in the format `options.type` names (an array of operations for `json`). */
  patch<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions,
  ): Promise<T>;
  /** Deletes the named object; resolves the object (while finalizers run) or the server's `Status`. */
  delete<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): Promise<T | ApiStatus>;
}

/** A client that reads and writes: what `createClient()` returns. */
export interface KubeClient extends KubeApi, KubeWriter {}

/** Every error code kw packages use. */
export type KwErrorCode =
  | 'KW_INVALID_CONFIG'
  | 'KW_MISSING_DEPENDENCY'
  | 'KW_INVALID_JSONPATH'
  | 'KW_INVALID_FIELD_SELECTOR'
  | 'KW_KEY_COUNT'
  | 'KW_MISSING_IDENTITY'
  | 'KW_UNKNOWN_RESOURCE'
  | 'KW_BAD_REQUEST'
  | 'KW_UNAUTHORIZED'
  | 'KW_FORBIDDEN'
  | 'KW_NOT_FOUND'
  | 'KW_CONFLICT'
  | 'KW_INVALID'
  | 'KW_GONE'
  | 'KW_TOO_MANY_REQUESTS'
  | 'KW_TIMEOUT'
  | 'KW_SERVER_ERROR'
  | 'KW_NETWORK'
  | 'KW_DECODE'
  | 'KW_ABORTED'
  | 'KW_CALLBACK'
  | 'KW_NOT_LEADER'
  | 'KW_PARTIAL_READ'
  | 'KW_INTERNAL';

/** The shape of every error kw throws: an `Error` with a stable `code`. Match on `code`, never `instanceof`. */
export interface KwErrorShape extends Error {
  readonly code: KwErrorCode;
  /** The offending value (an option, a selector, an object), when there is one. */
  readonly value?: unknown;
}

/** Bad configuration or argument, thrown at construction where possible; names the field and the value. */
export interface InvalidConfigErrorShape extends KwErrorShape {
  readonly code: 'KW_INVALID_CONFIG';
  /** The option path, e.g. `indexBy[1]`, `labelSelector`, `backoff.maxMs`. */
  readonly field: string;
  readonly value: unknown;
}

/** A user callback threw or rejected; `cause` is what it threw. */
export interface CallbackErrorShape extends KwErrorShape {
  readonly code: 'KW_CALLBACK';
  /** Which callback: `onChange`, `onSyncComplete`, `onStartedLeading`, ... */
  readonly callback: string;
}

/** Time source of every kw component, injectable so tests use fake timers. */
export interface Clock {
  /** Milliseconds from a monotonic clock (`performance.now()`): wall-clock steps must not stall waits. */
  now(): number;
}

/** An error answered by the API server (or the transport to it). */
export interface ApiErrorShape extends KwErrorShape {
  /** HTTP status; 0 for transport errors. */
  readonly status: number;
  /** What was attempted: `list`, `watch`, `get`, `create`, `update`, `delete`. */
  readonly verb: string;
  /** The resource path, e.g. `configmaps` or `deployments.apps`. */
  readonly resource: string;
  readonly namespace: string | undefined;
  /** The API's Status body, when it sent one. */
  readonly apiStatus: ApiStatus | undefined;
  /** Seconds to wait before retrying, from `Retry-After` or the Status details. */
  readonly retryAfterSeconds: number | undefined;
}
