import type { KubeObject } from '@kw/types';
import { CLI_DEFAULTS } from './cli-defaults';
import { formatBytes, plural } from './format';

/** JSON sizes of a set of objects, as stored raw and with the default field filtering. */
export interface SizeReport {
  count: number;
  rawBytes: number;
  filteredBytes: number;
}

/** Which store `inspect` recommends, and why. */
export interface StoreAdvice {
  store: 'memory' | 'cached';
  reason: string;
}

/** UTF-8 bytes of `obj`'s JSON. */
export function jsonBytes(obj: unknown): number {
  return Buffer.byteLength(JSON.stringify(obj), 'utf8');
}

/**
 * Sums raw and filtered JSON sizes; `filter` must not modify its argument (an `Indexer` built
 * with `mutate: false`).
 */
export function measureSizes(objects: readonly KubeObject[], filter: (obj: KubeObject) => KubeObject): SizeReport {
  let rawBytes = 0;
  let filteredBytes = 0;
  for (const obj of objects) {
    rawBytes += jsonBytes(obj);
    filteredBytes += jsonBytes(filter(obj));
  }
  return { count: objects.length, rawBytes, filteredBytes };
}

/**
 * Cached when objects are large (filtered average above `largeObjectBytes`) or many (filtered
 * total above `largeTotalBytes`): it keeps only keys in memory and fetches bodies on lookup.
 * Memory otherwise: lookups never touch the API.
 */
export function adviseStore(sizes: SizeReport, limits = CLI_DEFAULTS): StoreAdvice {
  const average = sizes.count === 0 ? 0 : sizes.filteredBytes / sizes.count;
  if (average > limits.largeObjectBytes) {
    return {
      store: 'cached',
      reason: `objects average ${formatBytes(average)} (> ${formatBytes(limits.largeObjectBytes)}): keep keys in memory and fetch bodies on lookup`,
    };
  }
  if (sizes.filteredBytes > limits.largeTotalBytes) {
    return {
      store: 'cached',
      reason: `${plural(sizes.count, 'object')} total ${formatBytes(sizes.filteredBytes)} (> ${formatBytes(limits.largeTotalBytes)}): too much to hold in memory`,
    };
  }
  return {
    store: 'memory',
    reason: `${plural(sizes.count, 'object')} × ${formatBytes(average)} = ${formatBytes(sizes.filteredBytes)}: small enough to hold, and lookups never call the API`,
  };
}
