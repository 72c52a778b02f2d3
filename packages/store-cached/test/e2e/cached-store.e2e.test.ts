import { createHash, randomBytes } from 'node:crypto';
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { adminKubeConfig, useNamespace } from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { pool } from '@kw/test-utils';
import type { ObjectFetcher, ResolvedResource, Store } from '@kw/types';
import { Watcher } from '@kw/watcher';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CachedStore } from '../../src/index';

const BULK = 2000;
const PAYLOAD_BYTES = 37_500; // 50 000 base64 characters
const GROUPS = 10;
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };

const ns = useNamespace('store-cached');
const core = () => adminKubeConfig().makeApiClient(CoreV1Api);

/** A Secret whose `data.payload` is ~50 KB of random base64, with its SHA-256 and a version in annotations. */
function secretBody(name: string, group: string, version: number): V1Secret {
  const payload = randomBytes(PAYLOAD_BYTES).toString('base64');
  return {
    metadata: {
      name,
      labels: { group },
      annotations: { 'kw.dev/sha': sha(payload), 'kw.dev/version': String(version) },
    },
    data: { payload },
  };
}

const sha = (payload: string) => createHash('sha256').update(payload).digest('hex');
const bulkName = (i: number) => `bulk-${String(i).padStart(4, '0')}`;

/** Asserts a full, intact body: its payload matches the checksum it was written with. */
function expectIntact(secret: V1Secret | undefined, version?: number) {
  expect(secret?.data?.payload).toHaveLength(50_000);
  expect(sha(secret?.data?.payload ?? '')).toBe(secret?.metadata?.annotations?.['kw.dev/sha']);
  if (version !== undefined) expect(secret?.metadata?.annotations?.['kw.dev/version']).toBe(String(version));
  expect(secret?.metadata?.managedFields).toBeUndefined();
}

beforeAll(async () => {
  const api = core();
  const indexes = Array.from({ length: BULK }, (_, i) => i);
  await pool(indexes, 32, (i) =>
    api.createNamespacedSecret({ namespace: ns.name, body: secretBody(bulkName(i), `g${i % GROUPS}`, 1) }),
  );
}, 600_000);

interface Backend {
  name: string;
  /** Watch `PartialObjectMetadata` only. */
  metadataOnly: boolean;
  makeStore(fetch: ObjectFetcher<V1Secret>, indexer: Indexer<V1Secret>): Store<V1Secret>;
}

// The one place a deployment chooses its store: the test body below is the same for all.
const backends: Backend[] = [
  { name: 'MemoryStore', metadataOnly: false, makeStore: () => new MemoryStore<V1Secret>() },
  {
    name: 'CachedStore',
    metadataOnly: false,
    makeStore: (fetch, indexer) =>
      new CachedStore<V1Secret>({ fetch, filterFields: (o) => indexer.filterFields(o), maxEntries: 500 }),
  },
  {
    name: 'CachedStore with a metadata-only watch',
    metadataOnly: true,
    makeStore: (fetch, indexer) =>
      new CachedStore<V1Secret>({ fetch, filterFields: (o) => indexer.filterFields(o), maxEntries: 500 }),
  },
];

