import { MemoryStore } from '@kw/store-memory';
import type { KeyExtractor, KubeObject, Store, StoreDiff } from '@kw/types';
import { test } from 'vitest';
import { StoreWriter } from '../src/store-writer';
import type { WatchStep } from '../src/watch-step';

// The block a relist's commit costs at 100k objects: the writer's initDone (sweep of the known ids,
// one store.replace call, the change announcements) runs without yielding, so its duration is the
// event-loop block. Each iteration is a whole relist (staging 100k initApply steps is not part of
// the block: the loop yields between them); the block times are printed after each run.

const SIZE = 100_000;
const RUN = { time: 0, iterations: 6, warmupIterations: 1 };

const keys: KeyExtractor = {
  indexBy: ['metadata.namespace', 'metadata.name'],
  metadataOnly: true,
  extractKeys: (o) => [o.metadata?.namespace ?? '', o.metadata?.name ?? ''],
  filterFields: (o) => o,
  matches: () => true,
};

function object(i: number, rv: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: `ns-${i % 50}`, resourceVersion: String(rv), labels: { app: `a${i % 100}` } },
  };
}

/**
 * MemoryStore gets its own `replace` on the stores branch; until that is merged, the same
 * synchronous loop over its public writes.
 */
function memoryStore(): MemoryStore {
  const store = new MemoryStore();
  const s = store as MemoryStore & Store;
  if (typeof s.replace !== 'function') {
    s.replace = (diff: StoreDiff) => {
      for (const { obj, keys: k } of diff.upserts) store.update(obj, k);
      for (const obj of diff.deletes) store.delete(obj);
    };
  }
  return store;
}

/** A writer synced with SIZE objects, and a relist whose diff is `diff` objects (half modified, half added or deleted). */
async function relister(diff: number) {
  const store = memoryStore();
  const signal = new AbortController().signal;
  const writer = new StoreWriter({
    store,
    keys,
    maxAtomicDiff: Number.POSITIVE_INFINITY,
    report: (error) => {
      throw error;
    },
    changed: () => {},
    listed: () => {},
    resource: () => undefined,
    signal,
  });
  const run = async (steps: Iterable<WatchStep<KubeObject>>) => {
    for (const step of steps) await writer.apply(step);
  };
  await run(listing(0, false));
  let round = 0;
  const blocks: number[] = [];
  function* listing(r: number, absent: boolean): Iterable<WatchStep<KubeObject>> {
    yield { type: 'init' };
    const half = diff / 2;
    for (let i = 0; i < SIZE; i++) {
      if (absent && i >= SIZE - half) continue;
      yield { type: 'initApply', obj: object(i, i < half ? r * SIZE + i + 1 : i + 1) };
    }
  }
  return {
    blocks,
    store,
    async relist(): Promise<void> {
      round++;
      await run(listing(round, round % 2 === 1));
      const started = performance.now();
      await writer.apply({ type: 'initDone', rv: String(round) });
      blocks.push(performance.now() - started);
    },
  };
}

function report(label: string, blocks: number[]): void {
  const sorted = [...blocks].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  console.log(`${label}: commit block median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms (${blocks.length} relists)`);
}

test(`relist commit at ${SIZE.toLocaleString('en-US')} objects: StoreWriter initDone → one MemoryStore replace`, async ({
  bench,
}) => {
  for (const diff of [2_000, 25_000, 50_000]) {
    const r = await relister(diff);
    const label = `diff ${diff.toLocaleString('en-US')}`;
    await bench(`${label} (whole relist; block printed)`, () => r.relist()).run(RUN);
    report(label, r.blocks);
  }
});
