import type { KubeObject } from '@kw/types';
import { test } from 'vitest';
import { MemoryStore } from '../src/index';

// The atomic commit of a relist's diff: one synchronous replace() on a 100k store. Its mean time is
// the event-loop block a watcher pays for an atomic relist of that size (the budget is 50 ms).
const STORE = 100_000;
const DIFFS = [1_000, 10_000, 50_000];
const RUN = { time: 300, warmupTime: 0, iterations: 10, warmupIterations: 2 };

type Obj = KubeObject & { metadata: { name: string; namespace: string; resourceVersion: string } };
const object = (i: number, rv: number): Obj => ({
  kind: 'ConfigMap',
  metadata: { name: `cm-${i}`, namespace: `ns-${i % 20}`, resourceVersion: String(rv) },
});
const keysOf = (i: number, app = i % 50) => [`ns-${i % 20}`, `app-${app}`, `cm-${i}`];

const objects = Array.from({ length: STORE }, (_, i) => object(i, 1));

/** Half the diff changes existing objects (every other one moves to another app key), half deletes others. */
function diffOf(size: number) {
  const step = Math.floor(STORE / size);
  const upserts: { obj: Obj; keys: string[] }[] = [];
  const deletes: Obj[] = [];
  for (let j = 0; j < size; j++) {
    const i = j * step;
    if (j % 2 === 0) upserts.push({ obj: object(i, 2), keys: keysOf(i, j % 4 === 0 ? (i % 50) + 1 : i % 50) });
    else deletes.push(objects[i]!);
  }
  return { upserts, deletes };
}

/** The diff that undoes {@link diffOf}: changed objects back to their old version and keys, deleted ones back. */
function inverseOf(size: number) {
  const step = Math.floor(STORE / size);
  return {
    upserts: Array.from({ length: size }, (_, j) => ({ obj: objects[j * step]!, keys: keysOf(j * step) })),
    deletes: [],
  };
}

test(`replace(diff) on a store of ${STORE.toLocaleString('en-US')} objects`, { timeout: 300_000 }, async ({
  bench,
}) => {
  const store = new MemoryStore<Obj>({ keyCount: 3 });
  for (let i = 0; i < STORE; i++) store.add(objects[i]!, keysOf(i));
  await bench.compare(
    ...DIFFS.map((size) => {
      const diff = diffOf(size);
      const inverse = inverseOf(size);
      // Undo the measured commit before the next one, so every run starts from the same 100k store.
      const restore = () => store.replace(inverse);
      return bench(`replace: ${size.toLocaleString('en-US')} upserts+deletes`, { afterEach: restore }, () => {
        store.replace(diff);
      });
    }),
    RUN,
  );
});
