import type { ShardBound, ShardField, ShardRange } from '@kw/types';

const SPACE = 1n << 64n;

function bound(value: bigint): ShardBound {
  return value === SPACE ? '0x10000000000000000' : `0x${value.toString(16).padStart(16, '0')}`;
}

/**
 * The range of `identity` among `members`: the members sorted by identity (code-unit order) split
 * the hash space into equal contiguous ranges, the i-th member owning
 * `[⌊i·2^64/n⌋, ⌊(i+1)·2^64/n⌋)`. Undefined when `identity` is not a member. Every replica
 * computes the same assignment from the same member list; the ranges are disjoint and cover the space.
 */
export function rangeOf(identity: string, members: readonly string[], field: ShardField): ShardRange | undefined {
  const sorted = [...new Set(members)].sort();
  const index = sorted.indexOf(identity);
  if (index < 0) return undefined;
  const n = BigInt(sorted.length);
  const at = (i: number): ShardBound => bound((BigInt(i) * SPACE) / n);
  return { field, start: at(index), end: at(index + 1) };
}
