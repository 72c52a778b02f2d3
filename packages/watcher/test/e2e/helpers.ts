import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { createClient, type KubeClient } from '@kw/client';
import { adminKubeConfig } from '@kw/kube-local/e2e';
import type { KubeApi, KubeObject } from '@kw/types';

export const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };

/** Polls `probe` until it returns a value other than `undefined`/`false`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A kw client for `kc` (default admin) without client-side rate limiting. */
export function client(kc: KubeConfig = adminKubeConfig()): KubeClient {
  return createClient({ kubeConfig: kc, qps: Number.POSITIVE_INFINITY });
}

/** Wraps a KubeApi, counting requests per verb. */
export function counting(api: KubeApi): { api: KubeApi; counts: Record<'resolve' | 'list' | 'watch' | 'get', number> } {
  const counts = { resolve: 0, list: 0, watch: 0, get: 0 };
  const wrapped: KubeApi = {
    get identity() {
      return api.identity;
    },
    resolve: (...args) => {
      counts.resolve++;
      return api.resolve(...args);
    },
    list: (...args) => {
      counts.list++;
      return api.list(...args);
    },
    watch: (...args) => {
      counts.watch++;
      return api.watch(...args);
    },
    get: (...args) => {
      counts.get++;
      return api.get(...args);
    },
  };
  return { api: wrapped, counts };
}

/** Mutations through @kubernetes/client-node, as the admin. */
export function core(): CoreV1Api {
  return adminKubeConfig().makeApiClient(CoreV1Api);
}

export function configMap(
  name: string,
  labels: Record<string, string>,
  data: Record<string, string> = {},
): V1ConfigMap {
  return { metadata: { name, labels }, data };
}

/** name → resourceVersion of the ConfigMaps in `namespace` matching `labelSelector`, read fresh from the API. */
export async function freshVersions(namespace: string, labelSelector?: string): Promise<Map<string, string>> {
  const list = await core().listNamespacedConfigMap(labelSelector ? { namespace, labelSelector } : { namespace });
  return new Map(list.items.map((cm) => [cm.metadata?.name ?? '', cm.metadata?.resourceVersion ?? '']));
}

/** name → resourceVersion of objects. */
export function versionsOf(objects: readonly KubeObject[]): Map<string, string> {
  return new Map(objects.map((o) => [o.metadata?.name ?? '', o.metadata?.resourceVersion ?? '']));
}

export function sameVersions(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}

/** A small seeded PRNG (mulberry32) so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts of the resource kinds that keep a process alive (sockets, timers). */
export function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'TLSWrap' || kind === 'Timeout' || kind === 'TCPWRAP') {
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
  }
  return counts;
}
