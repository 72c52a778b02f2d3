import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash, SPLIT_AT, SPLIT_PARTS, SplitMap } from '../shared/split-map';

describe('shared/split-map SplitMap', () => {
  it('holds the same entries as a Map across the split, with sets, overwrites and deletes', () => {
    const map = new SplitMap<number>();
    const model = new Map<string, number>();
    const n = SPLIT_AT * 2;
    for (let i = 0; i < n; i++) {
      map.set(`ns/cm-${i}`, i);
      model.set(`ns/cm-${i}`, i);
    }
    for (let i = 0; i < n; i += 3) {
      expect(map.delete(`ns/cm-${i}`)).toBe(true);
      model.delete(`ns/cm-${i}`);
    }
    for (let i = 1; i < n; i += 5) {
      map.set(`ns/cm-${i}`, -i);
      model.set(`ns/cm-${i}`, -i);
    }
    expect(map.delete('ns/cm-0')).toBe(false);
    expect(map.size).toBe(model.size);
    const ids = Array.from({ length: n }, (_, i) => `ns/cm-${i}`);
    expect(ids.map((id) => map.get(id))).toEqual(ids.map((id) => model.get(id)));
    expect(ids.map((id) => map.has(id))).toEqual(ids.map((id) => model.has(id)));
    expect(new Map(map.entries())).toEqual(model);
    expect([...map.values()].sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
  });

  it('iterates in insertion order while it holds at most SPLIT_AT entries', () => {
    const map = new SplitMap<number>();
    const keys = Array.from({ length: SPLIT_AT }, (_, i) => `k${(i * 7919) % SPLIT_AT}`);
    for (const [i, key] of keys.entries()) map.set(key, i);
    expect([...map].map(([key]) => key)).toEqual(keys);
  });

  it('iterates in the same order for the same operations (deterministic)', () => {
    const fill = (): string[] => {
      const map = new SplitMap<number>();
      for (let i = 0; i < SPLIT_AT + 100; i++) map.set(`id-${i}`, i);
      return [...map.entries()].map(([key]) => key);
    };
    expect(fill()).toEqual(fill());
  });

  it('empties on clear and works as a single Map again', () => {
    const map = new SplitMap<number>();
    for (let i = 0; i <= SPLIT_AT; i++) map.set(`k${i}`, i);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get('k1')).toBeUndefined();
    map.set('b', 1).set('a', 2);
    expect([...map.entries()]).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
  });

  it('agrees with a Map model for any sequence of operations (property)', () => {
    const key = fc.integer({ min: 0, max: 40 }).map((i) => `ns/o${i}`);
    const op = fc.oneof(
      fc.record({ t: fc.constant('set' as const), key, value: fc.integer() }),
      fc.record({ t: fc.constant('delete' as const), key }),
      fc.record({ t: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, split) => {
        const map = new SplitMap<number>();
        const model = new Map<string, number>();
        if (split) {
          // Past the threshold first, so the operations run on the sub-maps.
          for (let i = 0; i <= SPLIT_AT; i++) {
            map.set(`fill-${i}`, i);
            model.set(`fill-${i}`, i);
          }
        }
        for (const o of ops) {
          if (o.t === 'set') {
            map.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.t === 'delete') expect(map.delete(o.key)).toBe(model.delete(o.key));
          else {
            map.clear();
            model.clear();
          }
          expect(map.size).toBe(model.size);
        }
        for (let i = 0; i <= 40; i++) expect(map.get(`ns/o${i}`)).toBe(model.get(`ns/o${i}`));
      }),
      { numRuns: 50 },
    );
  });
});

describe('shared/split-map hash', () => {
  it('spreads sequential object ids evenly over the sub-maps (no part above 1.25× the mean)', () => {
    const counts = new Array<number>(SPLIT_PARTS).fill(0);
    const n = 100_000;
    const shift = 32 - Math.log2(SPLIT_PARTS);
    for (let i = 0; i < n; i++) counts[hash(`bench-ns/cm-${String(i).padStart(7, '0')}`) >>> shift]!++;
    expect(Math.max(...counts)).toBeLessThan((n / SPLIT_PARTS) * 1.25);
    expect(Math.min(...counts)).toBeGreaterThan((n / SPLIT_PARTS) * 0.75);
  });

  it('is FNV-1a 32: known values', () => {
    expect(hash('')).toBe(0x811c9dc5);
    expect(hash('a')).toBe(0xe40c292c);
    expect(hash('foobar')).toBe(0xbf9cf968);
  });
});
