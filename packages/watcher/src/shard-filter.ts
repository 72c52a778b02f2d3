import type {
  KubeApi,
  KubeObject,
  ResolvedResource,
  ShardFiltering,
  ShardOption,
  ShardRange,
  ShardStatus,
} from '@kw/types';
import { createShardFilter, resolveShardOption, shardSelector } from './shard-selector';
import type { WatchStep } from './watch-step';

/** What the support check sends besides the shard selector. */
export interface ShardProbeTarget {
  api: KubeApi;
  resource: ResolvedResource;
  namespace: string | undefined;
  labelSelector?: string;
  fieldSelector?: string;
  signal: AbortSignal;
}

/**
 * A watcher's shard: the range it holds, the `shardSelector` it sends, and whether the server or
 * the watcher filters. {@link check} asks the server once per (re)connection with a JSON LIST of
 * `limit=1`: an echoed `metadata.shardInfo` means the server filters, none means it ignored the
 * selector, and {@link admits} then drops other shards' objects at the step seam with the same hash.
 */
export class ShardFilter<T extends KubeObject = KubeObject> {
  #range: ShardRange;
  #selector: string;
  #inRange: (object: KubeObject) => boolean;
  #filtering: ShardFiltering | undefined;

  /** Validates `option` (throws `InvalidConfigError` naming `shard.<field>` and the value). */
  constructor(option: ShardOption) {
    this.#range = resolveShardOption(option);
    this.#selector = shardSelector(this.#range);
    this.#inRange = createShardFilter(this.#range);
  }

  /** The `shardSelector` query parameter of every LIST and WATCH. */
  get selector(): string {
    return this.#selector;
  }

  /** The range and where it is filtered. */
  status(): ShardStatus {
    return { range: { ...this.#range }, filtering: this.#filtering };
  }

  /**
   * Moves to the range of `option` (validated; throws `InvalidConfigError`). Returns false when the
   * range is the same, so there is nothing to relist.
   */
  set(option: ShardOption): boolean {
    const range = resolveShardOption(option);
    const selector = shardSelector(range);
    if (selector === this.#selector) return false;
    this.#range = range;
    this.#selector = selector;
    this.#inRange = createShardFilter(range);
    return true;
  }

  /** Asks the server whether it honours the selector (a JSON LIST of one item); sets `filtering`. */
  async check(target: ShardProbeTarget): Promise<void> {
    const { api, resource, namespace, labelSelector, fieldSelector, signal } = target;
    const options: Parameters<KubeApi['list']>[2] = { limit: 1, shardSelector: this.#selector, signal };
    if (labelSelector !== undefined) options.labelSelector = labelSelector;
    if (fieldSelector !== undefined) options.fieldSelector = fieldSelector;
    const page = await api.list(resource, namespace, options);
    this.#filtering = page.shardInfo === undefined ? 'client' : 'server';
  }

  /**
   * Whether `step` may reach the writer: always, unless the watcher filters itself and the step
   * carries an object outside the range (a listed object, or a watch event: an object's uid and
   * namespace never change, so one outside the range was never stored).
   */
  admits(step: WatchStep<T>): boolean {
    if (this.#filtering !== 'client' || step.type === 'init' || step.type === 'initDone') return true;
    return this.#inRange(step.obj);
  }
}
