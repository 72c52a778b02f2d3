import { Indexer } from '@kw/indexer';
import {
  apiserverAddress,
  compactEtcd,
  FaultProxy,
  faultsAvailable,
  kubeConfigVia,
  kubeEnv,
  restartApiserver,
  useNamespace,
} from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { pool, until, useCleanup } from '@kw/test-utils';
import type { KubeObject, Store, StoreDiff } from '@kw/types';
import { describe, expect, it } from 'vitest';
// The bench loader's HTTP/2 writer: 20k creates in seconds rather than minutes.
import { endpointFrom, H2 } from '../../../../tools/bench-e2e/src/kube.ts';
import { Watcher } from '../../src/index';
import { CONFIGMAPS, client, freshVersions, sameVersions, versionsOf } from './helpers';

// Issue 13 point 6: a relist of 20k ConfigMaps, 2k of them changed or deleted while the watcher was
// disconnected, forced by an API server restart (its new watch cache no longer holds the watcher's
// resourceVersion) after an etcd compaction (etcd cannot serve it either): 410, relist.
const ns = useNamespace('kw-relist');
const cleanup = useCleanup();

const TOTAL = Number(process.env.KW_RELIST_TOTAL ?? 20_000);
const CHANGED = 1_000;
const DELETED = 1_000;

/**
 * MemoryStore gets its own `replace` on the stores branch; until that is merged, the same
 * synchronous loop over its public writes (no await inside, so atomic for readers).
 */
function withReplace(store: MemoryStore): MemoryStore {
  const s = store as MemoryStore & Store;
  if (typeof s.replace !== 'function') {
    s.replace = (diff: StoreDiff) => {
      for (const { obj, keys } of diff.upserts) store.update(obj, keys);
      for (const obj of diff.deletes) store.delete(obj);
    };
  }
  return store;
}

/** An order-independent fingerprint of a name → resourceVersion set (count, sum and xor of FNV-1a hashes). */
function fingerprint(entries: Iterable<readonly [string, string]>): string {
  let count = 0;
  let sum = 0;
  let xor = 0;
  for (const [name, rv] of entries) {
    let h = 0x811c9dc5;
    const s = `${name}@${rv}`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    sum = (sum + (h >>> 0)) % 0x1_0000_0000;
    xor ^= h;
    count++;
  }
  return `${count}:${sum}:${xor >>> 0}`;
}

const storeEntries = (objs: readonly KubeObject[]) =>
  objs.map((o) => [o.metadata?.name ?? '', o.metadata?.resourceVersion ?? ''] as const);

describe.skipIf(!faultsAvailable())('Watcher relist at 20k objects', () => {
  it('store readers see the state before or after the relist, never a mix', { timeout: 240_000 }, async () => {
    const h2 = new H2(await endpointFrom(kubeEnv().adminKubeconfigPath), 48);
    const path = `/api/v1/namespaces/${ns.name}/configmaps`;
    const names = Array.from({ length: TOTAL }, (_, i) => `cm-${i}`);
    const started = performance.now();
    const phase = (what: string) =>
      console.log(`atomic relist: ${what} at ${Math.round(performance.now() - started)} ms`);
    cleanup.push(async () => {
      // Faster than the namespace teardown's deletecollection, which times out at this size.
      await pool(names, 48, (name) => h2.request('DELETE', `${path}/${name}`).catch(() => undefined));
      h2.close();
    });
    await pool(names, 96, (name) => h2.request('POST', path, { metadata: { name }, data: { v: '0' } }));
    phase('created');

    const proxy = await FaultProxy.start({ target: apiserverAddress() });
    cleanup.push(() => proxy.close());
    const kube = client(kubeConfigVia(proxy.url));
    const store = withReplace(new MemoryStore());
    let onChangeSawMix = false;
    const watcher = new Watcher({
      api: kube,
      resource: CONFIGMAPS,
      namespace: ns.name,
      keys: new Indexer({ indexBy: ['metadata.name'], ignoreFields: ['metadata.managedFields'] }),
      store,
      debounceMs: 5,
      onChange: () => {
        const size = store.sizeSync();
        if (size !== TOTAL && size !== TOTAL - DELETED) onChangeSawMix = true;
      },
      backoff: { initialMs: 200, maxMs: 1000 },
    });
    cleanup.push(async () => {
      await watcher.stop();
      kube.close();
    });
    await watcher.waitForSync();
    expect(store.sizeSync()).toBe(TOTAL);
    phase('synced');

    proxy.refuse();
    proxy.cutAll();
    const before = fingerprint(storeEntries(store.listSync()));
    const baseHeap = process.memoryUsage().heapUsed;
    let peakHeap = baseHeap;
    const samples = new Map<string, number>();
    const sample = (): void => {
      const fp = fingerprint(storeEntries(store.listSync()));
      samples.set(fp, (samples.get(fp) ?? 0) + 1);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    };
    const sampler = setInterval(sample, 5);
    cleanup.push(() => clearInterval(sampler));

    await pool(names.slice(0, CHANGED), 48, (name) =>
      h2.request('PUT', `${path}/${name}`, { metadata: { name }, data: { v: '1' } }),
    );
    await pool(names.slice(CHANGED, CHANGED + DELETED), 48, (name) => h2.request('DELETE', `${path}/${name}`));
    phase('changed');
    await compactEtcd();
    h2.close();
    await restartApiserver();
    phase('restarted');
    proxy.accept();

    await until(() => watcher.status().relists >= 1, { what: 'a relist', timeoutMs: 120_000 });
    const fresh = await freshVersions(ns.name);
    expect(fresh.size).toBe(TOTAL - DELETED);
    await until(() => sameVersions(versionsOf(store.listSync()), fresh), {
      what: 'the store to equal a fresh list',
      timeoutMs: 60_000,
    });
    sample(); // the converged state, even when the relist landed after the last tick
    clearInterval(sampler);
    phase('converged');
    const after = fingerprint(fresh);

    const counts = Object.fromEntries(samples);
    const mixed = [...samples.keys()].filter((fp) => fp !== before && fp !== after);
    console.log(
      `atomic relist: ${JSON.stringify({
        samples: [...samples.values()].reduce((a, b) => a + b, 0),
        before: counts[before] ?? 0,
        after: counts[after] ?? 0,
        mixed: mixed.length,
        heapBeforeMB: Math.round(baseHeap / 2 ** 20),
        heapPeakMB: Math.round(peakHeap / 2 ** 20),
        status: watcher.status(),
      })}`,
    );
    expect(mixed).toEqual([]);
    expect(counts[before]).toBeGreaterThan(0);
    expect(counts[after]).toBeGreaterThan(0);
    expect(onChangeSawMix).toBe(false);
    expect(watcher.status()).toMatchObject({ relistsInPlace: 0 });
  });
});
