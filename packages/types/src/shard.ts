/** The object field whose FNV-1a 64 hash places an object in a shard: `metadata.uid` or `metadata.namespace`. */
export type ShardField = 'uid' | 'namespace';

/**
 * A bound of the 64-bit hash space, as the API server's `shardRange()` takes it: `0x` and 16 hex
 * digits (`0x0000000000000000` … `0xffffffffffffffff`), or the top end `0x10000000000000000`.
 * A string, so it is exact, survives `JSON.stringify` and reads well in logs.
 */
export type ShardBound = `0x${string}`;

/**
 * A share of the hash space: objects whose hash `h` of `field` satisfies `start <= h < end`.
 * The whole space is `{ start: '0x0000000000000000', end: '0x10000000000000000' }`.
 */
export interface ShardRange {
  field: ShardField;
  start: ShardBound;
  end: ShardBound;
}

/**
 * The watcher's `shard` option: which objects this replica holds.
 * - `{ start, end }`: one explicit range;
 * - `{ index, count }`: shard `index` (0-based) of `count` equal contiguous ranges.
 * `field` defaults to `'uid'`; choose `'namespace'` to keep each namespace whole on one replica.
 */
export type ShardOption =
  | { field?: ShardField; start: ShardBound; end: ShardBound }
  | { field?: ShardField; index: number; count: number };

/**
 * Where a sharded watcher's filtering happens: `'server'` when the API server honours
 * `shardSelector` (feature gate `ShardedListAndWatch`), `'client'` when it ignored it and the
 * watcher drops other shards' objects itself with the same hash. Either way the partition is the same.
 */
export type ShardFiltering = 'server' | 'client';

/** The shard part of a watcher's status: its range and where it is filtered. */
export interface ShardStatus {
  range: ShardRange;
  /** Undefined until the first (re)connection checked what the server supports. */
  filtering: ShardFiltering | undefined;
}
