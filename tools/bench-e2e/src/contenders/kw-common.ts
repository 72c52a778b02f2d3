/**
 * The kw contenders: a Watcher syncing the namespace into a store, in seven configurations.
 * Latency under churn: each per-object change event (emitted after the store write) looks the
 * object up in the store and records now − its churn timestamp.
 */

import { kindByName } from '../kinds.ts';
import {
  CachedStore,
  createClient,
  createFetcher,
  Indexer,
  type KubeObject,
  MemoryStore,
  Metrics,
  type ObjectId,
  type Store,
  Watcher,
} from '../kw.ts';
import { type ContenderArgs, type LatencyRecorder, runContender } from '../measure.ts';

/** Which kw configuration. */
export type KwVariant = 'memory' | 'paginated' | 'streaming' | 'ignore' | 'cached' | 'metadata' | 'metrics';

/** How often kw-metrics renders its registry, as a Prometheus scrape would (ms); twice as often as a 15 s scrape interval, to not flatter it. */
const SCRAPE_EVERY_MS = 7_500;

const INDEX_BY = ['metadata.namespace', 'metadata.name'];
const IGNORE = ['metadata.managedFields', "metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']"];

/** Runs the kw contender `variant`. */
export function runKw(name: string, variant: KwVariant, args: ContenderArgs): Promise<void> {
  return runContender(name, args, async (latency: LatencyRecorder) => {
    const kind = kindByName(args.kind);
    const gvr = { group: kind.group, version: kind.version, resource: kind.resource };
    const metrics = variant === 'metrics' ? new Metrics() : undefined;
    const scrapes =
      metrics === undefined ? undefined : setInterval(() => void metrics.registry.metrics(), SCRAPE_EVERY_MS);
    const api = createClient({
      kubeconfigPath: args.kubeconfig,
      ...(metrics === undefined ? {} : { instrumentation: metrics }),
    });
    const indexer =
      variant === 'ignore' || variant === 'cached' || variant === 'metadata'
        ? new Indexer({ indexBy: INDEX_BY, ignoreFields: IGNORE, mutate: true })
        : new Indexer({ indexBy: INDEX_BY });
    let store: Store<KubeObject>;
    let cached: CachedStore<KubeObject> | undefined;
    if (variant === 'cached' || variant === 'metadata') {
      const resolved = await api.resolve(gvr);
      cached = new CachedStore<KubeObject>({
        fetch: createFetcher<KubeObject>(api, resolved),
        filterFields: (o) => indexer.filterFields(o),
      });
      store = cached;
    } else {
      store = new MemoryStore<KubeObject>();
    }
    const watcher = new Watcher<KubeObject>({
      api,
      resource: gvr,
      namespace: args.namespace,
      keys: indexer,
      store,
      onChange: () => {},
      ...(metrics === undefined ? {} : { instrumentation: metrics }),
      ...(variant === 'metadata' ? { metadataOnly: true } : {}),
      ...(variant === 'paginated' ? { listMode: 'paginated' as const } : {}),
      ...(variant === 'streaming' ? { listMode: 'streaming' as const } : {}),
      ...(args.pageSize === undefined ? {} : { pageSize: args.pageSize }),
      ...(args.pageBytes === undefined ? {} : { pageBytes: args.pageBytes }),
    });
    let consuming: Promise<void> | undefined;
    if (args.churn && !(store instanceof CachedStore)) {
      const events = watcher.events();
      consuming = (async () => {
        for await (const ev of events) {
          if (!latency.active) continue;
          const md = (ev as { object?: KubeObject }).object?.metadata;
          if (md?.name === undefined) continue;
          const id = (md.namespace === undefined ? md.name : `${md.namespace}/${md.name}`) as ObjectId;
          const inStore = await store.getById(id);
          latency.record(inStore?.metadata?.annotations as Record<string, string> | undefined);
        }
      })();
    }
    return {
      async sync() {
        await watcher.waitForSync();
        return store.size();
      },
      notes() {
        const st = watcher.status();
        return {
          lists: st.lists,
          listPages: st.listPages,
          watches: st.watches,
          relists: st.relists,
          errors: st.errors,
          lastError: st.lastError?.message,
          ...(cached !== undefined ? { cachedStore: cached.stats() } : {}),
        };
      },
      async stop() {
        clearInterval(scrapes);
        await watcher.stop();
        await consuming;
        (api as { close?: () => void }).close?.();
      },
    };
  });
}
