import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import {
  apiserverAddress,
  FaultProxy,
  faultsAvailable,
  type HttpLogEntry,
  kubeConfigVia,
  startHttpFaultProxy,
  useNamespace,
} from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { pool, until, useCleanup } from '@kw/test-utils';
import type { KubeApi, KubeObject, KwErrorShape } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { SingleWatcher, Watcher, type WatcherConfig } from '../../src/index';
import {
  CONFIGMAPS,
  client,
  configMap,
  core,
  counting,
  freshVersions,
  prng,
  sameVersions,
  versionsOf,
} from './helpers';

/** Discovery requests (`/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`), as opposed to list/watch. */
const DISCOVERY_PATH = /^\/(api(\/v1)?|apis(\/[^/?]+){0,2})(\?|$)/;

// The silent faults (issue "Watch faults that kill quietly"): a blackholed watch, a 429 storm and a
// slow events() consumer, on the real control plane. Figures are printed with console.info.

const ns = useNamespace('kw-faults');
const cleanup = useCleanup();

const name = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;

async function createMany(prefix: string, n: number, labels: Record<string, string>): Promise<string[]> {
  const api = core();
  const names = Array.from({ length: n }, (_, i) => name(prefix, i));
  await pool(names, 20, (cm) =>
    api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(cm, labels, { v: '0' }) }),
  );
  return names;
}

async function touch(cm: string, labels: Record<string, string>, value: string): Promise<void> {
  await core().replaceNamespacedConfigMap({
    name: cm,
    namespace: ns.name,
    body: configMap(cm, labels, { v: value }),
  });
}

