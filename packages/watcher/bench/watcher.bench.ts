import { Indexer } from '@kw/indexer';
import { MemoryStore } from '@kw/store-memory';
import type { KubeApi, KubeObject, ListPage, ResolvedResource, WatchEvent } from '@kw/types';
import { test } from 'vitest';
import { Watcher } from '../src/index';

const RESOURCE: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['list', 'watch'],
};
const PAGE = 500;

function object(i: number, rv: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `cm-${i}`,
      namespace: `ns-${i % 50}`,
      resourceVersion: String(rv),
      labels: { app: `app-${i % 100}` },
    },
  };
}

/** A KubeApi serving `size` objects in pages, then `events` watch events in one batch each of 500; then ending. */
function api(size: number, events: number): KubeApi {
  let watched = false;
  return {
    identity: 'bench',
    resolve: async () => RESOURCE,
    list: async <T extends KubeObject>(
      _r: ResolvedResource,
      _ns: string | undefined,
      options: { continue?: string } = {},
    ) => {
      const start = Number(options.continue ?? 0);
      const end = Math.min(size, start + PAGE);
      const items: KubeObject[] = [];
      for (let i = start; i < end; i++) items.push(object(i, i + 1));
      const page: ListPage<KubeObject> = { items, resourceVersion: String(size) };
      if (end < size) page.continue = String(end);
      return page as ListPage<T>;
    },
    async *watch<T extends KubeObject>(): AsyncIterable<WatchEvent<T>[]> {
      if (watched) return new Promise<never>(() => {});
      watched = true;
      for (let b = 0; b < events; b += PAGE) {
        const batch: WatchEvent<KubeObject>[] = [];
        for (let i = b; i < Math.min(events, b + PAGE); i++)
          batch.push({ type: 'MODIFIED', object: object(i % size, size + i + 1) });
        yield batch as WatchEvent<T>[];
      }
      yield [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: 'done' } } }] as WatchEvent<T>[];
    },
    get: async () => {
      throw new Error('unused');
    },
  };
}

async function run(size: number, events: number): Promise<void> {
  const store = new MemoryStore();
  let applied = 0;
  const kube = api(size, events);
  const watcher = new Watcher({
    api: kube,
    resource: RESOURCE,
    keys: new Indexer({ indexBy: ['metadata.namespace', 'metadata.labels.app'], mutate: true }),
    store,
    listMode: 'paginated',
    watchIdleTimeoutMs: 0,
    onChange: () => {},
  });
  await watcher.waitForSync();
  if (events > 0) {
    while (watcher.status().events.bookmark === 0) await new Promise((r) => setImmediate(r));
    applied = watcher.status().events.modified;
  }
  await watcher.stop();
  if (store.sizeSync() !== size || applied !== events) throw new Error('bench did not apply everything');
}

const RUN = { time: 2000, iterations: 3 };

test('initial sync: paginated LIST → Indexer → MemoryStore', async ({ bench }) => {
  await bench.compare(
    bench('10,000 objects', () => run(10_000, 0)),
    bench('100,000 objects', () => run(100_000, 0)),
    RUN,
  );
});

test('watch: 100,000 MODIFIED events applied after a 10,000-object sync', async ({ bench }) => {
  await bench('sync 10,000 + apply 100,000 events', () => run(10_000, 100_000)).run(RUN);
});
