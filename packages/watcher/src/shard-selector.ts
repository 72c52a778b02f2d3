import type { KubeObject, ShardBound, ShardField, ShardOption, ShardRange } from '@kw/types';
import { InvalidConfigError } from './errors';
import { hashInRange } from './shard-hash';

/** The lowest bound of the hash space. */
export const SHARD_SPACE_START: ShardBound = '0x0000000000000000';
/** The top end of the hash space, `2^64` (exclusive). */
export const SHARD_SPACE_END: ShardBound = '0x10000000000000000';

const SPACE = 1n << 64n;
const BOUND = /^0x[0-9a-f]{16}$/i;

/** `bound` as a BigInt, or undefined when it is not `0x` + 16 hex digits or the top end. */
function parseBound(bound: unknown): bigint | undefined {
  if (typeof bound !== 'string') return undefined;
  if (bound.toLowerCase() === SHARD_SPACE_END) return SPACE;
  return BOUND.test(bound) ? BigInt(bound) : undefined;
}

/** `value` (0 … 2^64) in the wire notation: `0x` + 16 lowercase hex digits, or the top end. */
function formatBound(value: bigint): ShardBound {
  return value === SPACE ? SHARD_SPACE_END : `0x${value.toString(16).padStart(16, '0')}`;
}

/**
 * Shard `index` of `count` equal contiguous ranges of the hash space: `[⌊index·2^64/count⌋,
 * ⌊(index+1)·2^64/count⌋)`. The ranges of `0 … count-1` are disjoint and cover the space.
 */
export function shardRangeOf(index: number, count: number, field: ShardField = 'uid'): ShardRange {
  const at = (i: number): ShardBound => formatBound((BigInt(i) * SPACE) / BigInt(count));
  return { field, start: at(index), end: at(index + 1) };
}

/**
 * Validates a watcher's `shard` option and returns its range (bounds in lowercase). Throws
 * {@link InvalidConfigError} naming `path.<field>` and the value. Phase 2 calls it from the watcher's options.
 */
export function resolveShardOption(option: ShardOption, path = 'shard'): ShardRange {
  const fail = (field: string, value: unknown, message: string): never => {
    throw new InvalidConfigError(`${path}.${field}`, message, value);
  };
  if (typeof option !== 'object' || option === null) {
    throw new InvalidConfigError(path, `must be { index, count } or { start, end }, got ${String(option)}`, option);
  }
  const field = option.field ?? 'uid';
  if (field !== 'uid' && field !== 'namespace') {
    fail('field', field, `must be 'uid' or 'namespace', got ${JSON.stringify(field)}`);
  }
  if ('index' in option) {
    const { index, count } = option;
    if (!Number.isSafeInteger(count) || count < 1) {
      fail('count', count, `must be a whole number >= 1 (how many shards), got ${String(count)}`);
    }
    if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
      fail('index', index, `must be a whole number from 0 to count - 1 (${count - 1}), got ${String(index)}`);
    }
    return shardRangeOf(index, count, field);
  }
  const start = parseBound(option.start);
  const end = parseBound(option.end);
  const hint = `'0x' and 16 hex digits (the top end is '${SHARD_SPACE_END}')`;
  if (start === undefined || start === SPACE)
    fail('start', option.start, `must be ${hint}, got ${JSON.stringify(option.start)}`);
  if (end === undefined) fail('end', option.end, `must be ${hint}, got ${JSON.stringify(option.end)}`);
  if ((start as bigint) >= (end as bigint)) {
    fail('end', option.end, `(${option.end}) must be greater than start (${option.start}): a range is [start, end)`);
  }
  return { field, start: formatBound(start as bigint), end: formatBound(end as bigint) };
}

/**
 * The `shardSelector` query parameter selecting `ranges` (OR-ed with `||`), e.g.
 * `shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')`.
 */
export function shardSelector(ranges: ShardRange | readonly ShardRange[]): string {
  const list: readonly ShardRange[] = Array.isArray(ranges) ? ranges : [ranges as ShardRange];
  return list
    .map((r) => `shardRange(object.metadata.${r.field}, '${r.start.toLowerCase()}', '${r.end.toLowerCase()}')`)
    .join(' || ');
}

/** A bound as its high and low 32-bit halves (`2^64` is `[2^32, 0]`). */
function halves(bound: ShardBound): [number, number] {
  const value = parseBound(bound) ?? 0n;
  return [Number(value >> 32n), Number(value & 0xffffffffn)];
}

/**
 * A predicate telling whether an object belongs to `ranges` (any of them), with the server's
 * hash: the client-side filter used when the server ignores `shardSelector`. An object without the
 * field hashes as the empty string (a cluster-scoped object's namespace).
 */
export function createShardFilter(ranges: ShardRange | readonly ShardRange[]): (object: KubeObject) => boolean {
  const list: readonly ShardRange[] = Array.isArray(ranges) ? ranges : [ranges as ShardRange];
  const compiled = list.map((r) => ({ field: r.field, start: halves(r.start), end: halves(r.end) }));
  return (object) => {
    for (const { field, start, end } of compiled) {
      const value = object.metadata?.[field] ?? '';
      if (hashInRange(value, start[0], start[1], end[0], end[1])) return true;
    }
    return false;
  };
}
