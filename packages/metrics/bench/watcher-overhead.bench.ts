import { Indexer } from '@kw/indexer';
import { MemoryStore } from '@kw/store-memory';
import type { Instrumentation, KubeApi, KubeObject, ListPage, ResolvedResource, WatchEvent } from '@kw/types';
import { Watcher } from '@kw/watcher';
import { Registry } from 'prom-client';
import { test } from 'vitest';
import { Metrics } from '../src/index';

// A Watcher applying 20,000 MODIFIED events to a MemoryStore of 1,000 objects, one event per
// watch batch (the worst case for per-batch hooks: every event pays eventsApplied + storeSize +
// resourceVersion), without instrumentation and with @kw/metrics. The difference per event is
// what the metrics cost a watcher; the client's requestDone is once per request, not per event.
const RESOURCE: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['list', 'watch'],
};
const SIZE = 1_000;
const EVENTS = 20_000;
const RUN = { time: 3000, iterations: 5 };

function object(i: number, rv: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: `ns-${i % 50}`, resourceVersion: String(rv) },
  };
}

function api(): KubeApi {
  let watched = false;
  return {
    identity: 'bench',
    resolve: async () => RESOURCE,
    list: async <T extends KubeObject>() => {
      const items: KubeObject[] = [];
      for (let i = 0; i < SIZE; i++) items.push(object(i, i + 1));
      return { items, resourceVersion: String(SIZE) } as ListPage<T>;
    },
    async *watch<T extends KubeObject>(): AsyncIterable<WatchEvent<T>[]> {
      if (watched) return new Promise<never>(() => {});
      watched = true;
      for (let i = 0; i < EVENTS; i++)
        yield [{ type: 'MODIFIED', object: object(i % SIZE, SIZE + i + 1) }] as WatchEvent<T>[];
      yield [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: 'done' } } }] as WatchEvent<T>[];
    },
    get: async () => {
      throw new Error('unused');
    },
  };
}

async function run(instrumentation: Instrumentation | undefined): Promise<void> {
  const watcher = new Watcher({
    api: api(),
    resource: RESOURCE,
    keys: new Indexer({ indexBy: ['metadata.namespace', 'metadata.name'] }),
    store: new MemoryStore(),
    listMode: 'paginated',
    watchIdleTimeoutMs: 0,
    onChange: () => {},
    ...(instrumentation === undefined ? {} : { instrumentation }),
  });
  await watcher.waitForSync();
  while (watcher.status().events.bookmark === 0) await new Promise((r) => setImmediate(r));
  await watcher.stop();
  if (watcher.status().events.modified !== EVENTS) throw new Error('bench did not apply everything');
}

const metrics = new Metrics({ registry: new Registry() });

test(`watcher: ${EVENTS} events, one per batch`, async ({ bench }) => {
  await bench.compare(
    bench('no instrumentation', () => run(undefined)),
    bench('@kw/metrics', () => run(metrics)),
    RUN,
  );
});
