import { MemoryStore } from '@kw/store-memory';
import type { KubeObject } from '@kw/types';
import { test } from 'vitest';
import { CachedStore } from '../src/index';

// Lookups that hit the cache (the fake fetcher runs once per object, while warming), next to
// MemoryStore holding the same objects.
const COUNT = 10_000;
const GROUPS = 100;
const RUN = { time: 300, warmupTime: 100 };

const objects = Array.from({ length: COUNT }, (_, i) => ({
  kind: 'Secret',
  metadata: { namespace: 'ns', name: `s${i}`, resourceVersion: '1' },
  data: { payload: 'x'.repeat(100) },
}));
const keysOf = (i: number) => [`g${i % GROUPS}`, `s${i}`];

test(`lookups on hit, ${COUNT.toLocaleString('en-US')} objects in ${GROUPS} groups`, async ({ bench }) => {
  const bodies = new Map<string, KubeObject>(objects.map((o) => [`ns/${o.metadata.name}`, o]));
  const cached = new CachedStore({ fetch: async (ns, name) => bodies.get(`${ns}/${name}`), maxEntries: COUNT });
  const memory = new MemoryStore();
  objects.forEach((o, i) => {
    cached.add(o, keysOf(i));
    memory.add(o, keysOf(i));
  });
  await cached.list();
  let i = 0;
  await bench.compare(
    bench('MemoryStore get(full key) → 1 object', async () => {
      await memory.get(keysOf(i++ % COUNT));
    }),
    bench('CachedStore get(full key) → 1 object', async () => {
      await cached.get(keysOf(i++ % COUNT));
    }),
    bench(`MemoryStore get(partial key) → ${COUNT / GROUPS} objects`, async () => {
      await memory.get([`g${i++ % GROUPS}`]);
    }),
    bench(`CachedStore get(partial key) → ${COUNT / GROUPS} objects`, async () => {
      await cached.get([`g${i++ % GROUPS}`]);
    }),
    bench('CachedStore getById → 1 object', async () => {
      await cached.getById(`ns/s${i++ % COUNT}`);
    }),
    RUN,
  );
  if (cached.stats().fetches !== COUNT) throw new Error(`expected only warm-up fetches, got ${cached.stats().fetches}`);
});
