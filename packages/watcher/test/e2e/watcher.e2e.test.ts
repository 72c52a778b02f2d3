import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { Indexer } from '@kw/indexer';
import {
  apiserverAddress,
  compactEtcd,
  FaultProxy,
  faultsAvailable,
  kubeConfigVia,
  restartApiserver,
  restrictedKubeConfig,
  useNamespace,
} from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { until, useCleanup } from '@kw/test-utils';
import type { ChangeStats, KubeApi, KubeObject, KwErrorShape } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { Watcher, type WatcherConfig } from '../../src/index';
import {
  CONFIGMAPS,
  client,
  configMap,
  core,
  counting,
  freshVersions,
  liveHandles,
  sameVersions,
  versionsOf,
} from './helpers';

const ns = useNamespace('kw-watcher');
const cleanup = useCleanup();

interface Harness {
  watcher: Watcher;
  store: MemoryStore;
  totals: ChangeStats;
  errors: KwErrorShape[];
  counts: ReturnType<typeof counting>['counts'];
}

function watch(
  options: {
    kc?: KubeConfig;
    resource?: WatcherConfig['resource'];
    indexBy?: string[];
  } & Partial<WatcherConfig> = {},
): Harness {
  const { kc, indexBy, ...rest } = options;
  const kube = client(kc);
  const { api, counts } = counting(kube);
  const store = new MemoryStore();
  const totals: ChangeStats = { added: 0, created: 0, modified: 0, deleted: 0, isInitialSync: false };
  const errors: KwErrorShape[] = [];
  const watcher = new Watcher({
    api: api as KubeApi,
    resource: CONFIGMAPS,
    namespace: ns.name,
    keys: new Indexer({
      indexBy: indexBy ?? ['metadata.labels.app'],
      ignoreFields: ['metadata.managedFields'],
      mutate: true,
    }),
    store,
    debounceMs: 20,
    maxWaitMs: 100,
    onChange: (_store, stats) => {
      totals.added += stats.added;
      totals.created += stats.created;
      totals.modified += stats.modified;
      totals.deleted += stats.deleted;
    },
    onError: (err) => errors.push(err),
    backoff: { initialMs: 200, maxMs: 1000 },
    ...rest,
  });
  cleanup.push(async () => {
    await watcher.stop();
    kube.close();
  });
  return { watcher, store, totals, errors, counts };
}

async function viaProxy(): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ target: apiserverAddress() });
  cleanup.push(() => proxy.close());
  return proxy;
}

async function converged(h: Harness, labelSelector?: string, timeoutMs = 60_000): Promise<void> {
  await until(async () => sameVersions(versionsOf(h.store.listSync()), await freshVersions(ns.name, labelSelector)), {
    what: 'the store to equal a fresh list',
    timeoutMs: timeoutMs,
  });
}

