/** The metadata fields kw reads. Compatible with `V1ObjectMeta` from `@kubernetes/client-node`. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A Kubernetes object as it arrives from the API: plain JSON with `metadata`.
 * Any `@kubernetes/client-node` model type (`V1Pod`, `V1ConfigMap`, ...) satisfies it.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/**
 * An object's identity inside a store: `namespace/name`, or `name` for cluster-scoped objects.
 * Independent of its index keys.
 */
export type ObjectId = string;

/** A resource type by group, version and plural resource name (`{ group: 'apps', version: 'v1', resource: 'deployments' }`). The core group is `''`. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** A GVR after discovery: whether it is namespaced and which kind it serves. */
export interface ResolvedResource extends GroupVersionResource {
  kind: string;
  namespaced: boolean;
  /** Verbs the server allows on it, from discovery. */
  verbs: readonly string[];
}

/** The type of one watch event a {@link KubeApi} yields (the wire's `ERROR` events are thrown as typed errors instead). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** The API's `Status` object, as sent in an ERROR watch event or an error response. */
export interface ApiStatus {
  kind?: 'Status';
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    retryAfterSeconds?: number;
    /** Per-field causes of a 422 or an SSA conflict: `{ field: 'spec.replicas', message: 'Invalid value: -1: ...' }`. */
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
  metadata?: { resourceVersion?: string; continue?: string };
}

/** One decoded watch event. */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: KubeObject };
