/**
 * CachedStore under real load: a cold list() of many uncached bodies through a real apiserver,
 * behind an HttpFaultProxy whose request log shows how many GETs were in flight at once, and
 * which refuses some of them to prove the partial-read contract.
 */
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { createClient, type KubeClient } from '@kw/client';
import {
  adminKubeConfig,
  faultsAvailable,
  type HttpFaultProxy,
  type HttpLogEntry,
  kubeConfigVia,
  startHttpFaultProxy,
  useNamespace,
} from '@kw/kube-local/e2e';
import { pool, until } from '@kw/test-utils';
import type { ObjectFetcher, ResolvedResource } from '@kw/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedStore, PartialReadError, ReadAbortedError } from '../../src/index';

const COUNT = 200;
const CAP = 5;
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
const name = (i: number) => `cm-${String(i).padStart(3, '0')}`;
/** cm-010 … cm-019: the bodies the proxy refuses in the partial-read test. */
const REFUSED = /\/configmaps\/cm-01\d$/;

const ns = useNamespace('store-cached-load');

/** The most GETs of single ConfigMaps the apiserver was answering at the same moment (from the proxy log). */
function peakConcurrentGets(log: readonly HttpLogEntry[], after: number): number {
  const gets = log.filter((e) => e.seq > after && e.method === 'GET' && /\/configmaps\/cm-\d+$/.test(e.path));
  let peak = 0;
  for (const a of gets) {
    const open = gets.filter(
      (b) => b.receivedAt <= a.receivedAt && a.receivedAt < (b.respondedAt ?? Number.POSITIVE_INFINITY),
    );
    peak = Math.max(peak, open.length);
  }
  return peak;
}

describe.skipIf(!faultsAvailable())('CachedStore under real load', () => {
  let proxy: HttpFaultProxy;
  let client: KubeClient;
  let configMaps: ResolvedResource;
  /** A fetcher through the proxy, counting the fetches in flight at once. */
  const counted = { inFlight: 0, peak: 0 };
  let fetch: ObjectFetcher<V1ConfigMap>;

  beforeAll(async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await pool(
      Array.from({ length: COUNT }, (_, i) => i),
      16,
      (i) =>
        core.createNamespacedConfigMap({
          namespace: ns.name,
          body: { metadata: { name: name(i) }, data: { i: String(i) } },
        }),
    );
    proxy = await startHttpFaultProxy();
    // No client-side rate limit and no 429 retries: the store's cap is the only bound, a refusal fails at once.
    client = createClient({
      kubeConfig: kubeConfigVia(proxy.url),
      qps: Number.POSITIVE_INFINITY,
      retryAfter: { maxRetries: 0 },
    });
    configMaps = await client.resolve(CONFIGMAPS);
    fetch = async (namespace, objectName, signal) => {
      counted.inFlight++;
      counted.peak = Math.max(counted.peak, counted.inFlight);
      try {
        return await client.get<V1ConfigMap>(configMaps, namespace, objectName, signal ? { signal } : {});
      } catch (error) {
        if ((error as { code?: unknown }).code === 'KW_NOT_FOUND') return undefined;
        throw error;
      } finally {
        counted.inFlight--;
      }
    };
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await proxy?.close();
  });

  /** A store that knows every ConfigMap's identity (as after a metadata-only watch) and caches no body yet. */
  function coldStore(signal?: AbortSignal): CachedStore<V1ConfigMap> {
    const store = new CachedStore<V1ConfigMap>({
      fetch,
      concurrency: CAP,
      maxEntries: COUNT,
      ...(signal === undefined ? {} : { signal }),
    });
    for (let i = 0; i < COUNT; i++) {
      store.add({ metadata: { namespace: ns.name, name: name(i), resourceVersion: '1' } }, [name(i)]);
    }
    return store;
  }

  it(`fetches ${COUNT} uncached bodies with at most ${CAP} GETs in flight, as seen by the apiserver`, async () => {
    counted.peak = 0;
    const after = proxy.log.at(-1)?.seq ?? 0;
    const started = performance.now();
    const all = await coldStore().list();
    const ms = performance.now() - started;
    expect(all.map((cm) => cm.data?.i)).toEqual(Array.from({ length: COUNT }, (_, i) => String(i)));
    expect(counted.peak).toBe(CAP);
    const serverPeak = peakConcurrentGets(proxy.log, after);
    expect(serverPeak).toBeGreaterThan(1);
    expect(serverPeak).toBeLessThanOrEqual(CAP);
    console.log(
      `[store-cached e2e] cold list of ${COUNT} bodies, concurrency ${CAP}: ${ms.toFixed(0)} ms, peak ${serverPeak} GETs at the apiserver`,
    );
  });

  it('rejects a list whose fetches were partly refused with PartialReadError holding every body read', async () => {
    proxy.throttle({ fraction: 1, retryAfter: 1, match: (method, path) => method === 'GET' && REFUSED.test(path) });
    try {
      const error = await coldStore()
        .list()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(PartialReadError);
      const partial = error as PartialReadError<V1ConfigMap>;
      expect(partial.code).toBe('KW_PARTIAL_READ');
      const refused = Array.from({ length: 10 }, (_, j) => name(10 + j));
      expect(partial.failures.map((f) => f.id)).toEqual(refused.map((n) => `${ns.name}/${n}`));
      expect(partial.failures.every((f) => (f.error as { code?: unknown }).code === 'KW_TOO_MANY_REQUESTS')).toBe(true);
      expect(partial.objects.map((cm) => cm.metadata?.name)).toEqual(
        Array.from({ length: COUNT }, (_, i) => name(i)).filter((n) => !refused.includes(n)),
      );
    } finally {
      proxy.unthrottle();
    }
  });

  it('stops sending GETs once the store signal aborts a cold list, and rejects it with KW_ABORTED', async () => {
    const controller = new AbortController();
    const after = proxy.log.at(-1)?.seq ?? 0;
    const gets = () => proxy.log.filter((e) => e.seq > after && /\/configmaps\/cm-\d+$/.test(e.path)).length;
    const read = coldStore(controller.signal).list();
    await until(() => gets() >= 20, { what: '20 GETs at the apiserver' });
    const atAbort = gets();
    controller.abort(new Error('shutting down'));
    await expect(read).rejects.toBeInstanceOf(ReadAbortedError);
    await until(() => counted.inFlight === 0, { what: 'the cancelled fetches to settle' });
    const sent = gets();
    // Only the fetches already running when it aborted reached the apiserver; the queued ones never started.
    expect(sent).toBeLessThanOrEqual(atAbort + CAP);
    expect(sent).toBeLessThan(COUNT);
  });
});
