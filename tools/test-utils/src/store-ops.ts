import fc from 'fast-check';
import { expect } from 'vitest';
import { idOf, obj } from './contract-object';
import type { Harness } from './store-harness';
import type { Model } from './store-model';

/** Random store operations for the property test, applied to a store and its model alike. */
const ALPHABET = ['a', 'b', 'c'];
const NAMES = ['n1', 'n2', 'n3', 'n4'];
const NAMESPACES = [undefined, 'x', 'y'];
export const ALL_IDS = NAMES.flatMap((n) => NAMESPACES.map((ns) => (ns === undefined ? n : `${ns}/${n}`)));

interface Write {
  name: string;
  namespace: string | undefined;
  keys: string[];
}
type Op =
  | ({ type: 'add' | 'update' } & Write)
  | { type: 'delete'; name: string; namespace: string | undefined }
  | { type: 'clear' }
  | { type: 'badWrite'; name: string; extra: boolean }
  | { type: 'replace'; upserts: Write[]; deletes: { name: string; namespace: string | undefined }[]; bad: boolean };

function opArb(keyCount: number): fc.Arbitrary<Op> {
  const name = fc.constantFrom(...NAMES);
  const namespace = fc.constantFrom(...NAMESPACES);
  const keys = fc.array(fc.constantFrom(...ALPHABET), { minLength: keyCount, maxLength: keyCount });
  const write = fc.record({ name, namespace, keys });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ type: fc.constantFrom('add' as const, 'update' as const), name, namespace, keys }),
    },
    { weight: 3, arbitrary: fc.record({ type: fc.constant('delete' as const), name, namespace }) },
    { weight: 1, arbitrary: fc.constant({ type: 'clear' as const }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('badWrite' as const), name, extra: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('replace' as const),
        upserts: fc.array(write, { maxLength: 6 }),
        deletes: fc.array(fc.record({ name, namespace }), { maxLength: 4 }),
        bad: fc.boolean(),
      }),
    },
  );
}

export const scenario = fc.integer({ min: 1, max: 3 }).chain((keyCount) =>
  fc.record({
    keyCount: fc.constant(keyCount),
    configured: fc.boolean(),
    ops: fc.array(opArb(keyCount), { maxLength: 40 }),
  }),
);

/** Every key prefix of depth 1..keyCount over the alphabet. */
export function allPrefixes(keyCount: number): string[][] {
  const out: string[][] = [];
  let level: string[][] = [[]];
  for (let d = 1; d <= keyCount; d++) {
    level = level.flatMap((p) => ALPHABET.map((k) => [...p, k]));
    out.push(...level);
  }
  return out;
}

export async function applyOp(h: Harness, model: Model, op: Op): Promise<void> {
  switch (op.type) {
    case 'add':
    case 'update': {
      const o = obj(op.name, op.namespace);
      await h[op.type](o, op.keys);
      model.put(o, op.keys);
      return;
    }
    case 'delete': {
      const o = obj(op.name, op.namespace);
      expect(await h.delete(o)).toBe(model.delete(idOf(o)));
      return;
    }
    case 'clear':
      await h.clear();
      model.clear();
      return;
    case 'badWrite': {
      // Before the key count is known, only no keys is wrong.
      const known = model.keyCount;
      const keys = known === undefined ? [] : Array.from({ length: op.extra ? known + 1 : known - 1 }, () => 'a');
      await expect(async () => h.store.add(obj(op.name), keys)).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
      return;
    }
    case 'replace': {
      const upserts = op.upserts.map((w) => ({ obj: obj(w.name, w.namespace), keys: w.keys }));
      const deletes = op.deletes.map((d) => obj(d.name, d.namespace));
      if (op.bad && upserts.length > 0) {
        const last = upserts[upserts.length - 1]!;
        upserts[upserts.length - 1] = { obj: last.obj, keys: [] };
        await expect(async () => h.replace({ upserts, deletes })).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
        return;
      }
      await h.replace({ upserts, deletes });
      for (const u of upserts) model.put(u.obj, u.keys);
      for (const d of deletes) model.delete(idOf(d));
    }
  }
}
