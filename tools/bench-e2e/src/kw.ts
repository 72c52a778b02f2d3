/**
 * kw packages as the contenders use them: from their built `dist/` (what users run), resolved
 * by path because this private tool is not a workspace package. Build them first (`pnpm build`).
 */
export { createClient, createFetcher } from '../../../packages/client/dist/index.js';
export { Indexer } from '../../../packages/indexer/dist/index.js';
export { Metrics } from '../../../packages/metrics/dist/index.js';
export { CachedStore } from '../../../packages/store-cached/dist/index.js';
export { MemoryStore } from '../../../packages/store-memory/dist/index.js';
export { Watcher } from '../../../packages/watcher/dist/index.js';

/** The kw packages a contender loads, for the runner's freshness check. */
export const KW_PACKAGES = [
  'types',
  'client',
  'indexer',
  'store-memory',
  'store-cached',
  'watcher',
  'metrics',
] as const;
export type { KubeObject, ObjectId, Store } from '../../../packages/types/dist/index.js';
