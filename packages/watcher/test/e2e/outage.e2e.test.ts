import { setTimeout as sleep } from 'node:timers/promises';
import { Indexer } from '@kw/indexer';
import { apiserverAddress, FaultProxy, faultsAvailable, kubeConfigVia, useNamespace } from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { until, useCleanup } from '@kw/test-utils';
import type { KubeApi } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { WATCHER_DEFAULTS, Watcher } from '../../src/index';
import { CONFIGMAPS, client, configMap, core, freshVersions, sameVersions, versionsOf } from './helpers';

// LONG TEST (~3.5 min): 100 watchers in one process through a 3-minute apiserver outage with the
// default backoff (800 ms → 30 s, ×2, full jitter). Skip with `-t '!outage'` when iterating locally.

const WATCHERS = 100;
const OUTAGE_MS = 180_000;
/**
 * Ceilings derived from the default backoff. The n-th consecutive failure waits U(0, min(30 s, 0.8 s × 2^n)):
 * the first 6 waits average ≈ 25 s in total, then 15 s each, so a watcher makes ≈ 17 attempts in 3 min
 * (0.094/s; simulated 20,000 times: max 28). Asserted with ~1.6x headroom: mean ≤ 0.15 req/s per watcher,
 * no watcher above 40 requests. After the restore each watcher's next attempt is what is left of its
 * current wait (< 30 s), so 100 watchers spread over 30 s (simulated worst second: 17 of 100); a herd
 * would put all 100 in one second. Asserted: ≤ 30 in any one second; all synced within 30 s + 30 s margin.
 */
const MEAN_RATE_CEILING = 0.15;
const PER_WATCHER_CEILING = 40;
const BURST_CEILING = 30;
const RESYNC_BOUND_MS = WATCHER_DEFAULTS.backoff.maxMs + 30_000;

const ns = useNamespace('kw-outage');
const cleanup = useCleanup('all');

/** Wraps `api`, recording the time of every request. */
function timed(api: KubeApi, times: number[]): KubeApi {
  return {
    get identity() {
      return api.identity;
    },
    resolve: (...args) => {
      times.push(Date.now());
      return api.resolve(...args);
    },
    list: (...args) => {
      times.push(Date.now());
      return api.list(...args);
    },
    watch: (...args) => {
      times.push(Date.now());
      return api.watch(...args);
    },
    get: (...args) => {
      times.push(Date.now());
      return api.get(...args);
    },
  };
}

describe.skipIf(!faultsAvailable())('Watcher outage behaviour (long)', () => {
  it(`outage: ${WATCHERS} watchers through a 3-minute outage stay under a bounded request rate, resume without a herd and resync`, async () => {
    const api = core();
    const labels = { suite: 'outage' };
    for (let i = 0; i < 20; i++) {
      await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(`o-${i}`, labels, { v: '0' }) });
    }
    const proxy = await FaultProxy.start({ target: apiserverAddress() });
    cleanup.push(() => proxy.close());
    const kube = client(kubeConfigVia(proxy.url));
    cleanup.push(() => kube.close());

    const fleet = Array.from({ length: WATCHERS }, () => {
      const times: number[] = [];
      const store = new MemoryStore();
      const watcher = new Watcher({
        api: timed(kube, times),
        resource: CONFIGMAPS,
        namespace: ns.name,
        labelSelector: 'suite=outage',
        keys: new Indexer({ indexBy: ['metadata.name'], mutate: true }),
        store,
        onChange: () => {},
      });
      cleanup.push(() => watcher.stop());
      return { watcher, store, times };
    });
    await Promise.all(fleet.map((w) => w.watcher.waitForSync()));

    const down = Date.now();
    proxy.outage();
    // Changes the watchers must catch up with after the outage.
    await sleep(30_000);
    for (let i = 0; i < 5; i++) {
      await api.replaceNamespacedConfigMap({
        name: `o-${i}`,
        namespace: ns.name,
        body: configMap(`o-${i}`, labels, { v: 'during' }),
      });
    }
    await api.deleteNamespacedConfigMap({ name: 'o-19', namespace: ns.name });
    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap('o-new', labels) });
    await sleep(20_000);
    const backingOff = fleet.filter((w) => w.watcher.status().phase === 'backing-off').length;
    await sleep(down + OUTAGE_MS - Date.now());
    const up = Date.now();
    proxy.heal();

    const want = await freshVersions(ns.name, 'suite=outage');
    const syncedAt: number[] = [];
    await until(
      () => {
        for (const [i, w] of fleet.entries()) {
          if (syncedAt[i] === undefined && sameVersions(versionsOf(w.store.listSync()), want)) syncedAt[i] = Date.now();
        }
        return syncedAt.filter((t) => t !== undefined).length === WATCHERS;
      },
      { what: 'every watcher to resync', timeoutMs: RESYNC_BOUND_MS + 60_000 },
    );
    const resyncMs = Math.max(...syncedAt) - up;

    const during = fleet.map((w) => w.times.filter((t) => t >= down && t < up).length);
    const meanRate = during.reduce((a, b) => a + b, 0) / WATCHERS / (OUTAGE_MS / 1000);
    const perSecond = new Map<number, number>();
    for (const w of fleet) {
      for (const t of w.times) {
        if (t < up) continue;
        const second = Math.floor((t - up) / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
    }
    const burst = Math.max(...perSecond.values());
    const statuses = fleet.map((w) => w.watcher.status());
    const relists = statuses.reduce((a, s) => a + s.relists, 0);
    console.info(
      `outage (${WATCHERS} watchers, ${OUTAGE_MS / 1000} s, default backoff): requests per watcher during the outage mean ${(meanRate * (OUTAGE_MS / 1000)).toFixed(1)} (${meanRate.toFixed(3)}/s), min ${Math.min(...during)}, max ${Math.max(...during)}; proxy refused ${proxy.stats.refused} connections; ${backingOff} of ${WATCHERS} in phase backing-off mid-outage; after restore: largest burst ${burst} requests in one second (first 10 s: ${Array.from({ length: 10 }, (_, s) => perSecond.get(s) ?? 0).join(' ')}), all ${WATCHERS} resynced after ${resyncMs} ms (median ${(syncedAt.sort((a, b) => a - b)[WATCHERS / 2] ?? 0) - up} ms); relists ${relists}`,
    );
    expect(meanRate).toBeLessThanOrEqual(MEAN_RATE_CEILING);
    expect(Math.max(...during)).toBeLessThanOrEqual(PER_WATCHER_CEILING);
    expect(Math.min(...during)).toBeGreaterThanOrEqual(3); // they did retry
    expect(backingOff).toBeGreaterThanOrEqual(WATCHERS - 5); // the rest may be mid-attempt
    expect(burst).toBeLessThanOrEqual(BURST_CEILING);
    expect(resyncMs).toBeLessThanOrEqual(RESYNC_BOUND_MS);
    expect(relists).toBe(0);
    for (const s of statuses) expect(s.phase).toBe('watching');
  }, 420_000);
});
