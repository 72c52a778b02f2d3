import type {
  BackoffOptions,
  Clock,
  ErrorCallback,
  GroupVersionResource,
  Instrumentation,
  KubeApi,
  KubeObject,
  Logger,
  ResolvedResource,
  WatcherRef,
} from '@kw/types';
import type { InvalidConfigError } from './errors';
import type { ShardFilter } from './shard-filter';
import type { StepSink } from './watch-step';

/** Everything a {@link ListWatch} needs, with defaults already applied. */
export interface ListWatchOptions<T extends KubeObject> {
  api: KubeApi;
  resource: GroupVersionResource;
  namespace: string | undefined;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  listMode: 'auto' | 'paginated' | 'streaming';
  pageSize: number;
  /** Later LIST pages hold about this many bytes (`limit` from the last page's average object size); 0: every page `pageSize`. */
  pageBytes: number;
  metadataOnly: boolean;
  watchTimeoutSeconds: number;
  /** 0 disables the watchdog. */
  watchIdleTimeoutMs: number;
  slowRetryMs: number;
  backoff: Required<BackoffOptions>;
  logger: Logger;
  onError: ErrorCallback | undefined;
  /** Where the loop hands its steps; a `'relist'` answer ends the current listing or watch and lists again after backoff. */
  sink: StepSink<T>;
  /** Checks the resolved resource against the configuration; an error fails the watcher for good. */
  checkResolved?: (resource: ResolvedResource) => InvalidConfigError | undefined;
  /** The shard held: its selector goes on every request, and its support is checked on every (re)connection. */
  shard?: ShardFilter<T>;
  /** Monotonic time for waits, backoff and the watchdog; `performance.now()` by default. */
  clock?: Clock;
  /** Hooks the loop calls (lists, watches, recoveries, errors, batches); absent: one `undefined` check per call site. */
  instrumentation?: Instrumentation | undefined;
  /** Names this watcher in {@link instrumentation}; the same object on every call. */
  ref?: WatcherRef;
  /** Objects in the store, as the writer counts them (for `storeSize`). */
  storeSize?: () => number;
}
