/**
 * Heap bytes per stored object. Run from packages/store-memory:
 *   node --expose-gc --experimental-strip-types bench/heap-per-object.ts
 * Prints a Markdown table (the README's figures).
 */
import { registerHooks } from 'node:module';

// Resolve like the tests do: sibling @kw/* packages to their TS source (the "@kw/source"
// condition), and src's extension-less relative imports (bundler resolution) to .ts files.
registerHooks({
  resolve(specifier, context, nextResolve) {
    const ctx = { ...context, conditions: ['@kw/source', ...context.conditions] };
    if (/^\.\.?\//.test(specifier) && !/\.[cm]?[jt]s$/.test(specifier)) return nextResolve(`${specifier}.ts`, ctx);
    return nextResolve(specifier, ctx);
  },
});

const { MemoryStore } = await import('../src/index');
const { Indexer } = await import('@kw/indexer');
const { KINDS, smallObject } = await import('./fixtures');

const indexBy = ['metadata.namespace', 'metadata.name'];
const plain = new Indexer({ indexBy });
// The watcher owns freshly decoded objects, so it may filter in place.
const filtering = new Indexer({
  indexBy,
  ignoreFields: ['metadata.managedFields', "metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']"],
  mutate: true,
});

type Obj = { metadata: { name: string; namespace: string; labels: { app: string } } };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const rows: string[] = [];
rows.push(
  '| object | JSON bytes | heap bytes/object, unfiltered | heap bytes/object, managedFields + last-applied removed |',
);
rows.push('|---|---:|---:|---:|');
for (const [kind, json] of Object.entries(KINDS)) {
  const n = kind === 'EndpointSlice' ? 1000 : 5000;
  const perObject = (filter: boolean) => {
    const before = heapUsed();
    let store: InstanceType<typeof MemoryStore> | undefined = new MemoryStore({ keyCount: 2 });
    for (let i = 0; i < n; i++) {
      const indexer = filter ? filtering : plain;
      const obj = indexer.filterFields(JSON.parse(json(i)));
      store.add(obj, indexer.extractKeys(obj));
    }
    const after = heapUsed();
    if (store.sizeSync() !== n) throw new Error('lost objects');
    store = undefined;
    return (after - before) / n;
  };
  perObject(false); // warm-up
  rows.push(`| ${kind} | ${fmt(json(1).length)} | ${fmt(perObject(false))} | ${fmt(perObject(true))} |`);
}

// Store overhead alone: the same objects held in an array, then also added to a store.
rows.push('');
rows.push('| index keys (100k small objects) | distinct full keys | store overhead bytes/object |');
rows.push('|---|---:|---:|');
const N = 100_000;
const shapes: [string, (o: Obj) => string[]][] = [
  ['[namespace, name] (unique)', (o) => [o.metadata.namespace, o.metadata.name]],
  ['[name] (unique)', (o) => [o.metadata.name]],
  ['[namespace]', (o) => [o.metadata.namespace]],
  ['[namespace, app label]', (o) => [o.metadata.namespace, o.metadata.labels.app]],
];
for (const [label, keysOf] of shapes) {
  const objects = Array.from({ length: N }, (_, i) => smallObject(i, 100) as unknown as Obj);
  const before = heapUsed();
  let store: InstanceType<typeof MemoryStore> | undefined = new MemoryStore();
  for (const o of objects) store.add(o as never, keysOf(o));
  const after = heapUsed();
  if (store.sizeSync() !== N) throw new Error('lost objects');
  store = undefined;
  const distinct = new Set(objects.map((o) => keysOf(o).join('\0'))).size;
  rows.push(`| ${label} | ${fmt(distinct)} | ${fmt((after - before) / N)} |`);
}

console.log(`Node ${process.version}\n`);
console.log(rows.join('\n'));
