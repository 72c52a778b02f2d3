import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashInRange, shardHash } from './shard-hash';

/** FNV-1a 64 written the obvious way, on BigInt: the model the fast version must agree with. */
function referenceHash(value: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(value)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `0x${h.toString(16).padStart(16, '0')}`;
}

describe('shardHash', () => {
  it('gives the published FNV-1a 64 test vectors', () => {
    expect(shardHash('')).toBe('0xcbf29ce484222325');
    expect(shardHash('a')).toBe('0xaf63dc4c8601ec8c');
    expect(shardHash('foobar')).toBe('0x85944171f73967e8');
  });

  it('agrees with a BigInt FNV-1a 64 for any string, non-ASCII included (UTF-8 bytes)', () => {
    expect(shardHash('namespace-ä-€-😀')).toBe(referenceHash('namespace-ä-€-😀'));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => shardHash(s) === referenceHash(s)));
    fc.assert(fc.property(fc.uuid(), (s) => shardHash(s) === referenceHash(s)));
  });
});

describe('hashInRange', () => {
  const split = (hex: string): [number, number] => {
    const v = BigInt(hex);
    return [Number(v >> 32n), Number(v & 0xffffffffn)];
  };

  it('includes start and excludes end', () => {
    const h = shardHash('foobar'); // 0x85944171f73967e8
    const next = `0x${(BigInt(h) + 1n).toString(16)}`;
    expect(hashInRange('foobar', ...split(h), ...split(next))).toBe(true);
    expect(hashInRange('foobar', ...split('0x0'), ...split(h))).toBe(false);
  });

  it('treats the top end 2^64 as above every hash', () => {
    const h = shardHash('a');
    expect(hashInRange('a', ...split(h), 2 ** 32, 0)).toBe(true);
  });

  it('agrees with comparing the BigInt hash for random bounds', () => {
    const bound = fc.bigInt({ min: 0n, max: 1n << 64n });
    fc.assert(
      fc.property(fc.uuid(), bound, bound, (uid, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const h = BigInt(referenceHash(uid));
        const toHalves = (v: bigint): [number, number] => [Number(v >> 32n), Number(v & 0xffffffffn)];
        return hashInRange(uid, ...toHalves(lo), ...toHalves(hi)) === (h >= lo && h < hi);
      }),
    );
  });
});
