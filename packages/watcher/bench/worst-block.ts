/**
 * The worst single synchronous write at 1M objects: a first listing of small ConfigMaps in one
 * namespace applied through `StoreWriter` into a `MemoryStore` and a `CachedStore` (its index) at
 * once, keys [namespace, name], so every map kw keeps grows in step. Each `apply` is timed on its
 * own, in wall time and in main-thread CPU time (which leaves out time the OS gave to other
 * processes: on a busy machine the wall figure includes preemption); GC pauses (PerformanceObserver
 * 'gc') are reported apart, and a write that overlaps one is counted under "with GC".
 * Run from packages/watcher:
 *   node --expose-gc bench/worst-block.ts [count=1000000]
 */
import { registerHooks } from 'node:module';
import { PerformanceObserver, performance } from 'node:perf_hooks';

// Resolve like the tests do: sibling @kw/* packages to their TS source (the "@kw/source"
// condition), and src's extension-less relative imports (bundler resolution) to .ts files.
registerHooks({
  resolve(specifier, context, nextResolve) {
    const ctx = { ...context, conditions: ['@kw/source', ...context.conditions] };
    if (/^\.\.?\//.test(specifier) && !/\.[cm]?[jt]s$/.test(specifier)) return nextResolve(`${specifier}.ts`, ctx);
    return nextResolve(specifier, ctx);
  },
});

type Obj = import('@kw/types').KubeObject & { data?: Record<string, string> };
type Store = import('@kw/types').Store<Obj>;
const { StoreWriter } = await import('../src/store-writer');
const { MemoryStore } = await import('@kw/store-memory');
// By path: @kw/store-cached devDepends on @kw/watcher, so a devDependency back would be a build cycle.
const { CachedStore } = await import('../../store-cached/src/index');
const { Indexer } = await import('@kw/indexer');

const count = Number(process.argv[2] ?? 1_000_000);
const memory = new MemoryStore<Obj>({ keyCount: 2 });
const cached = new CachedStore<Obj>({ fetch: async () => undefined, maxEntries: 1 });
/** Writes go to both stores; reads are not exercised. */
const both: Store = {
  get: (keys) => memory.get(keys),
  getById: (id) => memory.getById(id),
  list: () => memory.list(),
  size: () => memory.size(),
  add: (obj, keys) => {
    memory.add(obj, keys);
    cached.add(obj, keys);
  },
  update: (obj, keys) => {
    memory.update(obj, keys);
    cached.update(obj, keys);
  },
  delete: (obj) => memory.delete(obj) && cached.delete(obj),
  clear: () => {
    memory.clear();
    cached.clear();
  },
};
const writer = new StoreWriter<Obj>({
  store: both,
  keys: new Indexer({ indexBy: ['metadata.namespace', 'metadata.name'] }),
  maxAtomicDiff: 10_000,
  report: (error, message) => console.error(error.code, message),
  changed: () => {},
  listed: () => {},
  resource: () => undefined,
  signal: new AbortController().signal,
});

const gcs: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });

/** Writes slower than this are kept, to be matched against GC pauses. */
const SLOW_MS = 2;
const slow: { index: number; start: number; end: number; cpu: number }[] = [];
const cpuNow = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1e3;
};
const started = performance.now();
await writer.apply({ type: 'init' });
for (let i = 0; i < count; i++) {
  const obj: Obj = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${String(i).padStart(7, '0')}`, namespace: 'bench', resourceVersion: String(i + 1) },
    data: { k: 'v' },
  };
  const cpu = cpuNow();
  const start = performance.now();
  const done = writer.apply({ type: 'initApply', obj });
  const end = performance.now();
  if (end - start > SLOW_MS) slow.push({ index: i, start, end, cpu: cpuNow() - cpu });
  if (done instanceof Promise) await done;
  // A real listing yields between batches; let GC entries and timers through now and then.
  if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
}
await writer.apply({ type: 'initDone', rv: String(count) });
const total = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 100));

const overlapsGc = (w: { start: number; end: number }) => gcs.some((g) => g.start < w.end && g.end > w.start);
const worst = (ws: typeof slow) => ws.reduce((m, w) => Math.max(m, w.end - w.start), 0);
const worstCpu = (ws: typeof slow) => ws.reduce((m, w) => Math.max(m, w.cpu), 0);
const clean = slow.filter((w) => !overlapsGc(w));
const top = [...clean].sort((a, b) => b.cpu - a.cpu).slice(0, 5);
const ms = (n: number) => `${n.toFixed(1)} ms`;
console.log(
  `objects: ${count.toLocaleString('en-US')} (memory ${memory.sizeSync()}, cached refs ${await cached.size()})`,
);
console.log(`total: ${ms(total)}, ${((total * 1e3) / count).toFixed(2)} µs per object`);
console.log(`worst write without GC: ${ms(worstCpu(clean))} CPU, ${ms(worst(clean))} wall`);
console.log(`  top 5 by CPU: ${top.map((w) => `${ms(w.cpu)} @${w.index}`).join(', ')}`);
console.log(
  `worst write with GC: ${ms(worstCpu(slow.filter(overlapsGc)))} CPU, ${ms(worst(slow.filter(overlapsGc)))} wall`,
);
console.log(`writes over ${SLOW_MS} ms: ${slow.length} (${clean.length} without GC)`);
console.log(`worst GC pause: ${ms(gcs.reduce((m, g) => Math.max(m, g.end - g.start), 0))} of ${gcs.length}`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
