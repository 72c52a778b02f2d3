/** The leader-election fields of a `coordination.k8s.io/v1` Lease, plus where it is and its version. */
export interface LeaseRecord {
  namespace: string;
  name: string;
  /** Who holds the lease; `''` when nobody does (never held, or released). */
  holderIdentity: string;
  /** How long observers must see the record unchanged before they may take it over, seconds; `0` when unset. */
  leaseDurationSeconds: number;
  /** When the current holder acquired it (wall clock, informational only). */
  acquireTime: Date | undefined;
  /** When the holder last renewed it (wall clock, informational only: expiry is judged locally). */
  renewTime: Date | undefined;
  /** How many times the holder changed. */
  leaseTransitions: number;
  /** The object's `metadata.resourceVersion`: every update must carry the version it was based on. */
  resourceVersion: string;
}

/** A Lease to create: a {@link LeaseRecord} without a version. */
export type NewLeaseRecord = Omit<LeaseRecord, 'resourceVersion'>;

/** Per-request options of a {@link LeaseClient}. */
export interface LeaseRequestOptions {
  /** Cancels the request; it then rejects (code `KW_ABORTED`). */
  signal?: AbortSignal;
}

/**
 * The three Lease operations leader election needs. `createLeaseClient()` implements it on
 * the Kubernetes API; tests implement it in memory.
 *
 * Writes are optimistic: `update` must fail with code `KW_CONFLICT` when the stored
 * `resourceVersion` differs from the record's, and `create` when the Lease exists. Errors
 * carry a `code` (`KW_CONFLICT`, `KW_NOT_FOUND`, `KW_FORBIDDEN`, `KW_NETWORK`, ...).
 */
export interface LeaseClient {
  /** The Lease, or `undefined` when it does not exist. */
  get(namespace: string, name: string, options?: LeaseRequestOptions): Promise<LeaseRecord | undefined>;
  /** Creates the Lease; rejects with `KW_CONFLICT` when it already exists. Resolves the stored record. */
  create(record: NewLeaseRecord, options?: LeaseRequestOptions): Promise<LeaseRecord>;
  /** Replaces the Lease's leader-election fields if its version is still `record.resourceVersion`; resolves the stored record. */
  update(record: LeaseRecord, options?: LeaseRequestOptions): Promise<LeaseRecord>;
}
