import type { KubeObject } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, KeyCountError, MemoryStore, MissingIdentityError } from './index';

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
  it.each([0, -1, 1.5, Number.NaN])('rejects keyCount %s with KW_INVALID_CONFIG', (keyCount) => {
    expect(() => new MemoryStore({ keyCount })).toThrow(InvalidConfigError);
    try {
      new MemoryStore({ keyCount });
    } catch (e) {
      expect((e as InvalidConfigError).code).toBe('KW_INVALID_CONFIG');
      expect((e as InvalidConfigError).value).toBe(keyCount);
      expect((e as Error).message).toContain('positive integer');
    }
  });

  it('reports a configured keyCount before any write and learns it from the first write otherwise', () => {
    expect(new MemoryStore({ keyCount: 2 }).keyCount).toBe(2);
    const store = new MemoryStore();
    expect(store.keyCount).toBeUndefined();
    store.add(obj('a'), ['x', 'y', 'z']);
    expect(store.keyCount).toBe(3);
  });
});

describe('MemoryStore identity', () => {
  it('identifies namespaced objects by namespace/name and cluster-scoped ones by name', () => {
    const store = new MemoryStore();
    const a = obj('a', 'ns1');
    const b = obj('a');
    store.add(a, ['k']);
    store.add(b, ['k']);
    expect(store.getByIdSync('ns1/a')).toBe(a);
    expect(store.getByIdSync('a')).toBe(b);
    expect(store.sizeSync()).toBe(2);
  });

  it('replaces an object added again with the same identity', async () => {
    const store = new MemoryStore<Obj>();
    store.add(obj('a', 'ns', 1), ['k']);
    store.add(obj('a', 'ns', 2), ['k']);
    expect(await store.size()).toBe(1);
    expect((await store.getById('ns/a'))?.v).toBe(2);
    expect((await store.get(['k'])).map((o) => o.v)).toEqual([2]);
  });

  it('replaces on add even when the keys differ, moving the object', () => {
    const store = new MemoryStore<Obj>();
    store.add(obj('a', 'ns', 1), ['k1']);
    store.add(obj('a', 'ns', 2), ['k2']);
    expect(store.getSync(['k1'])).toEqual([]);
    expect(store.getSync(['k2']).map((o) => o.v)).toEqual([2]);
    expect(store.sizeSync()).toBe(1);
  });

  it('rejects a write of an object without metadata.name, naming its kind, fields and keys', () => {
    const store = new MemoryStore();
    const bad = { kind: 'Pod', metadata: { namespace: 'ns' }, spec: {} };
    expect(() => store.add(bad, ['k'])).toThrow(MissingIdentityError);
    try {
      store.update(bad, ['k']);
    } catch (e) {
      const err = e as MissingIdentityError;
      expect(err.code).toBe('KW_MISSING_IDENTITY');
      expect(err.value).toBe(bad);
      expect(err.message).toContain('"Pod"');
      expect(err.message).toContain('kind, metadata, spec');
      expect(err.message).toContain('["k"]');
    }
    expect(store.sizeSync()).toBe(0);
    expect(store.keyCount).toBeUndefined();
  });

  it('rejects delete of an object without metadata.name', () => {
    const store = new MemoryStore();
    expect(() => store.delete({ kind: 'Pod' })).toThrow(MissingIdentityError);
    expect(() => store.delete({ metadata: { name: '' } })).toThrow(MissingIdentityError);
  });
});