describe('Watcher on a real API server', () => {
  it('reflects creates, updates and deletes with correct stats', async () => {
    const api = core();
    const labels = { app: 'crud', suite: 'crud' };
    for (const name of ['crud-a', 'crud-b', 'crud-c']) {
      await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(name, labels) });
    }
    let syncCount = -1;
    const h = watch({
      labelSelector: 'suite=crud',
      onSyncComplete: (_s, count) => {
        syncCount = count;
      },
    });
    await h.watcher.waitForSync();
    expect(syncCount).toBe(3);
    expect(h.store.sizeSync()).toBe(3);
    // listMode 'auto': three objects fit in the first LIST page, so that one request is the listing.
    await until(() => h.counts.watch === 1, { what: 'the watch to start' });
    expect(h.counts).toMatchObject({ list: 1, watch: 1 });
    expect(h.watcher.status()).toMatchObject({ lists: 1, listPages: 1, watches: 1 });
    expect(h.totals).toEqual({ added: 0, created: 0, modified: 0, deleted: 0, isInitialSync: false });

    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap('crud-d', labels) });
    await api.replaceNamespacedConfigMap({
      name: 'crud-a',
      namespace: ns.name,
      body: configMap('crud-a', labels, { k: 'v' }),
    });
    await api.deleteNamespacedConfigMap({ name: 'crud-b', namespace: ns.name });
    await until(() => h.totals.added + h.totals.modified + h.totals.deleted >= 3, {
      what: 'three changes',
      timeoutMs: 30_000,
    });
    expect(h.totals).toEqual({ added: 1, created: 1, modified: 1, deleted: 1, isInitialSync: false });
    await converged(h, 'suite=crud');
    const a = h.store.getByIdSync(`${ns.name}/crud-a`) as KubeObject & { data?: Record<string, string> };
    expect(a.data).toEqual({ k: 'v' });
    expect((a.metadata as { managedFields?: unknown }).managedFields).toBeUndefined();
    expect(h.errors).toEqual([]);
  });

  it('loads state page by page in paginated mode', async () => {
    const api = core();
    for (let i = 0; i < 5; i++) {
      await api.createNamespacedConfigMap({
        namespace: ns.name,
        body: configMap(`page-${i}`, { app: 'p', suite: 'page' }),
      });
    }
    const h = watch({ labelSelector: 'suite=page', listMode: 'paginated', pageSize: 2, pageBytes: 0 });
    await h.watcher.waitForSync();
    expect(h.store.sizeSync()).toBe(5);
    expect(h.watcher.status()).toMatchObject({ lists: 1, listPages: 3 });
    expect(h.store.getByIdSync(`${ns.name}/page-0`)).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });

    // pageBytes (default 8 MiB) sizes the pages after the first from its bytes: the rest in one page.
    const grown = watch({ labelSelector: 'suite=page', listMode: 'paginated', pageSize: 2 });
    await grown.watcher.waitForSync();
    expect(grown.store.sizeSync()).toBe(5);
    expect(grown.watcher.status()).toMatchObject({ lists: 1, listPages: 2 });
  });

  it('auto: loads with one LIST without a limit, with or without a label selector', async () => {
    const api = core();
    for (let i = 0; i < 5; i++) {
      await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(`one-${i}`, { suite: 'one' }) });
    }
    const onServer = (await api.listNamespacedConfigMap({ namespace: ns.name })).items.length;
    for (const labelSelector of [undefined, 'suite=one']) {
      // pageSize and pageBytes are for listMode 'paginated': auto sends no limit.
      const h = watch({ pageSize: 2, pageBytes: 0, ...(labelSelector === undefined ? {} : { labelSelector }) });
      await h.watcher.waitForSync();
      expect(h.store.sizeSync()).toBe(labelSelector === undefined ? onServer : 5);
      await until(() => h.counts.watch === 1, { what: 'the watch to start' });
      expect(h.counts).toMatchObject({ list: 1, watch: 1 });
      expect(h.watcher.status()).toMatchObject({ lists: 1, listPages: 1, watches: 1 });
      await converged(h, labelSelector);
    }
  });

  it('moves an object between index keys when a label changes', async () => {
    const api = core();
    await api.createNamespacedConfigMap({
      namespace: ns.name,
      body: configMap('mover', { app: 'web', suite: 'move' }),
    });
    const h = watch({ labelSelector: 'suite=move' });
    await h.watcher.waitForSync();
    expect(h.store.getSync(['web']).map((o) => o.metadata?.name)).toEqual(['mover']);
    await api.patchNamespacedConfigMap({
      name: 'mover',
      namespace: ns.name,
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'api' }],
    });
    await until(() => h.store.getSync(['api']).length === 1, {
      what: 'the object under its new key',
      timeoutMs: 30_000,
    });
    expect(h.store.getSync(['web'])).toEqual([]);
  });

  it('resumes from the last resourceVersion after the connection is cut, without relisting', async () => {
    const proxy = await viaProxy();
    const api = core();
    // A streaming list: the connection cut first is the stream that loaded the state.
    const h = watch({ kc: kubeConfigVia(proxy.url), labelSelector: 'suite=cut', listMode: 'streaming' });
    await h.watcher.waitForSync();
    const before = h.watcher.status();
    for (let i = 0; i < 3; i++) {
      proxy.cutAll();
      await api.createNamespacedConfigMap({
        namespace: ns.name,
        body: configMap(`cut-${i}`, { app: 'x', suite: 'cut' }),
      });
      await until(() => h.store.getByIdSync(`${ns.name}/cut-${i}`), {
        what: `cut-${i} in the store`,
        timeoutMs: 30_000,
      });
    }
    await until(() => h.totals.added === 3, { what: 'onChange to report the creates', timeoutMs: 30_000 });
    const after = h.watcher.status();
    expect(after.lists).toBe(before.lists);
    expect(after.relists).toBe(0);
    expect(after.watches).toBeGreaterThan(before.watches);
    expect(after.rewatches).toBeGreaterThanOrEqual(3);
    expect(h.totals).toMatchObject({ added: 3, created: 3, modified: 0, deleted: 0 });
  });

  it.skipIf(!faultsAvailable())(
    'relists after etcd compaction while disconnected (410), converging and counting the deletes',
    async () => {
      // Events are not watch-cached by kube-apiserver: a watch from a compacted revision reads etcd and gets 410.
      const proxy = await viaProxy();
      const api = core();
      const event = (name: string) => ({
        metadata: { name, labels: { suite: 'compact' } },
        involvedObject: { kind: 'ConfigMap', namespace: ns.name, name: 'x', apiVersion: 'v1' },
        reason: 'Test',
        message: name,
        type: 'Normal',
      });
      for (let i = 0; i < 6; i++) await api.createNamespacedEvent({ namespace: ns.name, body: event(`ev-${i}`) });
      const h = watch({
        kc: kubeConfigVia(proxy.url),
        resource: { group: '', version: 'v1', resource: 'events' },
        labelSelector: 'suite=compact',
        indexBy: ['reason'],
      });
      await h.watcher.waitForSync();
      expect(h.store.sizeSync()).toBe(6);

      proxy.refuse();
      proxy.cutAll();
      for (let i = 0; i < 3; i++) await api.deleteNamespacedEvent({ name: `ev-${i}`, namespace: ns.name });
      await api.patchNamespacedEvent({
        name: 'ev-3',
        namespace: ns.name,
        body: [{ op: 'replace', path: '/message', value: 'changed' }],
      });
      await api.createNamespacedEvent({ namespace: ns.name, body: event('ev-new') });
      await compactEtcd();
      proxy.accept();

      await until(() => h.watcher.status().relists >= 1, { what: 'a relist', timeoutMs: 30_000 });
      const fresh = await api.listNamespacedEvent({ namespace: ns.name, labelSelector: 'suite=compact' });
      await until(() => sameVersions(versionsOf(h.store.listSync()), versionsOf(fresh.items as KubeObject[])), {
        what: 'the store to equal a fresh list',
        timeoutMs: 30_000,
      });
      await until(() => h.totals.added + h.totals.modified + h.totals.deleted >= 5, {
        what: 'onChange to report the relist',
        timeoutMs: 30_000,
      });
      expect(h.totals).toMatchObject({ added: 1, created: 1, modified: 1, deleted: 3 });
      expect(h.errors.some((e) => e.code === 'KW_GONE')).toBe(true);
    },
  );

  it.skipIf(!faultsAvailable())('converges after the API server restarts', async () => {
    const api = core();
    const labels = { app: 'r', suite: 'restart' };
    for (let i = 0; i < 5; i++)
      await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(`r-${i}`, labels) });
    const h = watch({ labelSelector: 'suite=restart' });
    await h.watcher.waitForSync();
    await restartApiserver();
    await api.deleteNamespacedConfigMap({ name: 'r-0', namespace: ns.name });
    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap('r-new', labels) });
    await converged(h, 'suite=restart');
    expect(h.watcher.status().phase).toBe('watching');
    expect(h.watcher.status().errors).toBeGreaterThan(0);
  });

  it.skipIf(restrictedKubeConfig() === undefined)(
    'rejects waitForSync with a typed 403 for a restricted identity, with a bounded number of requests',
    async () => {
      const h = watch({ kc: restrictedKubeConfig() as KubeConfig, slowRetryMs: 1000 });
      const error = await h.watcher.waitForSync().then(
        () => undefined,
        (e: unknown) => e as KwErrorShape,
      );
      expect(error?.code).toBe('KW_FORBIDDEN');
      expect(error?.message).toContain('kw-restricted');
      expect(h.errors[0]).toBe(error);
      await sleep(3500);
      // One attempt, then retries at least slowRetryMs apart: at most 1 + 3.5 s / 1 s.
      const attempts = h.counts.list + h.counts.watch;
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(4);
      expect(h.watcher.status().phase).toBe('failed');
    },
  );

  it('stop() leaves no sockets or timers behind', async () => {
    await sleep(200);
    const before = liveHandles();
    const kube = client();
    const store = new MemoryStore();
    const watcher = new Watcher({
      api: kube,
      resource: CONFIGMAPS,
      namespace: ns.name,
      keys: new Indexer({ indexBy: ['metadata.name'] }),
      store,
      onChange: () => {},
    });
    await watcher.waitForSync();
    await core().createNamespacedConfigMap({ namespace: ns.name, body: configMap('handles', { app: 'h' }) });
    await until(() => store.getByIdSync(`${ns.name}/handles`), { what: 'the object', timeoutMs: 30_000 });
    await watcher.stop();
    kube.close();
    await until(
      () => {
        const after = liveHandles();
        return Object.entries(after).every(([kind, n]) => n <= (before[kind] ?? 0));
      },
      { what: 'handles to be released', timeoutMs: 5000 },
    ).catch(() => undefined);
    const after = liveHandles();
    for (const [kind, n] of Object.entries(after)) expect(n, kind).toBeLessThanOrEqual(before[kind] ?? 0);
  });
});
