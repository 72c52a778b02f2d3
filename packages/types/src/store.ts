import type { KubeObject, ObjectId } from './object';

/** A value, or a promise of it: store writes may complete synchronously. */
export type MaybePromise<T> = T | Promise<T>;

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
}
