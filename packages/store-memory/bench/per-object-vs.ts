/**
 * Per-object CPU of MemoryStore at 100k objects, this checkout against another one, in the same
 * process with alternating rounds: add (fill), getByIdSync, getSync of one full key, update in
 * place, and replace(diff) of every object. Prints the median of each over the rounds.
 * Run from packages/store-memory, with the root of the other checkout (e.g. `git archive main`):
 *   node bench/per-object-vs.ts /tmp/kw-old [rounds=7]
 */
import { registerHooks } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const ctx = { ...context, conditions: ['@kw/source', ...context.conditions] };
    if (/^\.\.?\//.test(specifier) && !/\.[cm]?[jt]s$/.test(specifier)) return nextResolve(`${specifier}.ts`, ctx);
    return nextResolve(specifier, ctx);
  },
});

type Obj = import('@kw/types').KubeObject;
type Store = import('../src/index').MemoryStore<Obj>;
const other = process.argv[2];
if (other === undefined) throw new Error('usage: node bench/per-object-vs.ts <root of the other checkout> [rounds]');
const rounds = Number(process.argv[3] ?? 7);
const stores = {
  this: (await import('../src/index')).MemoryStore,
  other: (await import(pathToFileURL(join(resolve(other), 'packages/store-memory/src/index.ts')).href)).MemoryStore,
} as Record<string, new (options?: { keyCount?: number }) => Store>;

const N = 100_000;
const objects: Obj[] = Array.from({ length: N }, (_, i) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `cm-${String(i).padStart(7, '0')}`, namespace: 'bench', resourceVersion: '1' },
}));
const keys = objects.map((o) => [o.metadata!.namespace!, o.metadata!.name!]);
const ids = objects.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`);
const order = Array.from({ length: N }, (_, i) => (i * 7919) % N); // a shuffled lookup order

function round(Store: new (options?: { keyCount?: number }) => Store): Record<string, number> {
  const ns = (start: number) => ((performance.now() - start) * 1e6) / N;
  let t = performance.now();
  const store = new Store({ keyCount: 2 });
  for (let i = 0; i < N; i++) store.add(objects[i]!, keys[i]!);
  const add = ns(t);
  let found = 0;
  t = performance.now();
  for (const i of order) if (store.getByIdSync(ids[i]!) !== undefined) found++;
  const getById = ns(t);
  t = performance.now();
  for (const i of order) found += store.getSync(keys[i]!).length;
  const get = ns(t);
  t = performance.now();
  for (const i of order) store.update(objects[i]!, keys[i]!);
  const update = ns(t);
  t = performance.now();
  store.replace({ upserts: order.map((i) => ({ obj: objects[i]!, keys: keys[i]! })), deletes: [] });
  const replace = ns(t);
  if (found !== 2 * N) throw new Error(`found ${found}`);
  return { add, getById, get, update, replace };
}

const results: Record<string, Record<string, number[]>> = { this: {}, other: {} };
for (let r = 0; r < rounds; r++) {
  for (const which of r % 2 === 0 ? ['this', 'other'] : ['other', 'this']) {
    for (const [op, value] of Object.entries(round(stores[which]!))) {
      const values = results[which]![op] ?? [];
      values.push(value);
      results[which]![op] = values;
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `MemoryStore, ${N.toLocaleString('en-US')} objects, keys [namespace, name], ns per object, median of ${rounds}`,
);
console.log('| op | this | other | this/other |\n| --- | ---: | ---: | ---: |');
for (const op of Object.keys(results.this!)) {
  const a = median(results.this![op]!);
  const b = median(results.other![op]!);
  console.log(`| ${op} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} |`);
}