describe('MemoryStore key count', () => {
  it('rejects a write with a key count different from the configured one', () => {
    const store = new MemoryStore({ keyCount: 2 });
    expect(() => store.add(obj('a'), ['x'])).toThrow(KeyCountError);
    try {
      store.update(obj('a'), ['x', 'y', 'z']);
    } catch (e) {
      const err = e as KeyCountError;
      expect(err.code).toBe('KW_KEY_COUNT');
      expect(err.expected).toBe(2);
      expect(err.value).toEqual(['x', 'y', 'z']);
      expect(err.message).toContain('expected 2 index keys, got 3');
      expect(err.message).toContain('["x","y","z"]');
    }
    expect(store.sizeSync()).toBe(0);
  });

  it('enforces the key count learned from the first write, also after clear()', () => {
    const store = new MemoryStore();
    store.add(obj('a'), ['x', 'y']);
    expect(() => store.add(obj('b'), ['x'])).toThrow(/expected 2 index keys, got 1/);
    store.clear();
    expect(() => store.add(obj('b'), ['x'])).toThrow(KeyCountError);
  });

  it('rejects a write with no keys', () => {
    const store = new MemoryStore();
    expect(() => store.add(obj('a'), [])).toThrow(KeyCountError);
    expect(store.keyCount).toBeUndefined();
  });

  it('rejects get with more keys than the store indexes', async () => {
    const store = new MemoryStore({ keyCount: 1 });
    expect(() => store.getSync(['a', 'b'])).toThrow(/2 keys given, the store indexes 1/);
    await expect(store.get(['a', 'b'])).rejects.toMatchObject({ code: 'KW_KEY_COUNT', expected: 1 });
  });

  it('rejects get([]) and points to list()', async () => {
    const store = new MemoryStore({ keyCount: 2 });
    expect(() => store.getSync([])).toThrow(/use list\(\)/);
    await expect(store.get([])).rejects.toBeInstanceOf(KeyCountError);
    await expect(new MemoryStore().get([])).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
  });

  it('finds nothing before the first write when keyCount is not configured', () => {
    expect(new MemoryStore().getSync(['a', 'b', 'c'])).toEqual([]);
  });
});

describe('MemoryStore lookups', () => {
  const store = new MemoryStore();
  const rows: [string, string, string][] = [
    ['p1', 'ns1', 'a'],
    ['p2', 'ns1', 'a'],
    ['p3', 'ns1', 'b'],
    ['p4', 'ns2', 'a'],
    ['p5', 'ns2', 'c'],
  ];
  for (const [name, ns, label] of rows) store.add(obj(name, ns), [ns, label, name]);

  it('finds one object by full key', () => {
    expect(names(store.getSync(['ns1', 'a', 'p2']))).toEqual(['p2']);
  });

  it('finds objects by a leading partial key of every depth', () => {
    expect(names(store.getSync(['ns1']))).toEqual(['p1', 'p2', 'p3']);
    expect(names(store.getSync(['ns1', 'a']))).toEqual(['p1', 'p2']);
    expect(names(store.getSync(['ns2', 'a']))).toEqual(['p4']);
    expect(names(store.getSync(['ns2']))).toEqual(['p4', 'p5']);
  });

  it('finds nothing for keys that match no object', () => {
    expect(store.getSync(['ns3'])).toEqual([]);
    expect(store.getSync(['ns1', 'c'])).toEqual([]);
    expect(store.getSync(['ns1', 'a', 'p3'])).toEqual([]);
  });

  it('lists every object and reports the keys of one', async () => {
    expect(names(await store.list())).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(store.keysOf('ns2/p5')).toEqual(['ns2', 'c', 'p5']);
    expect(store.keysOf('ns2/nope')).toBeUndefined();
  });

  it('returns a new array on every lookup', () => {
    const first = store.getSync(['ns1']);
    first.pop();
    expect(store.getSync(['ns1'])).toHaveLength(3);
  });
});

