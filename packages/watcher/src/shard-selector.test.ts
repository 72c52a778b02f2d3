import type { KubeObject, ShardOption } from '@kw/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shardHash } from './shard-hash';
import {
  createShardFilter,
  resolveShardOption,
  SHARD_SPACE_END,
  SHARD_SPACE_START,
  shardRangeOf,
  shardSelector,
} from './shard-selector';

const object = (uid: string, namespace?: string): KubeObject => ({
  metadata: { name: 'x', uid, ...(namespace === undefined ? {} : { namespace }) },
});

describe('shardRangeOf', () => {
  it('splits the space in two at 0x8000000000000000', () => {
    expect(shardRangeOf(0, 2)).toEqual({ field: 'uid', start: SHARD_SPACE_START, end: '0x8000000000000000' });
    expect(shardRangeOf(1, 2, 'namespace')).toEqual({
      field: 'namespace',
      start: '0x8000000000000000',
      end: SHARD_SPACE_END,
    });
  });

  it('gives ranges that are contiguous and cover the space for any count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (count) => {
        const ranges = Array.from({ length: count }, (_, i) => shardRangeOf(i, count));
        expect(ranges[0]?.start).toBe(SHARD_SPACE_START);
        expect(ranges.at(-1)?.end).toBe(SHARD_SPACE_END);
        for (let i = 1; i < count; i++) expect(ranges[i]?.start).toBe(ranges[i - 1]?.end);
      }),
      { numRuns: 50 },
    );
  });
});

describe('shardSelector', () => {
  it('builds the shardRange() term the API server expects', () => {
    expect(shardSelector(shardRangeOf(0, 2))).toBe(
      "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')",
    );
  });

  it('OR-s several ranges with ||', () => {
    expect(shardSelector([shardRangeOf(0, 4, 'namespace'), shardRangeOf(2, 4, 'namespace')])).toBe(
      "shardRange(object.metadata.namespace, '0x0000000000000000', '0x4000000000000000') || " +
        "shardRange(object.metadata.namespace, '0x8000000000000000', '0xc000000000000000')",
    );
  });
});

describe('resolveShardOption', () => {
  it('turns {index, count} into its range, by uid unless told otherwise', () => {
    expect(resolveShardOption({ index: 1, count: 4 })).toEqual({
      field: 'uid',
      start: '0x4000000000000000',
      end: '0x8000000000000000',
    });
  });

  it('lower-cases explicit bounds and accepts the top end', () => {
    expect(resolveShardOption({ field: 'namespace', start: '0xABCDEF0000000000', end: '0x10000000000000000' })).toEqual(
      { field: 'namespace', start: '0xabcdef0000000000', end: SHARD_SPACE_END },
    );
  });

  it.each<[string, unknown, string, string]>([
    ['index out of range', { index: 3, count: 3 }, 'shard.index', 'from 0 to count - 1 (2), got 3'],
    ['count below one', { index: 0, count: 0 }, 'shard.count', 'must be a whole number >= 1'],
    ['a short bound', { start: '0x00', end: SHARD_SPACE_END }, 'shard.start', '16 hex digits'],
    ['the top end as start', { start: SHARD_SPACE_END, end: SHARD_SPACE_END }, 'shard.start', '16 hex digits'],
    [
      'an empty range',
      { start: '0x8000000000000000', end: '0x8000000000000000' },
      'shard.end',
      'must be greater than start',
    ],
    ['an unknown field', { field: 'name', index: 0, count: 1 }, 'shard.field', "'uid' or 'namespace'"],
  ])('rejects %s naming the field and the value', (_, option, field, message) => {
    let caught: unknown;
    try {
      resolveShardOption(option as ShardOption);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'KW_INVALID_CONFIG', field });
    expect((caught as Error).message).toContain(message);
  });
});

describe('createShardFilter', () => {
  it('keeps an object exactly when its uid hash is in [start, end)', () => {
    const uid = '6f1d3c2a-0000-4000-8000-000000000001';
    const h = shardHash(uid);
    const after = `0x${(BigInt(h) + 1n).toString(16).padStart(16, '0')}` as const;
    expect(createShardFilter({ field: 'uid', start: h, end: after })(object(uid))).toBe(true);
    expect(createShardFilter({ field: 'uid', start: SHARD_SPACE_START, end: h })(object(uid))).toBe(false);
  });

  it('places every object in exactly one of count shards', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.uuid(), { maxLength: 50 }), (count, uids) => {
        const filters = Array.from({ length: count }, (_, i) => createShardFilter(shardRangeOf(i, count)));
        for (const uid of uids) expect(filters.filter((keep) => keep(object(uid))).length).toBe(1);
      }),
    );
  });

  it('filters by namespace, a cluster-scoped object hashing the empty string', () => {
    const h = BigInt(shardHash('team-a'));
    const range = shardRangeOf(h < 1n << 63n ? 0 : 1, 2, 'namespace');
    const keep = createShardFilter(range);
    expect(keep(object('u1', 'team-a'))).toBe(true);
    expect(keep(object('u2'))).toBe(createShardFilter(range)(object('u3', '')));
  });
});
