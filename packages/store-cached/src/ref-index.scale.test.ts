import { describe, expect, it } from 'vitest';
import { type IndexedRef, RefIndex } from './ref-index';

interface TestRef extends IndexedRef {
  v: number;
}
const ref = (id: string, v = 0): TestRef => ({ id, keys: [], v, prev: undefined, next: undefined });

describe('RefIndex order at scale', () => {
  it('keeps segment creation order and per-key insertion order across enough entries to split its maps', () => {
    const n = 50_000; // over 3 × 2^14: the namespace level and the identity map are split
    const index = new RefIndex<TestRef>();
    const segments = new Map<string, string[]>(); // segment → ids under it, in first-creation order
    const segmentOf = new Map<string, string>();
    const file = (id: string, segment: string) => {
      const ids = segments.get(segment) ?? [];
      if (!segments.has(segment)) segments.set(segment, ids);
      ids.push(id);
      segmentOf.set(id, segment);
    };
    const unfile = (id: string) => {
      const segment = segmentOf.get(id)!;
      const ids = segments.get(segment)!;
      ids.splice(ids.indexOf(id), 1);
      if (ids.length === 0) segments.delete(segment);
      segmentOf.delete(id);
    };
    for (let i = 0; i < n; i++) {
      const id = `ns/o${(i * 7919) % n}`; // a shuffled, deterministic insertion order
      const segment = `s${(i * 7919) % n}`;
      index.set(ref(id), ['ns', segment]);
      file(id, segment);
    }
    for (let i = 0; i < n; i += 7) {
      expect(index.delete(`ns/o${i}`)?.id).toBe(`ns/o${i}`);
      unfile(`ns/o${i}`);
    }
    for (let i = 0; i < n; i += 14) {
      index.set(ref(`ns/o${i}`), ['ns', `s${i}`]); // deleted then added: last
      file(`ns/o${i}`, `s${i}`);
    }
    for (let i = 1; i < n; i += 5) {
      if (i % 7 === 0) continue;
      unfile(`ns/o${i}`);
      index.set(index.byIdentity(`ns/o${i}`)!, ['ns', `moved-${i}`]); // moved: last, under a new segment
      file(`ns/o${i}`, `moved-${i}`);
    }
    for (let i = 2; i < n; i += 5) {
      if (i % 7 === 0) continue;
      index.set(ref(`ns/o${i}`, 1), ['ns', segmentOf.get(`ns/o${i}`)!]); // a new ref, same keys: keeps its place
    }
    const expected = [...segments.values()].flat();
    expect(index.find(['ns']).map((r) => r.id)).toEqual(expected);
    expect(index.all().map((r) => r.id)).toEqual(expected);
    expect(index.size).toBe(expected.length);
    expect(index.byIdentity('ns/o2')?.v).toBe(1);
    expect(index.find(['ns', 'moved-1']).map((r) => r.id)).toEqual(['ns/o1']);
  });

  it('keeps insertion order under one key holding enough entries to split the identity map', () => {
    const n = 40_000;
    const index = new RefIndex<TestRef>();
    const order = new Map<string, true>();
    for (let i = 0; i < n; i++) {
      index.set(ref(`ns/o${(i * 7919) % n}`), ['ns']);
      order.set(`ns/o${(i * 7919) % n}`, true);
    }
    for (let i = 0; i < n; i += 3) {
      index.delete(`ns/o${i}`);
      order.delete(`ns/o${i}`);
    }
    for (let i = 0; i < n; i += 6) {
      index.set(ref(`ns/o${i}`), ['ns']);
      order.set(`ns/o${i}`, true);
    }
    for (let i = 1; i < n; i += 3) index.set(ref(`ns/o${i}`, 2), ['ns']); // replaced in place
    expect(index.find(['ns']).map((r) => r.id)).toEqual([...order.keys()]);
    expect(index.byIdentity('ns/o1')?.v).toBe(2);
  });
});