describe('MemoryStore update and delete', () => {
  it('moves an object to its new key when a label changes', () => {
    const store = new MemoryStore<Obj>();
    store.add(obj('a', 'ns', 1), ['ns', 'blue']);
    store.add(obj('b', 'ns', 1), ['ns', 'blue']);
    store.update(obj('a', 'ns', 2), ['ns', 'green']);
    expect(names(store.getSync(['ns', 'blue']))).toEqual(['b']);
    expect(store.getSync(['ns', 'green']).map((o) => o.v)).toEqual([2]);
    expect(names(store.getSync(['ns']))).toEqual(['b', 'a']);
    expect(store.keysOf('ns/a')).toEqual(['ns', 'green']);
    expect(store.sizeSync()).toBe(2);
  });

  it('adds on update when the object is absent', () => {
    const store = new MemoryStore();
    store.update(obj('a'), ['k']);
    expect(names(store.getSync(['k']))).toEqual(['a']);
  });

  it('deletes exactly the given identity when others share its full key', () => {
    const store = new MemoryStore();
    for (const n of ['a', 'b', 'c']) store.add(obj(n, 'ns'), ['same', 'key']);
    expect(store.delete(obj('b', 'ns'))).toBe(true);
    expect(names(store.getSync(['same', 'key']))).toEqual(['a', 'c']);
    expect(store.getByIdSync('ns/b')).toBeUndefined();
    expect(store.sizeSync()).toBe(2);
  });

  it('deletes by identity whatever keys or body the passed object has', () => {
    const store = new MemoryStore<Obj>();
    store.add(obj('a', 'ns', 1), ['k1']);
    expect(store.delete(obj('a', 'ns', 99))).toBe(true);
    expect(store.getSync(['k1'])).toEqual([]);
  });

  it('returns false when deleting an absent object', () => {
    const store = new MemoryStore();
    store.add(obj('a', 'ns1'), ['k']);
    expect(store.delete(obj('a', 'ns2'))).toBe(false);
    expect(store.delete(obj('a'))).toBe(false);
    expect(store.sizeSync()).toBe(1);
  });

  it('removes everything on clear()', async () => {
    const store = new MemoryStore();
    store.add(obj('a'), ['x', 'y']);
    store.add(obj('b'), ['x', 'z']);
    store.clear();
    expect(await store.size()).toBe(0);
    expect(await store.list()).toEqual([]);
    expect(await store.get(['x'])).toEqual([]);
    expect(await store.getById('a')).toBeUndefined();
    store.add(obj('c'), ['x', 'y']);
    expect(names(store.getSync(['x']))).toEqual(['c']);
  });

  it('prunes emptied intermediate branches too, so a re-created one goes last', () => {
    const store = new MemoryStore();
    store.add(obj('a'), ['ns', 'p', 'x']);
    store.add(obj('b'), ['ns', 'q', 'x']);
    store.delete(obj('a'));
    store.add(obj('c'), ['ns', 'p', 'x']);
    expect(names(store.getSync(['ns']))).toEqual(['b', 'c']);
  });

  it('prunes emptied branches, so a re-created key segment goes last', () => {
    const store = new MemoryStore();
    store.add(obj('a'), ['ns', 'x']);
    store.add(obj('b'), ['ns', 'y']);
    store.delete(obj('a'));
    store.add(obj('c'), ['ns', 'x']);
    expect(names(store.getSync(['ns']))).toEqual(['b', 'c']);
    expect(names(store.listSync())).toEqual(['b', 'c']);
  });
});

describe('MemoryStore order', () => {
  it('groups results by key path in first-creation order of each segment, insertion order within a full key', () => {
    const store = new MemoryStore();
    store.add(obj('1'), ['b', 'y']);
    store.add(obj('2'), ['a', 'x']);
    store.add(obj('3'), ['b', 'x']);
    store.add(obj('4'), ['b', 'y']);
    store.add(obj('5'), ['a', 'x']);
    expect(names(store.getSync(['b']))).toEqual(['1', '4', '3']);
    expect(names(store.getSync(['a']))).toEqual(['2', '5']);
    expect(names(store.listSync())).toEqual(['1', '2', '3', '4', '5']);
  });

  it('keeps the place of an object replaced without a key change', () => {
    const store = new MemoryStore<Obj>();
    for (const n of ['a', 'b', 'c']) store.add(obj(n), ['k']);
    store.update(obj('a', undefined, 7), ['k']);
    store.add(obj('b', undefined, 8), ['k']);
    expect(store.getSync(['k']).map((o) => [o.metadata?.name, o.v])).toEqual([
      ['a', 7],
      ['b', 8],
      ['c', 0],
    ]);
  });

  it('keeps a shared prefix in place when its only object moves below it', () => {
    const store = new MemoryStore();
    store.add(obj('a'), ['ns', 'p', 'x']);
    store.add(obj('b'), ['ns', 'q', 'x']);
    store.update(obj('a'), ['ns', 'p', 'y']);
    expect(names(store.getSync(['ns']))).toEqual(['a', 'b']);
    store.add(obj('c'), ['ns', 'p', 'x']);
    // x under p was pruned, so it is re-created after y.
    expect(names(store.getSync(['ns']))).toEqual(['a', 'c', 'b']);
  });
});
