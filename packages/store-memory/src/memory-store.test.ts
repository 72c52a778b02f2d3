import type { KubeObject } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, KeyCountError, MemoryStore, MissingIdentityError } from './index';

// Identity, moves, deletes, order, partial keys, rejections and replace() are proven by the shared
// Store contract (memory-store.contract.test.ts); this file covers what only MemoryStore has.

interface Obj extends KubeObject {
  v?: number;
}

const obj = (name: string, namespace?: string, v = 0): Obj => ({
  kind: 'ConfigMap',
  metadata: namespace === undefined ? { name } : { name, namespace },
  v,
});
const names = (objs: readonly KubeObject[]) => objs.map((o) => o.metadata?.name);

describe('MemoryStore construction', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects keyCount %s with KW_INVALID_CONFIG naming the field', (keyCount) => {
    expect(() => new MemoryStore({ keyCount })).toThrow(InvalidConfigError);
    expect(() => new MemoryStore({ keyCount })).toThrow(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field: 'keyCount', value: keyCount }),
    );
    expect(() => new MemoryStore({ keyCount })).toThrow(/^keyCount: .* must be a positive integer/);
  });

  it('reports a configured keyCount before any write and learns it from the first write otherwise', () => {
    expect(new MemoryStore({ keyCount: 2 }).keyCount).toBe(2);
    const store = new MemoryStore();
    expect(store.keyCount).toBeUndefined();
    store.add(obj('a'), ['x', 'y', 'z']);
    expect(store.keyCount).toBe(3);
  });
});

describe('MemoryStore synchronous API', () => {
  it('throws synchronously, naming the kind, fields and keys of an object without metadata.name', () => {
    const store = new MemoryStore();
    const bad = { kind: 'Pod', metadata: { namespace: 'ns' }, spec: {} };
    expect(() => store.update(bad, ['k'])).toThrow(MissingIdentityError);
    expect(() => store.update(bad, ['k'])).toThrow(/"Pod" with fields \[kind, metadata, spec\] \(index keys \["k"\]\)/);
    expect(store.keyCount).toBeUndefined();
  });

  it('names the expected and given key counts and the keys in a KeyCountError', () => {
    const store = new MemoryStore({ keyCount: 2 });
    expect(() => store.update(obj('a'), ['x', 'y', 'z'])).toThrow(KeyCountError);
    expect(() => store.update(obj('a'), ['x', 'y', 'z'])).toThrow(/keys \["x","y","z"\]: expected 2 index keys, got 3/);
    expect(() => store.getSync(['a', 'b', 'c'])).toThrow(/3 keys given, the store indexes 2/);
    expect(() => store.getSync([])).toThrow(/use list\(\)/);
  });

  it('answers getSync, getByIdSync, listSync and sizeSync like their Promise twins', async () => {
    const store = new MemoryStore<Obj>();
    store.add(obj('a', 'ns'), ['x', 'y']);
    store.add(obj('b', 'ns'), ['x', 'z']);
    expect(store.getSync(['x'])).toEqual(await store.get(['x']));
    expect(store.getByIdSync('ns/a')).toBe(await store.getById('ns/a'));
    expect(store.listSync()).toEqual(await store.list());
    expect(store.sizeSync()).toBe(2);
  });

  it('lists in first-insertion order of each identity: replacing or moving keeps the place, delete then add goes last', () => {
    const store = new MemoryStore();
    for (const n of ['a', 'b', 'c']) store.add(obj(n), [n]);
    store.update(obj('a'), ['moved']);
    store.delete(obj('b'));
    store.add(obj('b'), ['b']);
    expect(names(store.listSync())).toEqual(['a', 'c', 'b']);
  });

  it('reports the keys an object is stored under, following moves', () => {
    const store = new MemoryStore();
    store.add(obj('a', 'ns'), ['ns', 'blue', 'a']);
    expect(store.keysOf('ns/a')).toEqual(['ns', 'blue', 'a']);
    store.replace({ upserts: [{ obj: obj('a', 'ns'), keys: ['ns', 'green', 'a'] }], deletes: [] });
    expect(store.keysOf('ns/a')).toEqual(['ns', 'green', 'a']);
    expect(store.keysOf('ns/nope')).toBeUndefined();
  });

  it('commits replace() before it returns, with no await', () => {
    const store = new MemoryStore();
    store.add(obj('a'), ['k']);
    const result: unknown = store.replace({ upserts: [{ obj: obj('b'), keys: ['k'] }], deletes: [obj('a')] });
    expect(result).toBeUndefined();
    expect(names(store.listSync())).toEqual(['b']);
  });
});

describe('MemoryStore order at scale', () => {
  it('keeps get and list order across enough objects to split its maps into many sub-maps', () => {
    const n = 50_000; // over 3 × 2^14: the namespace level and the identity map are split
    const store = new MemoryStore<Obj>({ keyCount: 2 });
    const listModel = new Map<string, true>(); // a Map keeps first-insertion order, delete + set goes last
    const segments = new Map<string, string[]>(); // segment → names under it, in first-creation order
    const put = (name: string, segment: string) => {
      store.update(obj(name, 'ns'), ['ns', segment]);
      listModel.set(name, true);
      const names = segments.get(segment) ?? [];
      if (!segments.has(segment)) segments.set(segment, names);
      names.push(name);
    };
    const unfile = (name: string, segment: string) => {
      const names = segments.get(segment)!;
      names.splice(names.indexOf(name), 1);
      if (names.length === 0) segments.delete(segment);
    };
    const segmentOf = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const name = `cm-${(i * 7919) % n}`; // a shuffled, deterministic insertion order
      segmentOf.set(name, name);
      put(name, name);
    }
    for (let i = 0; i < n; i += 7) {
      expect(store.delete(obj(`cm-${i}`, 'ns'))).toBe(true);
      listModel.delete(`cm-${i}`);
      unfile(`cm-${i}`, segmentOf.get(`cm-${i}`)!);
    }
    for (let i = 0; i < n; i += 14) put(`cm-${i}`, `cm-${i}`); // deleted then added: last in both orders
    for (let i = 1; i < n; i += 5) {
      if (i % 7 === 0) continue;
      const name = `cm-${i}`;
      unfile(name, segmentOf.get(name)!); // a move keeps its list place
      segmentOf.set(name, `moved-${i}`);
      store.update(obj(name, 'ns'), ['ns', `moved-${i}`]);
      segments.set(`moved-${i}`, [name]);
    }
    const expectedGet = [...segments.values()].flat();
    expect(names(store.getSync(['ns']))).toEqual(expectedGet);
    expect(names(store.listSync())).toEqual([...listModel.keys()]);
    expect(store.sizeSync()).toBe(listModel.size);
    expect(store.getByIdSync('ns/cm-1')?.metadata?.name).toBe('cm-1');
    expect(store.keysOf('ns/cm-1')).toEqual(['ns', 'moved-1']);
  });
});
