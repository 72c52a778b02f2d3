import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { createClient, createFetcher } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { adminKubeConfig, useNamespace } from '@kw/kube-local/e2e';
import { until } from '@kw/test-utils';
import type { ChangeStats, KubeObject } from '@kw/types';
import { Watcher } from '@kw/watcher';
import { afterEach, describe, expect, it } from 'vitest';
import { CachedStore } from '../../src/index';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
const ns = useNamespace('store-cached-reuse');
const core = () => adminKubeConfig().makeApiClient(CoreV1Api);
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const configMap = (name: string, v: string): V1ConfigMap => ({
  metadata: { name, labels: { suite: 'reuse' } },
  data: { v },
});

/** name → resourceVersion of the suite's ConfigMaps, from a fresh LIST. */
async function fresh(): Promise<Map<string, string>> {
  const list = await core().listNamespacedConfigMap({ namespace: ns.name, labelSelector: 'suite=reuse' });
  return new Map(list.items.map((c) => [c.metadata?.name ?? '', c.metadata?.resourceVersion ?? '']));
}

describe('CachedStore reused across Watcher instances on a real API server', () => {
  it('a second watcher on a reused CachedStore deletes what was deleted in between and counts it', async () => {
    const kube = createClient({ kubeConfig: adminKubeConfig() });
    cleanup.push(() => kube.close());
    const store = new CachedStore<KubeObject>({ fetch: createFetcher(kube, await kube.resolve(CONFIGMAPS)) });
    const watch = (extra: { callOnChangeDuringSync?: boolean; debounceMs?: number } = {}) => {
      const calls: ChangeStats[] = [];
      const watcher = new Watcher({
        api: kube,
        resource: CONFIGMAPS,
        namespace: ns.name,
        labelSelector: 'suite=reuse',
        keys: new Indexer({ indexBy: ['metadata.name'] }),
        store,
        onChange: (_s, stats) => {
          calls.push(stats);
        },
        ...extra,
      });
      cleanup.push(() => watcher.stop());
      return { watcher, calls };
    };
    for (const name of ['a', 'b', 'c', 'd'])
      await core().createNamespacedConfigMap({ namespace: ns.name, body: configMap(name, '1') });
    const first = watch();
    await first.watcher.waitForSync();
    await first.watcher.stop();
    expect(await store.size()).toBe(4);

    await core().deleteNamespacedConfigMap({ name: 'a', namespace: ns.name });
    await core().deleteNamespacedConfigMap({ name: 'b', namespace: ns.name });
    await core().replaceNamespacedConfigMap({ name: 'c', namespace: ns.name, body: configMap('c', '2') });
    await core().createNamespacedConfigMap({ namespace: ns.name, body: configMap('e', '1') });

    const second = watch({ callOnChangeDuringSync: true, debounceMs: 20 });
    await second.watcher.waitForSync();
    const held = new Map(store.resourceVersions().map(([id, rv]) => [id.slice(id.indexOf('/') + 1), rv]));
    expect(held).toEqual(await fresh());
    await until(() => second.calls.length >= 1, { what: 'the sync batch' });
    expect(second.calls).toEqual([{ added: 1, created: 1, modified: 1, deleted: 2, isInitialSync: true }]);
  });
});
