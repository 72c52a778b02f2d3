import { Indexer } from '@kw/indexer';
import { useNamespace } from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import type { ChangeStats, Store } from '@kw/types';
import { afterEach, describe, expect, it } from 'vitest';
import { Watcher, type WatcherConfig } from '../../src/index';
import { CONFIGMAPS, client, configMap, core, freshVersions, until, versionsOf } from './helpers';

const ns = useNamespace('kw-writer');
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Starts a watcher of the ConfigMaps labelled `suite=<suite>` into `store`; records every onChange. */
function watch(suite: string, store: Store, overrides: Partial<WatcherConfig> = {}) {
  const kube = client();
  const calls: ChangeStats[] = [];
  let syncCount = -1;
  const watcher = new Watcher({
    api: kube,
    resource: CONFIGMAPS,
    namespace: ns.name,
    labelSelector: `suite=${suite}`,
    keys: new Indexer({ indexBy: ['metadata.name'], ignoreFields: ['metadata.managedFields'] }),
    store,
    onChange: (_store, stats) => {
      calls.push(stats);
    },
    onSyncComplete: (_store, count) => {
      syncCount = count;
    },
    ...overrides,
  });
  cleanup.push(async () => {
    await watcher.stop();
    kube.close();
  });
  return { watcher, calls, kube, syncCount: () => syncCount };
}

async function create(suite: string, names: string[]): Promise<void> {
  const api = core();
  for (const name of names) {
    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(name, { suite }, { v: '1' }) });
  }
}

/** Two watcher instances, one after the other, share `store`; objects change in between. */
async function reuse(suite: string, store: Store, names: () => Promise<Map<string, string>>): Promise<void> {
  await create(suite, [`${suite}-a`, `${suite}-b`, `${suite}-c`, `${suite}-d`]);
  const first = watch(suite, store);
  await first.watcher.waitForSync();
  await first.watcher.stop();
  expect(await store.size()).toBe(4);

  const api = core();
  await api.deleteNamespacedConfigMap({ name: `${suite}-a`, namespace: ns.name });
  await api.deleteNamespacedConfigMap({ name: `${suite}-b`, namespace: ns.name });
  await api.replaceNamespacedConfigMap({
    name: `${suite}-c`,
    namespace: ns.name,
    body: configMap(`${suite}-c`, { suite }, { v: '2' }),
  });
  await create(suite, [`${suite}-e`]);

  const second = watch(suite, store, { callOnChangeDuringSync: true, debounceMs: 20 });
  await second.watcher.waitForSync();
  expect(await names()).toEqual(await freshVersions(ns.name, `suite=${suite}`));
  expect(second.syncCount()).toBe(3);
  await until('the sync batch', () => second.calls.length >= 1);
  expect(second.calls).toEqual([{ added: 1, created: 1, modified: 1, deleted: 2, isInitialSync: true }]);
}

describe('Watcher store writer on a real API server', () => {
  it('a second watcher on a reused MemoryStore deletes what was deleted in between and counts it', async () => {
    const store = new MemoryStore();
    await reuse('mem', store, async () => versionsOf(store.listSync()));
  });

  it('callOnChangeDuringSync delivers a sync that ends inside one debounce window, then later changes', async () => {
    const names = ['sync-a', 'sync-b', 'sync-c'];
    await create('sync', names);
    const { watcher, calls } = watch('sync', new MemoryStore(), { callOnChangeDuringSync: true, debounceMs: 500 });
    await watcher.waitForSync();
    await until('the sync batch', () => calls.length >= 1, 5000);
    await create('sync', ['sync-d']);
    await until('the change after the sync', () => calls.length >= 2, 10_000);
    expect(calls.map((c) => c.isInitialSync)).toEqual([true, false]);
    const during = calls.filter((c) => c.isInitialSync).reduce((n, c) => n + c.added, 0);
    const after = calls.filter((c) => !c.isInitialSync).reduce((n, c) => n + c.added, 0);
    expect({ during, after }).toEqual({ during: 3, after: 1 });
  });
});
