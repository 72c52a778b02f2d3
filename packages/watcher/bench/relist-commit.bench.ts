import { MemoryStore } from '@kw/store-memory';
import type { KeyExtractor, KubeObject, Store, StoreDiff } from '@kw/types';
import { test } from 'vitest';
import { StoreWriter } from '../src/store-writer';
import type { WatchStep } from '../src/watch-step';

// The event-loop block a relist's commit costs at 100k objects: from the start of the one
// store.replace call to the end of the change announcements (the writer's `listed` call), which run
// without yielding. Each iteration is a whole relist (staging 100k initApply steps and the sweep of
// known ids are time-sliced, so not part of the block); the block times are printed after each run.

const SIZE = 100_000;
const RUN = { time: 0, iterations: 4, warmupIterations: 1 };

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
    metadata: {
      name: `cm-${i}`,
      namespace: `ns-${i % 50}`,
      resourceVersion: String(rv),
      labels: { app: `a${i % 100}` },
    },
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
  const store = memoryStore() as MemoryStore & Store;
  const blocks: number[] = [];
  const cpu: number[] = [];
  let commitStart = 0;
  let cpuStart = process.cpuUsage();
  const replace = store.replace?.bind(store);
  store.replace = (d: StoreDiff) => {
    commitStart = performance.now();
    cpuStart = process.cpuUsage();
    return replace?.(d);
  };
  const signal = new AbortController().signal;
  const writer = new StoreWriter({
    store,
    keys,
    maxAtomicDiff: Number.POSITIVE_INFINITY,
    report: (error) => {
      throw error;
    },
    changed: () => {},
    listed: () => {
      if (commitStart > 0) {
        blocks.push(performance.now() - commitStart);
        const used = process.cpuUsage(cpuStart);
        cpu.push((used.user + used.system) / 1000);
      }
      commitStart = 0;
    },
    resource: () => undefined,
    signal,
  });
  const run = async (steps: Iterable<WatchStep<KubeObject>>) => {
    for (const step of steps) await writer.apply(step);
  };
  await run(listing(0, false));
  let round = 0;
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
    cpu,
    store,
    async relist(): Promise<void> {
      round++;
      await run(listing(round, round % 2 === 1));
      await writer.apply({ type: 'initDone', rv: String(round) });
    },
  };
}

/** Median and max, ms. */
function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms`;
}

/** Wall time is the block; CPU time (this process, user + system) is what it costs on an idle core. */
function report(label: string, r: { blocks: number[]; cpu: number[] }): void {
  console.log(`${label}: commit block ${stats(r.blocks)}; CPU ${stats(r.cpu)} (${r.blocks.length} relists)`);
}

test(`relist commit at ${SIZE.toLocaleString('en-US')} objects: StoreWriter initDone → one MemoryStore replace`, async ({
  bench,
}) => {
  for (const diff of [2_000, 25_000, 50_000]) {
    const r = await relister(diff);
    const label = `diff ${diff.toLocaleString('en-US')}`;
    await bench(`${label} (whole relist; block printed)`, () => r.relist()).run(RUN);
    report(label, r);
  }
}, 600_000);
