import type { KubeObject, ObjectId } from './object';

/** A value, or a promise of it: store writes may complete synchronously. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What a relist changed, staged by the watcher and committed in one call: only objects that are
 * new or whose resourceVersion changed, and the objects the server no longer holds.
 */
export interface StoreDiff<T extends KubeObject = KubeObject> {
  /** New or changed objects with their index keys (an existing identity is replaced, moving it if its keys changed). */
  readonly upserts: ReadonlyArray<{ readonly obj: T; readonly keys: readonly string[] }>;
  /** Objects to remove, by identity (the last known object, or a stand-in with its namespace and name). */
  readonly deletes: readonly T[];
}

/**
 * Where a watcher keeps objects, looked up by composite index keys.
 *
 * A store is key-agnostic: the writer passes each object's index keys (one string per
 * `indexBy` expression, from a {@link KeyExtractor}). Objects are identified by
 * {@link ObjectId}, independent of their keys: an update that changes an object's keys moves
 * it, a delete removes exactly that object even when others share its keys, and adding an
 * object that exists replaces it. Reads are Promise-based so an API-backed store can
 * implement them; writes may complete synchronously (the watcher awaits only promises).
 */
export interface Store<T extends KubeObject = KubeObject> {
  /**
   * Objects whose index keys start with `keys`: all keys (a full-key lookup) or a leading
   * prefix of them (a partial-key lookup). Rejects when more keys are given than the store
   * indexes, or none.
   */
  get(keys: readonly string[]): Promise<T[]>;
  /** The object with this identity, or `undefined`. */
  getById(id: ObjectId): Promise<T | undefined>;
  /** Every object in the store. */
  list(): Promise<T[]>;
  /** Stores `obj` under `keys`, replacing an object with the same identity. */
  add(obj: T, keys: readonly string[]): MaybePromise<void>;
  /** Replaces the object with `obj`'s identity (moving it if its keys changed); adds it if absent. */
  update(obj: T, keys: readonly string[]): MaybePromise<void>;
  /** Removes the object with `obj`'s identity (only that one); returns whether it was there. */
  delete(obj: T): MaybePromise<boolean>;
  /** Removes every object. */
  clear(): MaybePromise<void>;
  /** How many objects the store holds. */
  size(): Promise<number>;
  /**
   * Optional: applies a relist's diff atomically for readers. Readers see the state before until it
   * returns and the state after once it has, never a mix; it validates every entry (keys, identity)
   * before mutating anything, so a throw leaves the old state. Synchronous stores should commit
   * without yielding. Without it, the watcher applies the diff entry by entry.
   */
  replace?(diff: StoreDiff<T>): MaybePromise<void>;
}
