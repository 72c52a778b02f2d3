import type { KubeObject } from '@kw/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CachedStore } from './index';

interface Obj extends KubeObject {
  data?: { v: number };
}

type Op =
  | { type: 'add' | 'update'; namespace: string; name: string; keys: string[]; metadataOnly: boolean }
  | { type: 'delete'; namespace: string; name: string }
  | { type: 'clear' };

/**
 * The reference model: entries by identity, each with the time it was placed under its current
 * keys; key-segment nodes with the time they came into existence (a node lives while some entry
 * is under it). Lookup order: by the birth of each key segment, then by placement.
 */
class Model {
  readonly entries = new Map<string, { keys: string[]; placed: number; body: Obj }>();
  private readonly born = new Map<string, number>();
  private tick = 0;

  write(id: string, keys: string[], body: Obj): void {
    const old = this.entries.get(id);
    const same = old !== undefined && JSON.stringify(old.keys) === JSON.stringify(keys);
    this.entries.set(id, { keys, placed: same ? old.placed : this.tick++, body });
    this.settle();
  }

  delete(id: string): boolean {
    const had = this.entries.delete(id);
    this.settle();
    return had;
  }

  clear(): void {
    this.entries.clear();
    this.settle();
  }

  lookup(prefix: string[]): Obj[] {
    return this.ordered()
      .filter((e) => prefix.every((k, i) => e.keys[i] === k))
      .map((e) => e.body);
  }

  ordered() {
    const rank = (keys: string[]) => keys.map((_, i) => this.born.get(path(keys, i + 1))!);
    return [...this.entries.values()].sort((a, b) => {
      const ra = [...rank(a.keys), a.placed];
      const rb = [...rank(b.keys), b.placed];
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
      return 0;
    });
  }

  private settle(): void {
    const live = new Set<string>();
    for (const { keys } of this.entries.values()) {
      for (let i = 1; i <= keys.length; i++) {
        const p = path(keys, i);
        live.add(p);
        if (!this.born.has(p)) this.born.set(p, this.tick++);
      }
    }
    for (const p of this.born.keys()) if (!live.has(p)) this.born.delete(p);
  }
}

const path = (keys: string[], n: number) => JSON.stringify(keys.slice(0, n));

function opArb(keyCount: number): fc.Arbitrary<Op> {
  const namespace = fc.constantFrom('x', 'y');
  const name = fc.constantFrom('n1', 'n2', 'n3', 'n4');
  const keys = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: keyCount, maxLength: keyCount });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constantFrom('add', 'update'),
        namespace,
        name,
        keys,
        metadataOnly: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('delete'), namespace, name }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('clear') }) },
  ) as fc.Arbitrary<Op>;
}

describe('CachedStore ref index (property)', () => {
  it('answers every lookup like the model, after any sequence of writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 3 })
          .chain((keyCount) =>
            fc.tuple(
              fc.constant(keyCount),
              fc.array(opArb(keyCount), { maxLength: 40 }),
              fc.integer({ min: 1, max: 4 }),
            ),
          ),
        async ([keyCount, ops, maxEntries]) => {
          const server = new Map<string, Obj>();
          const store = new CachedStore<Obj>({
            fetch: async (namespace, name) => structuredClone(server.get(`${namespace}/${name}`)),
            maxEntries,
          });
          const model = new Model();
          let version = 0;
          for (const op of ops) {
            if (op.type === 'clear') {
              store.clear();
              model.clear();
              server.clear();
            } else if (op.type === 'delete') {
              const id = `${op.namespace}/${op.name}`;
              const obj = { metadata: { namespace: op.namespace, name: op.name } };
              expect(store.delete(obj)).toBe(model.delete(id));
              server.delete(id);
            } else {
              const id = `${op.namespace}/${op.name}`;
              const metadata = { namespace: op.namespace, name: op.name, resourceVersion: String(++version) };
              const body: Obj = { kind: 'Thing', metadata, data: { v: version } };
              server.set(id, body);
              const written: Obj = op.metadataOnly
                ? { kind: 'PartialObjectMetadata', metadata: { ...metadata } }
                : structuredClone(body);
              store[op.type](written, op.keys);
              model.write(id, op.keys, body);
            }
            expect(await store.size()).toBe(model.entries.size);
            expect(await store.list()).toEqual(model.lookup([]));
            const prefixes = new Set<string>();
            for (const { keys } of model.entries.values()) {
              for (let i = 1; i <= keyCount; i++) prefixes.add(path(keys, i));
            }
            prefixes.add(path(['a', 'b', 'c'], keyCount));
            for (const p of prefixes) {
              const prefix = JSON.parse(p) as string[];
              expect(await store.get(prefix)).toEqual(model.lookup(prefix));
            }
            for (const ns of ['x', 'y']) {
              for (const name of ['n1', 'n2', 'n3', 'n4']) {
                const id = `${ns}/${name}`;
                expect(await store.getById(id)).toEqual(model.entries.get(id)?.body);
              }
            }
            const stats = store.stats();
            expect(stats.refs).toBe(model.entries.size);
            expect(stats.entries).toBeLessThanOrEqual(maxEntries);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
