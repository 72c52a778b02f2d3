import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeOf } from './ring-assignment';

describe('rangeOf', () => {
  it('gives sorted members equal contiguous ranges', () => {
    const members = ['c', 'a', 'b'];
    expect(rangeOf('a', members, 'uid')).toEqual({
      field: 'uid',
      start: '0x0000000000000000',
      end: '0x5555555555555555',
    });
    expect(rangeOf('b', members, 'uid')).toEqual({
      field: 'uid',
      start: '0x5555555555555555',
      end: '0xaaaaaaaaaaaaaaaa',
    });
    expect(rangeOf('c', members, 'uid')).toEqual({
      field: 'uid',
      start: '0xaaaaaaaaaaaaaaaa',
      end: '0x10000000000000000',
    });
  });

  it('gives a non-member nothing', () => {
    expect(rangeOf('d', ['a', 'b'], 'namespace')).toBeUndefined();
  });

  it('gives the ranges of any member list disjoint and covering the space, in any input order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 40 }),
        (members) => {
          const shuffled = [...members].reverse();
          const ranges = members
            .map((m) => rangeOf(m, members, 'uid'))
            .map((r) => {
              expect(r).toBeDefined();
              return [BigInt(r?.start ?? -1), BigInt(r?.end ?? -1)] as const;
            })
            .sort((x, y) => (x[0] < y[0] ? -1 : 1));
          expect(ranges[0]?.[0]).toBe(0n);
          expect(ranges.at(-1)?.[1]).toBe(1n << 64n);
          for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe(ranges[i - 1]?.[1]);
          for (const m of members) expect(rangeOf(m, shuffled, 'uid')).toEqual(rangeOf(m, members, 'uid'));
        },
      ),
    );
  });
});
