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
   * An ERROR event is yielded as such; the caller decides what it means.
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

/** Every error code kw packages use. */
export type KwErrorCode =
  | 'KW_INVALID_CONFIG'
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
  | 'KW_GONE'
  | 'KW_TOO_MANY_REQUESTS'
  | 'KW_TIMEOUT'
  | 'KW_SERVER_ERROR'
  | 'KW_NETWORK'
  | 'KW_DECODE'
  | 'KW_ABORTED'
  | 'KW_CALLBACK'
  | 'KW_NOT_LEADER'
  | 'KW_INTERNAL';

/** The shape of every error kw throws: an `Error` with a stable `code`. */
export interface KwErrorShape extends Error {
  readonly code: KwErrorCode;
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
