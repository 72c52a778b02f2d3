/**
 * A sharded `Watcher` (metadata-only, the shared cluster without the ShardedListAndWatch gate, so
 * the watcher filters by the FNV-1a 64 hash of each uid) into a `CachedStore`: the store holds the
 * shard's keys only, a read by key fetches the body of an own-shard object and finds nothing for
 * another shard's, and narrowing with `setShard` drops the keys that left the range, counted as
 * deletes in `onChange`.
 */
import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { adminKubeConfig, useNamespace } from '@kw/kube-local/e2e';
import { CONFIGMAPS, pool, until } from '@kw/test-utils';
import type { ChangeStats, KubeObject, ObjectFetcher } from '@kw/types';
import { shardHash, Watcher } from '@kw/watcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedStore } from '../../src/index';

const OBJECTS = 400;
const HALF = '0x8000000000000000';
const QUARTER = '0x4000000000000000';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const ns = useNamespace('kw-sharded-cached');
const client = createClient({ kubeConfig: adminKubeConfig(), qps: Number.POSITIVE_INFINITY });

/** name → uid of every ConfigMap the test created, from a fresh list. */
let uids: Map<string, string>;
/** Names whose uid hashes below `end`. */
const namesBelow = (end: string): string[] =>
  [...uids]
    .filter(([, uid]) => shardHash(uid) < end)
    .map(([name]) => name)
    .sort();

describe('a sharded Watcher into a CachedStore', () => {
  let watcher: Watcher<ConfigMap>;
  let store: CachedStore<ConfigMap>;
  const changes: ChangeStats[] = [];

  beforeAll(async () => {
    await pool(
      Array.from({ length: OBJECTS }, (_, i) => i),
      32,
      (i) =>
        client.create<ConfigMap>(CONFIGMAPS, ns.name, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}`, labels: { suite: 'sharded-cached' } },
          data: { body: `body of cm-${i}` },
        }),
    );
    const list = await client.list(CONFIGMAPS, ns.name, { labelSelector: 'suite=sharded-cached', metadataOnly: true });
    uids = new Map(list.items.map((o) => [o.metadata?.name ?? '', o.metadata?.uid ?? '']));
    expect(uids.size).toBe(OBJECTS);

    const fetch: ObjectFetcher<ConfigMap> = (namespace, name, signal) =>
      client
        .get<ConfigMap>(CONFIGMAPS, namespace, name, signal ? { signal } : {})
        .catch((e: { code?: string }) => (e.code === 'KW_NOT_FOUND' ? undefined : Promise.reject(e)));
    const indexer = new Indexer<ConfigMap>({ indexBy: ['metadata.name'], ignoreFields: ['metadata.managedFields'] });
    store = new CachedStore<ConfigMap>({ fetch, filterFields: (o) => indexer.filterFields(o), maxEntries: 100 });
    watcher = new Watcher<ConfigMap>({
      api: client,
      resource: CONFIGMAPS,
      namespace: ns.name,
      labelSelector: 'suite=sharded-cached',
      keys: indexer,
      store,
      metadataOnly: true,
      debounceMs: 10,
      shard: { index: 0, count: 2 },
      onChange: (_store, stats) => {
        changes.push(stats);
      },
      onError: (error) => console.warn('sharded watcher:', error.message),
    });
    watcher.start();
    await watcher.waitForSync();
  }, 120_000);

  afterAll(async () => {
    await watcher?.stop();
  });

  const heldNames = (): string[] =>
    store
      .resourceVersions()
      .map(([id]) => id.slice(id.indexOf('/') + 1))
      .sort();

  it("holds exactly the keys of the shard's objects, filtered by the watcher", async () => {
    const lower = namesBelow(HALF);
    expect(lower.length).toBeGreaterThan(OBJECTS * 0.35);
    expect(lower.length).toBeLessThan(OBJECTS * 0.65);
    expect(watcher.status().shard?.filtering).toBe('client');
    expect(heldNames()).toEqual(lower);
    expect(await store.size()).toBe(lower.length);
    // Keys only: nothing was fetched to fill the store.
    expect(store.stats()).toMatchObject({ refs: lower.length, fetches: 0, entries: 0 });
  });

  it("fetches the body of an own-shard object on a read by key, and finds nothing for another shard's", async () => {
    const own = namesBelow(HALF)[0] as string;
    const other = [...uids.keys()].find((name) => !namesBelow(HALF).includes(name)) as string;
    const before = store.stats().fetches;
    const [read, ...rest] = await store.get([own]);
    expect(rest).toEqual([]);
    expect(read?.data).toEqual({ body: `body of ${own}` });
    expect(read?.metadata?.uid).toBe(uids.get(own));
    expect(await store.get([other])).toEqual([]);
    expect(await store.getById(`${ns.name}/${other}`)).toBeUndefined();
    expect(store.stats().fetches - before).toBe(1);
  });

  it('drops the keys that leave the range when setShard narrows it, counted as deletes', async () => {
    const kept = namesBelow(QUARTER);
    const dropped = namesBelow(HALF).length - kept.length;
    expect(dropped).toBeGreaterThan(0);
    const deletesBefore = changes.reduce((n, c) => n + c.deleted, 0);
    watcher.setShard({ index: 0, count: 4 });
    await until(() => (changes.reduce((n, c) => n + c.deleted, 0) - deletesBefore >= dropped ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(changes.reduce((n, c) => n + c.deleted, 0) - deletesBefore).toBe(dropped);
    expect(heldNames()).toEqual(kept);
    expect(store.stats().refs).toBe(kept.length);
    expect(watcher.status().shard?.range).toEqual({ field: 'uid', start: '0x0000000000000000', end: QUARTER });
    const own = kept[0] as string;
    expect((await store.get([own]))[0]?.data).toEqual({ body: `body of ${own}` });
  });
});
