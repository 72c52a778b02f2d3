// Compiled by `tsc --noEmit` against the packed declarations (ESM side: the "import" types).
import { Indexer } from '@kw/indexer';
import { MemoryStore } from '@kw/store-memory';
import type { KubeObject, Store, WatcherConfig } from '@kw/types';
import { Watcher } from '@kw/watcher';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const indexer = new Indexer<ConfigMap>({ indexBy: ['metadata.namespace', 'metadata.name'] });
const store: Store<ConfigMap> = new MemoryStore<ConfigMap>();
const cm: ConfigMap = { metadata: { name: 'a', namespace: 'ns' }, data: { k: 'v' } };
store.add(indexer.filterFields(cm), indexer.extractKeys(cm));

export async function lookup(namespace: string): Promise<string[]> {
  const found: ConfigMap[] = await store.get([namespace]);
  return found.map((o) => o.data?.k ?? '');
}

export function makeWatcher(options: Omit<WatcherConfig<ConfigMap>, 'keys' | 'store'>): Watcher<ConfigMap> {
  const config: WatcherConfig<ConfigMap> = { ...options, keys: indexer, store };
  return new Watcher<ConfigMap>({ ...config });
}

// The packed types are real, not `any`: a Store is not a number.
// @ts-expect-error
export const notANumber: number = store;