function newWatcher(api: KubeApi, options: Partial<WatcherConfig>) {
  const store = new MemoryStore();
  const errors: Array<{ at: number; error: KwErrorShape }> = [];
  const watcher = new Watcher({
    api,
    resource: CONFIGMAPS,
    namespace: ns.name,
    keys: new Indexer({ indexBy: ['metadata.name'], ignoreFields: ['metadata.managedFields'], mutate: true }),
    store,
    onChange: () => {},
    onError: (error) => errors.push({ at: Date.now(), error }),
    debounceMs: 50,
    backoff: { initialMs: 200, maxMs: 2000 },
    ...options,
  });
  cleanup.push(() => watcher.stop());
  return { watcher, store, errors };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

describe.skipIf(!faultsAvailable())('Watcher under silent faults', () => {
  it('detects a blackholed watch within watchIdleTimeoutMs and resumes without relisting (10 trials, 1,000 objects)', async () => {
    const BOUND_MS = 3000;
    const labels = { suite: 'blackhole' };
    const names = await createMany('bh', 1000, labels);
    const ticker = names[0] as string;
    const proxy = await FaultProxy.start({ target: apiserverAddress() });
    cleanup.push(() => proxy.close());
    const kube = client(kubeConfigVia(proxy.url));
    cleanup.push(() => kube.close());
    const { api, counts } = counting(kube);
    const { watcher, store, errors } = newWatcher(api, {
      labelSelector: 'suite=blackhole',
      watchIdleTimeoutMs: BOUND_MS,
    });
    await watcher.waitForSync();
    expect(store.sizeSync()).toBe(1000);

    // Keep the healthy watch from ever being quiet for BOUND_MS: one write every 500 ms (directly, not via the proxy).
    let ticking = true;
    const tickerDone = (async () => {
      for (let i = 1; ticking; i++) {
        await touch(ticker, labels, `t${i}`).catch(() => {});
        await sleep(500);
      }
    })();
    cleanup.push(async () => {
      ticking = false;
      await tickerDone;
    });

    // The short bound applies once the server has proved it sends periodic bookmarks (about one a minute).
    await until(() => watcher.status().watchIdleBoundMs === BOUND_MS, {
      what: 'a periodic bookmark',
      timeoutMs: 120_000,
    });
    expect(watcher.status().idleTimeouts).toBe(0); // a healthy watch is never closed

    const random = prng(42);
    const latencies: number[] = [];
    for (let trial = 0; trial < 10; trial++) {
      const seen = errors.length;
      const started = Date.now();
      proxy.blackhole();
      const changed = new Set<string>();
      while (changed.size < 100) changed.add(names[1 + Math.floor(random() * 999)] as string);
      await pool([...changed], 10, (cm) => touch(cm, labels, `trial${trial}`));
      const detected = await until(() => errors.slice(seen).find((e) => e.error.code === 'KW_TIMEOUT'), {
        what: 'the watchdog to close the hung watch',
        timeoutMs: BOUND_MS + 30_000,
      });
      latencies.push(detected.at - started);
      proxy.heal();
      await until(
        async () => sameVersions(versionsOf(store.listSync()), await freshVersions(ns.name, 'suite=blackhole')),
        { what: 'the store to equal a fresh list', timeoutMs: 60_000 },
      );
    }

    const status = watcher.status();
    console.info(
      `blackhole: detection latency over ${latencies.length} trials (bound ${BOUND_MS} ms): median ${median(latencies)} ms, max ${Math.max(...latencies)} ms [${latencies.join(', ')}]; watches ${status.watches}, rewatches ${status.rewatches}, idleTimeouts ${status.idleTimeouts}, lists ${status.lists}, relists ${status.relists}`,
    );
    // Silence starts at the last event before the blackhole (≤ 0.5 s earlier): detection is due by BOUND_MS; 3 s margin for a loaded machine.
    for (const latency of latencies) expect(latency).toBeLessThan(BOUND_MS + 3000);
    expect(status.idleTimeouts).toBeGreaterThanOrEqual(10);
    expect(status.relists).toBe(0);
    expect(status.lists).toBe(1);
    expect(counts.list).toBe(1); // one LIST page (auto: a small collection), then only watches
  }, 420_000);

  it('honours Retry-After through a 60 s storm of 429s on half the requests, never relisting', async () => {
    const RETRY_AFTER_S = 2;
    const STORM_MS = 60_000;
    const labels = { suite: 'storm' };
    const names = await createMany('storm', 200, labels);
    const proxy = await startHttpFaultProxy({ seed: 429 });
    cleanup.push(() => proxy.close());
    proxy.throttle({ fraction: 0.5, retryAfter: RETRY_AFTER_S });
    const stormStarted = Date.now();

    const viaProxy = (userAgent: string) => {
      const kube = createClient({ kubeConfig: kubeConfigVia(proxy.url), qps: Number.POSITIVE_INFINITY, userAgent });
      cleanup.push(() => kube.close());
      return kube;
    };
    const tuning = { watchTimeoutSeconds: 3, backoff: { initialMs: 200, maxMs: 2000 } };
    const streaming = newWatcher(viaProxy('storm-streaming'), {
      labelSelector: 'suite=storm',
      listMode: 'streaming',
      ...tuning,
    });
    const paginated = newWatcher(viaProxy('storm-paginated'), {
      labelSelector: 'suite=storm',
      listMode: 'paginated',
      pageSize: 20,
      ...tuning,
    });
    let singleObject: KubeObject | undefined;
    const single = new SingleWatcher({
      api: viaProxy('storm-single'),
      resource: CONFIGMAPS,
      namespace: ns.name,
      name: names[0] as string,
      onChange: (obj) => {
        singleObject = obj;
      },
      onSyncComplete: (obj) => {
        singleObject = obj;
      },
      ...tuning,
    });
    cleanup.push(() => single.stop());
    const watchers = {
      'storm-streaming': streaming.watcher,
      'storm-paginated': paginated.watcher,
      'storm-single': single,
    };

    // Churn during the storm (directly, not through the proxy); the watchers start under the storm.
    const random = prng(7);
    let writes = 0;
    const churn = (async () => {
      while (Date.now() - stormStarted < STORM_MS) {
        const cm = random() < 0.2 ? (names[0] as string) : (names[Math.floor(random() * names.length)] as string);
        await touch(cm, labels, `w${writes++}`);
        await sleep(150);
      }
    })();
    await Promise.all([streaming.watcher.waitForSync(), paginated.watcher.waitForSync(), single.waitForSync()]);
    const syncedAfter = Date.now() - stormStarted;
    await churn;
    proxy.unthrottle();
    const stormEnded = Date.now();
    await touch(names[0] as string, labels, 'final');
    const fresh = async () => freshVersions(ns.name, 'suite=storm');
    await until(
      async () => {
        const want = await fresh();
        return (
          sameVersions(versionsOf(streaming.store.listSync()), want) &&
          sameVersions(versionsOf(paginated.store.listSync()), want) &&
          singleObject?.metadata?.resourceVersion === want.get(names[0] as string)
        );
      },
      { what: 'every watcher to converge', timeoutMs: 60_000 },
    );
    const convergedMs = Date.now() - stormEnded;

    // From the proxy's log, per client (user agent) and per stream of requests: after each 429, the
    // stream's next request came no earlier than Retry-After. A client's discovery reads and its
    // list/watch requests are two streams: the first LIST page is requested beside discovery, so
    // across streams a request can follow the other stream's 429 by a few ms, having been sent before it.
    const byStream = new Map<string, HttpLogEntry[]>();
    for (const entry of proxy.log) {
      const key = `${entry.userAgent} ${DISCOVERY_PATH.test(entry.path) ? 'discovery' : 'list/watch'}`;
      const list = byStream.get(key) ?? [];
      list.push(entry);
      byStream.set(key, list);
    }
    const lines: string[] = [];
    let early = 0;
    for (const [agent, watcher] of Object.entries(watchers)) {
      const streams = ['discovery', 'list/watch'].map((kind) => byStream.get(`${agent} ${kind}`) ?? []);
      const entries = streams.flat();
      let minGap = Number.POSITIVE_INFINITY;
      for (const stream of streams) {
        for (let i = 0; i + 1 < stream.length; i++) {
          const entry = stream[i] as HttpLogEntry;
          if (entry.status !== 429) continue;
          const gap = (stream[i + 1] as HttpLogEntry).receivedAt - (entry.respondedAt ?? entry.receivedAt);
          minGap = Math.min(minGap, gap);
          if (gap < RETRY_AFTER_S * 1000) early++;
        }
      }
      const throttled = entries.filter((e) => e.status === 429).length;
      // Discovery reads retry their 429s inside the client (after Retry-After, checked above);
      // the watcher's counter sees the list and watch requests' 429s.
      const throttledListWatch = entries.filter((e) => e.status === 429 && !DISCOVERY_PATH.test(e.path)).length;
      const status = watcher.status();
      lines.push(
        `${agent}: ${entries.length} requests, ${throttled} answered 429, shortest wait after a 429 ${minGap} ms; (${throttledListWatch} on list/watch), status tooManyRequests ${status.tooManyRequests}, lists ${status.lists}, relists ${status.relists}, rewatches ${status.rewatches}`,
      );
      expect(throttled, agent).toBeGreaterThanOrEqual(3);
      expect(status.tooManyRequests, agent).toBe(throttledListWatch);
      expect(status.relists, agent).toBe(0);
      expect(status.lists, agent).toBe(1);
      expect(status.phase, agent).toBe('watching');
    }
    console.info(
      `429 storm (50% of requests, Retry-After ${RETRY_AFTER_S} s, ${STORM_MS / 1000} s, ${writes} writes): synced under the storm after ${syncedAfter} ms; converged ${convergedMs} ms after it ended; retries earlier than Retry-After: ${early}\n  ${lines.join('\n  ')}`,
    );
    expect(early).toBe(0);
  }, 240_000);

  it('keeps memory bounded when events() is consumed 10x slower than changes arrive, and converges', async () => {
    const RUN_MS = 60_000;
    const labels = { suite: 'slow' };
    const names = await createMany('slow', 500, labels);
    const kube = client();
    cleanup.push(() => kube.close());
    let onChangeCalls = 0;
    let reportedModified = 0;
    const { watcher, store } = newWatcher(kube, {
      labelSelector: 'suite=slow',
      debounceMs: 100,
      maxWaitMs: 1000,
      onChange: (_store, stats) => {
        onChangeCalls++;
        reportedModified += stats.modified;
      },
    });
    await watcher.waitForSync();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };

    const events = watcher.events();
    const pending = events as unknown as { size: number }; // ChangeEventQueue: coalesced events waiting
    const arrivedAtStart = watcher.status().events.modified;
    const lastSeen = new Map<string, string>();
    let consumed = 0;
    let fast = false;
    const consumer = (async () => {
      for await (const { object } of events) {
        consumed++;
        lastSeen.set(object.metadata?.name ?? '', object.metadata?.resourceVersion ?? '');
        // Consume at a tenth of the arrival rate until the end of the run, then drain at full speed.
        while (!fast && consumed * 10 > watcher.status().events.modified - arrivedAtStart) await sleep(10);
      }
    })();
    const heapBefore = heap();

    const random = prng(99);
    const started = Date.now();
    let writes = 0;
    let maxPending = 0;
    const sampler = setInterval(() => {
      maxPending = Math.max(maxPending, pending.size);
    }, 100);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() - started < RUN_MS) {
          const cm = names[Math.floor(random() * names.length)] as string;
          await touch(cm, labels, `w${writes++}`).catch(() => {});
          await sleep(50); // 8 writers: ≈ 100 writes/s on this machine
        }
      }),
    );
    clearInterval(sampler);
    const arrived = watcher.status().events.modified - arrivedAtStart;
    const consumedDuringRun = consumed;
    const pendingAtEnd = pending.size;
    const heapAfter = heap();

    const want = await until(
      async () => {
        const fresh = await freshVersions(ns.name, 'suite=slow');
        return sameVersions(versionsOf(store.listSync()), fresh) ? fresh : undefined;
      },
      { what: 'the store to equal a fresh list', timeoutMs: 60_000 },
    );
    await until(() => reportedModified === watcher.status().events.modified, {
      what: 'onChange to have reported every modification',
      timeoutMs: 30_000,
    });
    fast = true;
    await until(() => pending.size === 0, { what: 'the consumer to drain', timeoutMs: 30_000 });
    await sleep(200);
    for (const [cm, rv] of lastSeen) expect(rv, cm).toBe(want.get(cm));
    await watcher.stop();
    await consumer;

    const growthMb = (heapAfter - heapBefore) / 2 ** 20;
    console.info(
      `slow consumer: ${writes} writes in ${RUN_MS / 1000} s (${Math.round(arrived / (RUN_MS / 1000))} events/s arrived), consumed ${consumedDuringRun} during the run (${(arrived / Math.max(1, consumedDuringRun)).toFixed(1)}x slower); pending (coalesced) max ${maxPending}, at end ${pendingAtEnd} (≤ ${names.length} objects); heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MB (growth ${growthMb.toFixed(1)} MB); onChange calls ${onChangeCalls}, modifications reported ${reportedModified}`,
    );
    expect(arrived).toBeGreaterThan(consumedDuringRun * 5);
    expect(maxPending).toBeLessThanOrEqual(names.length);
    expect(growthMb).toBeLessThan(32);
    expect(onChangeCalls).toBeGreaterThanOrEqual(20); // maxWaitMs 1 s under continuous churn: ~60 calls
  }, 240_000);
});
