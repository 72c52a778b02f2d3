import type { KubeObject } from '@kw/types';
import { describe, test } from 'vitest';
import { MemoryStore } from '../src/index';
import { smallObject } from './fixtures';

type Obj = KubeObject & { metadata: { name: string; namespace: string; labels: { app: string } } };

const SIZES = [1_000, 10_000, 100_000];
/** Every store holds exactly this many objects in namespace `probe` (7 per app label), whatever its size. */
const PROBE = 49;
const RUN = { time: 300, warmupTime: 100 };

const keysOf = (o: Obj) => [o.metadata.namespace, o.metadata.labels.app, o.metadata.name];

function filledStore(size: number): MemoryStore<Obj> {
  const store = new MemoryStore<Obj>({ keyCount: 3 });
  for (let i = 0; i < size - PROBE; i++) {
    const o = smallObject(i, 100) as Obj;
    store.add(o, keysOf(o));
  }
  for (let i = 0; i < PROBE; i++) {
    const o: Obj = {
      kind: 'ConfigMap',
      metadata: { name: `probe-${i}`, namespace: 'probe', labels: { app: `a${i % 7}` } },
    };
    store.add(o, keysOf(o));
  }
  return store;
}

describe('lookups, keys [namespace, app, name]', () => {
  for (const size of SIZES) {
    test(`store of ${size.toLocaleString('en-US')} objects`, async ({ bench }) => {
      const store = filledStore(size);
      await bench.compare(
        bench('full key → 1 object (getSync)', () => {
          store.getSync(['probe', 'a3', 'probe-3']);
        }),
        bench(`partial [namespace, app] → ${PROBE / 7} objects (getSync)`, () => {
          store.getSync(['probe', 'a3']);
        }),
        bench(`partial [namespace] → ${PROBE} objects (getSync)`, () => {
          store.getSync(['probe']);
        }),
        bench(`partial [namespace] → ${PROBE} objects (await get)`, async () => {
          await store.get(['probe']);
        }),
        bench('partial [namespace], no match', () => {
          store.getSync(['absent']);
        }),
        bench('getByIdSync', () => {
          store.getByIdSync('probe/probe-3');
        }),
        RUN,
      );
    });
  }
});

const N = 10_000;
test(`writes, ${N.toLocaleString('en-US')} objects per iteration`, async ({ bench }) => {
  const objects = Array.from({ length: N }, (_, i) => smallObject(i, 100) as Obj);
  const keys = objects.map(keysOf);
  const moved = objects.map((o) => [o.metadata.namespace, 'moved', o.metadata.name]);
  let store = new MemoryStore<Obj>();
  const fill = () => {
    store = new MemoryStore<Obj>();
    for (let i = 0; i < N; i++) store.add(objects[i]!, keys[i]!);
  };
  await bench.compare(
    bench('add into an empty store', () => {
      const s = new MemoryStore<Obj>();
      for (let i = 0; i < N; i++) s.add(objects[i]!, keys[i]!);
    }),
    bench('update, keys unchanged (replace in place)', { beforeAll: fill }, () => {
      for (let i = 0; i < N; i++) store.update(objects[i]!, keys[i]!);
    }),
    bench('update, keys changed (move)', { beforeEach: fill }, () => {
      for (let i = 0; i < N; i++) store.update(objects[i]!, moved[i]!);
    }),
    bench('delete every object', { beforeEach: fill }, () => {
      for (let i = 0; i < N; i++) store.delete(objects[i]!);
    }),
    RUN,
  );
});
