import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContractObject, obj, tag, tags } from './contract-object';
import { type Contract, Harness, type StoreContractEnv } from './store-harness';
import { Model } from './store-model';
import { ALL_IDS, allPrefixes, applyOp, scenario } from './store-ops';

/**
 * The conformance suite of the {@link Store} contract: identity, moves on key change, deletes of
 * exactly one identity, lookup order, partial-key lookups, rejections of bad key counts and
 * objects without identity, `replace` (when the store has it: validation before mutation,
 * atomicity for readers, same result as entry-by-entry writes), and a fast-check property test
 * against a linear-scan model that also predicts the order of every `get`. `makeStore` gets the
 * key count to configure (when the test configures one) and a fetcher serving what the suite wrote.
 */
export function describeStoreContract(name: string, makeStore: (env: StoreContractEnv) => Contract): void {
  const harness = (keyCount?: number) => new Harness(makeStore, keyCount);

  describe(`${name} conformance: identity`, () => {
    it('identifies namespaced objects by namespace/name and cluster-scoped ones by name', async () => {
      const h = harness();
      const namespaced = await h.add(obj('a', 'ns1'), ['k']);
      const cluster = await h.add(obj('a'), ['k']);
      expect(tag((await h.store.getById('ns1/a'))!)).toBe(tag(namespaced));
      expect(tag((await h.store.getById('a'))!)).toBe(tag(cluster));
      expect(await h.store.getById('ns2/a')).toBeUndefined();
      expect(await h.store.size()).toBe(2);
    });

    it('replaces an object added again with the same identity', async () => {
      const h = harness();
      await h.add(obj('a', 'ns'), ['k']);
      const second = await h.add(obj('a', 'ns'), ['k']);
      expect(await h.store.size()).toBe(1);
      expect(tags(await h.store.get(['k']))).toEqual([tag(second)]);
    });

    it('adds on update when the object is absent', async () => {
      const h = harness();
      const a = await h.update(obj('a'), ['k']);
      expect(tags(await h.store.get(['k']))).toEqual([tag(a)]);
    });

    it('moves an object to its new key when a label changes', async () => {
      const h = harness();
      await h.add(obj('a', 'ns'), ['ns', 'blue']);
      const b = await h.add(obj('b', 'ns'), ['ns', 'blue']);
      const moved = await h.update(obj('a', 'ns'), ['ns', 'green']);
      expect(tags(await h.store.get(['ns', 'blue']))).toEqual([tag(b)]);
      expect(tags(await h.store.get(['ns', 'green']))).toEqual([tag(moved)]);
      expect(tags(await h.store.get(['ns']))).toEqual([tag(b), tag(moved)]);
      expect(await h.store.size()).toBe(2);
    });

    it('deletes exactly the given identity when others share its full key, whatever body is passed', async () => {
      const h = harness();
      const [a, , c] = [
        await h.add(obj('a', 'ns'), ['k']),
        await h.add(obj('b', 'ns'), ['k']),
        await h.add(obj('c', 'ns'), ['k']),
      ];
      expect(await h.delete(obj('b', 'ns'))).toBe(true);
      expect(await h.delete(obj('b', 'ns'))).toBe(false);
      expect(await h.delete(obj('a', 'other'))).toBe(false);
      expect(tags(await h.store.get(['k']))).toEqual([tag(a), tag(c)]);
      expect(await h.store.getById('ns/b')).toBeUndefined();
      expect(await h.store.size()).toBe(2);
    });

    it('forgets everything on clear() and keeps enforcing a learned key count', async () => {
      const h = harness();
      await h.add(obj('a'), ['x', 'y']);
      await h.clear();
      expect(await h.store.size()).toBe(0);
      expect(await h.store.list()).toEqual([]);
      expect(await h.store.get(['x'])).toEqual([]);
      await expect(async () => h.store.add(obj('b'), ['x'])).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
    });
  });

  describe(`${name} conformance: lookups and order`, () => {
    it('answers full keys and leading partial keys of every depth, nothing for unknown keys', async () => {
      const h = harness();
      const rows: [string, string, string][] = [
        ['p1', 'ns1', 'a'],
        ['p2', 'ns1', 'a'],
        ['p3', 'ns1', 'b'],
        ['p4', 'ns2', 'a'],
        ['p5', 'ns2', 'c'],
      ];
      const written = new Map<string, string>();
      for (const [n, ns, label] of rows) written.set(n, tag(await h.add(obj(n, ns), [ns, label, n])));
      const expectNames = async (keys: string[], names: string[]) =>
        expect(tags(await h.store.get(keys))).toEqual(names.map((n) => written.get(n)));
      await expectNames(['ns1', 'a', 'p2'], ['p2']);
      await expectNames(['ns1'], ['p1', 'p2', 'p3']);
      await expectNames(['ns1', 'a'], ['p1', 'p2']);
      await expectNames(['ns2'], ['p4', 'p5']);
      await expectNames(['ns3'], []);
      await expectNames(['ns1', 'c'], []);
      await expectNames(['ns1', 'a', 'p3'], []);
      expect(await h.state()).toEqual([...written.values()].sort());
    });

    it('groups results by key path in first-creation order of each segment, insertion order within a full key', async () => {
      const h = harness();
      const o = [obj('1'), obj('2'), obj('3'), obj('4'), obj('5')];
      await h.add(o[0]!, ['b', 'y']);
      await h.add(o[1]!, ['a', 'x']);
      await h.add(o[2]!, ['b', 'x']);
      await h.add(o[3]!, ['b', 'y']);
      await h.add(o[4]!, ['a', 'x']);
      expect(tags(await h.store.get(['b']))).toEqual([o[0]!, o[3]!, o[2]!].map(tag));
      expect(tags(await h.store.get(['a']))).toEqual([o[1]!, o[4]!].map(tag));
    });

    it('keeps the place of an object replaced without a key change', async () => {
      const h = harness();
      for (const n of ['a', 'b', 'c']) await h.add(obj(n), ['k']);
      const a2 = await h.update(obj('a'), ['k']);
      const b2 = await h.add(obj('b'), ['k']);
      expect(tags(await h.store.get(['k']))).toEqual([tag(a2), tag(b2), tag((await h.store.getById('c'))!)]);
    });

    it('prunes emptied segments, so a re-created one goes last', async () => {
      const h = harness();
      const a = await h.add(obj('a'), ['ns', 'p', 'x']);
      const b = await h.add(obj('b'), ['ns', 'q', 'x']);
      await h.delete(a);
      const c = await h.add(obj('c'), ['ns', 'p', 'x']);
      expect(tags(await h.store.get(['ns']))).toEqual([tag(b), tag(c)]);
    });

    it('keeps a shared prefix in place when its only object moves below it', async () => {
      const h = harness();
      await h.add(obj('a'), ['ns', 'p', 'x']);
      const b = await h.add(obj('b'), ['ns', 'q', 'x']);
      const a = await h.update(obj('a'), ['ns', 'p', 'y']);
      expect(tags(await h.store.get(['ns']))).toEqual([tag(a), tag(b)]);
      const c = await h.add(obj('c'), ['ns', 'p', 'x']);
      expect(tags(await h.store.get(['ns']))).toEqual([tag(a), tag(c), tag(b)]);
    });

    it('returns a new array on every lookup', async () => {
      const h = harness();
      await h.add(obj('a'), ['k']);
      (await h.store.get(['k'])).pop();
      (await h.store.list()).pop();
      expect(await h.store.get(['k'])).toHaveLength(1);
      expect(await h.store.list()).toHaveLength(1);
    });
  });

  describe(`${name} conformance: rejections`, () => {
    it('rejects a write with another key count than the configured one, and writes nothing', async () => {
      const h = harness(2);
      await expect(async () => h.store.add(obj('a'), ['x'])).rejects.toMatchObject({
        code: 'KW_KEY_COUNT',
        expected: 2,
        value: ['x'],
      });
      await expect(async () => h.store.update(obj('a'), ['x', 'y', 'z'])).rejects.toMatchObject({
        code: 'KW_KEY_COUNT',
      });
      expect(await h.store.size()).toBe(0);
    });

    it('enforces the key count learned from the first write; rejects a write with no keys', async () => {
      const h = harness();
      await expect(async () => h.store.add(obj('a'), [])).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
      await h.add(obj('a'), ['x', 'y']);
      await expect(async () => h.store.add(obj('b'), ['x'])).rejects.toMatchObject({
        code: 'KW_KEY_COUNT',
        expected: 2,
      });
      expect(await h.store.size()).toBe(1);
    });

    it('rejects writes and deletes of an object without metadata.name, naming it', async () => {
      const h = harness();
      const nameless = { kind: 'Pod', metadata: { namespace: 'ns' } } as unknown as ContractObject;
      await expect(async () => h.store.add(nameless, ['k'])).rejects.toMatchObject({
        code: 'KW_MISSING_IDENTITY',
        value: nameless,
        message: expect.stringContaining('metadata.name'),
      });
      await expect(async () => h.store.delete(nameless)).rejects.toMatchObject({ code: 'KW_MISSING_IDENTITY' });
      expect(await h.store.size()).toBe(0);
    });

    it('rejects get() with no keys or more keys than indexed; finds nothing before the first write', async () => {
      const h = harness();
      expect(await h.store.get(['a', 'b', 'c'])).toEqual([]);
      await h.add(obj('a'), ['x']);
      await expect(h.store.get([])).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
      await expect(h.store.get(['x', 'y'])).rejects.toMatchObject({ code: 'KW_KEY_COUNT', expected: 1 });
    });
  });

  describe(`${name} conformance: replace(diff)`, () => {
    const probe = makeStore({ fetch: async () => undefined });
    const hasReplace = typeof probe.replace === 'function';

    it.skipIf(!hasReplace)('commits upserts (adds, in-place updates, moves) and deletes in one call', async () => {
      const h = harness();
      const a = await h.add(obj('a', 'ns'), ['t1', 'x']);
      await h.add(obj('b', 'ns'), ['t1', 'x']);
      await h.add(obj('c', 'ns'), ['t2', 'x']);
      const c2 = obj('c', 'ns');
      const d = obj('d', 'ns');
      const a2 = obj('a', 'ns');
      await h.replace({
        upserts: [
          { obj: c2, keys: ['t2', 'x'] },
          { obj: d, keys: ['t1', 'y'] },
          { obj: a2, keys: ['t3', 'x'] },
        ],
        deletes: [obj('b', 'ns'), obj('absent', 'ns')],
      });
      expect(await h.state()).toEqual([a2, c2, d].map(tag).sort());
      expect(tags(await h.store.get(['t1']))).toEqual([tag(d)]);
      expect(tags(await h.store.get(['t3', 'x']))).toEqual([tag(a2)]);
      expect(await h.store.getById('ns/b')).toBeUndefined();
      expect(tag(a)).not.toBe(tag(a2));
    });

    it.skipIf(!hasReplace)(
      'validates every entry before mutating: a bad key count or identity leaves the old state',
      async () => {
        const h = harness();
        await h.add(obj('a'), ['x', 'y']);
        await h.add(obj('b'), ['x', 'z']);
        const before = await h.state();
        const beforeX = tags(await h.store.get(['x']));
        await expect(async () =>
          h.replace({
            upserts: [
              { obj: obj('a'), keys: ['q', 'y'] },
              { obj: obj('c'), keys: ['x', 'y'] },
              { obj: obj('d'), keys: ['x'] },
            ],
            deletes: [obj('b')],
          }),
        ).rejects.toMatchObject({ code: 'KW_KEY_COUNT', value: ['x'] });
        await expect(async () =>
          h.replace({
            upserts: [{ obj: obj('c'), keys: ['x', 'y'] }],
            deletes: [obj('a'), { metadata: { namespace: 'ns' } } as unknown as ContractObject],
          }),
        ).rejects.toMatchObject({ code: 'KW_MISSING_IDENTITY' });
        expect(await h.state()).toEqual(before);
        expect(tags(await h.store.get(['x']))).toEqual(beforeX);
      },
    );

    it.skipIf(!hasReplace)('does not learn a key count from a rejected diff', async () => {
      const h = harness();
      await expect(async () =>
        h.replace({
          upserts: [
            { obj: obj('a'), keys: ['x', 'y'] },
            { obj: obj('b'), keys: ['x'] },
          ],
          deletes: [],
        }),
      ).rejects.toMatchObject({ code: 'KW_KEY_COUNT' });
      await h.add(obj('c'), ['x', 'y', 'z']);
      expect(await h.store.size()).toBe(1);
    });

    it.skipIf(!hasReplace)('shows readers the state before or after, never a mix', async () => {
      const h = harness();
      const objects = Array.from({ length: 50 }, (_, i) => obj(`o${i}`, 'ns'));
      for (const [i, o] of objects.entries()) await h.add(o, [`g${i % 5}`, o.metadata!.name!]);
      const before = await h.state();
      const upserts = objects
        .slice(0, 25)
        .map((o, i) => ({ obj: obj(o.metadata!.name!, 'ns'), keys: [`h${i % 3}`, o.metadata!.name!] }));
      const deletes = objects.slice(25, 40);
      // Reads issued while the commit runs (an async replace) or right after it (a sync one).
      const samples: Promise<string[]>[] = [];
      const committed = h.replace({ upserts, deletes });
      for (let i = 0; i < 5; i++) samples.push(h.state());
      await committed;
      const after = await h.state();
      expect(after).not.toEqual(before);
      expect(after).toHaveLength(35);
      for (const sample of await Promise.all(samples)) expect([before, after]).toContainEqual(sample);
    });
  });

  describe(`${name} conformance: properties`, () => {
    it('answers every lookup like a linear-scan model, in the order it predicts, after every operation', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ keyCount, configured, ops }) => {
          const h = harness(configured ? keyCount : undefined);
          const model = new Model(configured ? keyCount : undefined);
          const prefixes = allPrefixes(keyCount);
          for (const op of ops) {
            if (op.type === 'replace' && h.store.replace === undefined) continue;
            await applyOp(h, model, op);
            expect(await h.store.size()).toBe(model.size);
            expect(await h.state()).toEqual(model.list().sort());
            for (const id of ALL_IDS) {
              const found = await h.store.getById(id);
              expect(found === undefined ? undefined : tag(found)).toBe(model.byId(id));
            }
            if (model.keyCount === undefined) continue;
            for (const prefix of prefixes) expect(tags(await h.store.get(prefix))).toEqual(model.get(prefix));
          }
        }),
        { numRuns: 150 },
      );
    });
  });
}
