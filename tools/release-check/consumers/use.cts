// Compiled by `tsc --noEmit` against the packed declarations (CommonJS side: the "require" types).
import { Indexer } from '@kw/indexer';
import { MemoryStore } from '@kw/store-memory';
import type { KubeObject, Store } from '@kw/types';
import type { Watcher } from '@kw/watcher';

const indexer = new Indexer<KubeObject>({ indexBy: ['metadata.namespace'] });
const store: Store<KubeObject> = new MemoryStore<KubeObject>();

export function count(): Promise<number> {
  return store.size();
}
export type AWatcher = Watcher<KubeObject>;
export const keys: readonly string[] = indexer.indexBy;

// @ts-expect-error
export const notANumber: number = store;