describe.each(backends)('$name behind a Watcher', (backend) => {
  const churnGroup = `churn-${backends.indexOf(backend)}`;
  const churnName = (i: number) => `${churnGroup}-${i}`;
  let watcher: Watcher<V1Secret> | undefined;
  let store: Store<V1Secret>;
  let secrets: ResolvedResource;

  beforeAll(async () => {
    const client = createClient({ kubeConfig: adminKubeConfig(), qps: Number.POSITIVE_INFINITY });
    secrets = await client.resolve(SECRETS);
    const fetch: ObjectFetcher<V1Secret> = (namespace, name, signal) =>
      client
        .get<V1Secret>(secrets, namespace, name, signal ? { signal } : {})
        .catch((e: { code?: string }) => (e.code === 'KW_NOT_FOUND' ? undefined : Promise.reject(e)));
    const indexer = new Indexer<V1Secret>({
      indexBy: ['metadata.labels.group', 'metadata.name'],
      ignoreFields: ['metadata.managedFields'],
    });
    expect(indexer.metadataOnly).toBe(true);
    store = backend.makeStore(fetch, indexer);
    let syncedCount: number | undefined;
    watcher = new Watcher<V1Secret>({
      api: client,
      resource: SECRETS,
      namespace: ns.name,
      keys: indexer,
      store,
      metadataOnly: backend.metadataOnly,
      onChange: () => {},
      onSyncComplete: (_store, count) => {
        syncedCount = count;
      },
      onError: (error) => console.warn(`watcher (${backend.name}):`, error.message),
    });
    watcher.start();
    await watcher.waitForSync();
    expect(syncedCount).toBe(BULK);
  }, 600_000);

  afterAll(async () => {
    await watcher?.stop();
    const api = core();
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        api.deleteNamespacedSecret({ namespace: ns.name, name: churnName(i) }).catch(() => undefined),
      ),
    );
  });

  it('answers full-key, partial-key and identity lookups with full bodies after the initial sync', async () => {
    expect(await store.size()).toBe(BULK);
    const group = await store.get(['g3']);
    expect(group).toHaveLength(BULK / GROUPS);
    expect(new Set(group.map((s) => s.metadata?.name))).toEqual(
      new Set(Array.from({ length: BULK / GROUPS }, (_, j) => bulkName(j * GROUPS + 3))),
    );
    for (const s of group) expectIntact(s, 1);
    const [one, ...rest] = await store.get(['g7', bulkName(17)]);
    expect(rest).toEqual([]);
    expect(one?.metadata?.name).toBe(bulkName(17));
    expectIntact(one, 1);
    expectIntact(await store.getById(`${ns.name}/${bulkName(1234)}`), 1);
    expect(await store.get(['g7', bulkName(18)])).toEqual([]);
    expect(await store.getById(`${ns.name}/absent`)).toBeUndefined();
  });

  it('lists every object, even when the cache holds fewer', async () => {
    const all = await store.list();
    expect(all).toHaveLength(BULK);
    expectIntact(all[BULK - 1]);
  });

  it('follows creates, updates (in place and moving keys) and deletes', async () => {
    const api = core();
    for (let i = 0; i < 5; i++) {
      await api.createNamespacedSecret({ namespace: ns.name, body: secretBody(churnName(i), churnGroup, 1) });
    }
    await vi.waitFor(async () => expect(await store.get([churnGroup])).toHaveLength(5), { timeout: 30_000 });
    // Read churn-1 so a CachedStore holds its body, then change its data without changing its keys.
    expectIntact((await store.get([churnGroup, churnName(1)]))[0], 1);
    await api.replaceNamespacedSecret({
      namespace: ns.name,
      name: churnName(1),
      body: secretBody(churnName(1), churnGroup, 2),
    });
    await vi.waitFor(
      async () => {
        const [changed] = await store.get([churnGroup, churnName(1)]);
        expect(changed?.metadata?.annotations?.['kw.dev/version']).toBe('2');
        expectIntact(changed, 2);
      },
      { timeout: 30_000 },
    );
    // Move churn-0 to another group.
    await api.replaceNamespacedSecret({
      namespace: ns.name,
      name: churnName(0),
      body: secretBody(churnName(0), `${churnGroup}-moved`, 2),
    });
    await vi.waitFor(
      async () => {
        const moved = await store.get([`${churnGroup}-moved`]);
        expect(moved.map((s) => s.metadata?.name)).toEqual([churnName(0)]);
        expectIntact(moved[0], 2);
        expect((await store.get([churnGroup])).map((s) => s.metadata?.name).sort()).toEqual(
          [1, 2, 3, 4].map(churnName),
        );
      },
      { timeout: 30_000 },
    );
    // Delete churn-2 (read first, so a CachedStore has it cached).
    expectIntact(await store.getById(`${ns.name}/${churnName(2)}`), 1);
    await api.deleteNamespacedSecret({ namespace: ns.name, name: churnName(2) });
    await vi.waitFor(
      async () => {
        expect(await store.getById(`${ns.name}/${churnName(2)}`)).toBeUndefined();
        expect(await store.get([churnGroup, churnName(2)])).toEqual([]);
        expect(await store.size()).toBe(BULK + 4);
      },
      { timeout: 30_000 },
    );
    expect((await store.get(['g0'])).length).toBe(BULK / GROUPS);
    if (store instanceof CachedStore) {
      const stats = store.stats();
      expect(stats.refs).toBe(BULK + 4);
      expect(stats.entries).toBeLessThanOrEqual(500);
      expect(stats.fetches).toBeGreaterThan(0);
      expect(stats.fetchErrors).toBe(0);
    }
  });
});
