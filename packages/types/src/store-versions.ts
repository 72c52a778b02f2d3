import type { ObjectId } from './object';
import type { MaybePromise } from './store';

/**
 * Optional capability of a {@link Store}: every stored identity with its resourceVersion, read
 * without fetching bodies. A watcher that starts on a store which already holds objects (reused
 * across leadership terms) reads it once (`resourceVersions()`) so its first listing deletes what the server no longer
 * has; without it the watcher reads `list()`, which an API-backed store may answer only in part
 * (an object deleted meanwhile cannot be fetched, so it would never be swept).
 */
export interface StoreVersions {
  /** `[identity, resourceVersion]` of every stored object (`''` when the object had none). */
  resourceVersions(): MaybePromise<Iterable<readonly [ObjectId, string]>>;
}
