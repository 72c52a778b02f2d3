import type { KubeObject } from '@kw/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyCountError, MemoryStore, objectId } from './index';

interface Obj extends KubeObject {
  v: number;
}

type Op =
  | { type: 'add' | 'update'; name: string; namespace: string | undefined; keys: string[]; v: number }
  | { type: 'delete'; name: string; namespace: string | undefined }
  | { type: 'clear' }
  | { type: 'badWrite'; name: string; extra: boolean };

const ALPHABET = ['a', 'b', 'c'];
const NAMES = ['n1', 'n2', 'n3', 'n4'];
const NAMESPACES = [undefined, 'x', 'y'];
const ALL_IDS = NAMES.flatMap((n) => NAMESPACES.map((ns) => (ns === undefined ? n : `${ns}/${n}`)));

const make = (name: string, namespace: string | undefined, v = 0): Obj => ({
  kind: 'Thing',
  metadata: namespace === undefined ? { name } : { name, namespace },
  v,
});

const bodies = new WeakMap<Op, Obj>();
/** The body an add/update op writes: one instance per op, shared by store and model. */
function bodyOf(op: Extract<Op, { type: 'add' | 'update' }>): Obj {
  let obj = bodies.get(op);
  if (obj === undefined) {
    obj = make(op.name, op.namespace, op.v);
    bodies.set(op, obj);
  }
  return obj;
}

function opArb(keyCount: number): fc.Arbitrary<Op> {
  const name = fc.constantFrom(...NAMES);
  const namespace = fc.constantFrom(...NAMESPACES);
  const keys = fc.array(fc.constantFrom(...ALPHABET), { minLength: keyCount, maxLength: keyCount });
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ type: fc.constant('add' as const), name, namespace, keys, v: fc.nat(9) }) },
    { weight: 6, arbitrary: fc.record({ type: fc.constant('update' as const), name, namespace, keys, v: fc.nat(9) }) },
    { weight: 4, arbitrary: fc.record({ type: fc.constant('delete' as const), name, namespace }) },
    { weight: 1, arbitrary: fc.constant({ type: 'clear' as const }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('badWrite' as const), name, extra: fc.boolean() }) },
  );
}

const scenario = fc.integer({ min: 1, max: 3 }).chain((keyCount) =>
  fc.record({
    keyCount: fc.constant(keyCount),
    configured: fc.boolean(),
    ops: fc.array(opArb(keyCount), { maxLength: 60 }),
  }),
);

/** Every key prefix of depth 1..keyCount over the alphabet. */
function allPrefixes(keyCount: number): string[][] {
  const out: string[][] = [];
  let level: string[][] = [[]];
  for (let d = 1; d <= keyCount; d++) {
    level = level.flatMap((p) => ALPHABET.map((k) => [...p, k]));
    out.push(...level);
  }
  return out;
}

/** Applies `op` to the store, asserting that a bad write throws. */
function apply(store: MemoryStore<Obj>, op: Op, keyCount: number): void {
  switch (op.type) {
    case 'add':
      store.add(bodyOf(op), op.keys);
      return;
    case 'update':
      store.update(bodyOf(op), op.keys);
      return;
    case 'delete':
      store.delete(make(op.name, op.namespace));
      return;
    case 'clear':
      store.clear();
      return;
    case 'badWrite': {
      // Before the key count is known (unconfigured, nothing written), only no keys is wrong.
      const known = store.keyCount !== undefined;
      const keys = known ? Array.from({ length: op.extra ? keyCount + 1 : keyCount - 1 }, () => 'a') : [];
      expect(() => store.add(make(op.name, undefined), keys)).toThrow(KeyCountError);
    }
  }
}

interface ModelEntry {
  id: string;
  obj: Obj;
  keys: string[];
}

/** A trivially correct store: an array searched linearly. */
function applyModel(model: ModelEntry[], op: Op): ModelEntry[] {
  switch (op.type) {
    case 'add':
    case 'update': {
      const obj = bodyOf(op);
      const id = objectId(obj);
      return [...model.filter((e) => e.id !== id), { id, obj, keys: op.keys }];
    }
    case 'delete': {
      const id = objectId(make(op.name, op.namespace));
      return model.filter((e) => e.id !== id);
    }
    case 'clear':
      return [];
    case 'badWrite':
      return model;
  }
}

const byId = (objs: readonly Obj[]) =>
  objs.map((o) => [objectId(o), o.v] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('MemoryStore properties', () => {
  it('answers every lookup like a linear-scan model after every operation', () => {
    fc.assert(
      fc.property(scenario, ({ keyCount, configured, ops }) => {
        const store = new MemoryStore<Obj>(configured ? { keyCount } : {});
        const prefixes = allPrefixes(keyCount);
        let model: ModelEntry[] = [];
        for (const op of ops) {
          apply(store, op, keyCount);
          model = applyModel(model, op);

          expect(store.sizeSync()).toBe(model.length);
          expect(byId(store.listSync())).toEqual(byId(model.map((e) => e.obj)));
          for (const id of ALL_IDS) {
            const entry = model.find((e) => e.id === id);
            expect(store.getByIdSync(id)).toBe(entry?.obj);
            expect(store.keysOf(id)).toEqual(entry?.keys);
          }
          if (store.keyCount === undefined) continue;
          for (const prefix of prefixes) {
            const expected = model.filter((e) => prefix.every((k, i) => e.keys[i] === k)).map((e) => e.obj);
            expect(byId(store.getSync(prefix))).toEqual(byId(expected));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives two stores fed the same operations identical order in every lookup', () => {
    fc.assert(
      fc.property(scenario, ({ keyCount, ops }) => {
        const one = new MemoryStore<Obj>();
        const two = new MemoryStore<Obj>();
        const prefixes = allPrefixes(keyCount);
        const order = (objs: readonly Obj[]) => objs.map((o) => `${objectId(o)}@${o.v}`);
        for (const op of ops) {
          apply(one, op, keyCount);
          apply(two, op, keyCount);
        }
        expect(order(one.listSync())).toEqual(order(two.listSync()));
        if (one.keyCount === undefined) return;
        for (const prefix of prefixes) expect(order(one.getSync(prefix))).toEqual(order(two.getSync(prefix)));
      }),
      { numRuns: 300 },
    );
  });
});
