import type {
  BackoffOptions,
  ErrorCallback,
  GroupVersionResource,
  Instrumentation,
  KeyExtractor,
  KubeApi,
  KubeObject,
  Logger,
  ShardRange,
  Store,
  WatcherConfig,
  WatcherRef,
  WatchTargetConfig,
} from '@kw/types';
import { InvalidConfigError } from './errors';
import { SILENT_LOGGER } from './logger';
import { resolveShardOption } from './shard-selector';

/**
 * Every default of `Watcher` and `SingleWatcher`, in one place. Times are milliseconds unless
 * the name says seconds.
 *
 * - `debounceMs` 500: quiet time before `onChange`; bursts (a rollout touching 50 pods) become one call,
 *   and a controller still reacts within a second.
 * - `maxWaitMs` 5000: under continuous churn `onChange` still runs at least every 5 s.
 * - `pageSize` 500 (`listMode: 'paginated'`): the first LIST page's `limit`, as client-go's pager uses.
 * - `pageBytes` 8 MiB (`listMode: 'paginated'`): later pages ask for as many objects as fit in about 8 MiB at the last page's average
 *   object size (never fewer than `pageSize`). kube-apiserver's watch cache spends time on every page in
 *   proportion to the whole collection, so pages of 500 make a large listing quadratic: at 210k ConfigMaps
 *   31 s of pages of 500 against 8 s of ~4,000 (v1.37, bench/results); responses are parsed as they stream in,
 *   so a large page never blocks the event loop in one piece.
 * - `watchTimeoutSeconds` 300: each watch asks the server to end it after a random time in [300, 600) s,
 *   so many watchers do not reconnect in lockstep.
 * - `watchIdleTimeoutMs` 180000: kube-apiserver's watch cache sends a bookmark about once a minute (and 2 s before
 *   the watch's deadline) to a watch that asked for them, so once one periodic bookmark has arrived, three minutes
 *   without any event or bookmark means the connection is hung; it is closed and resumed. Until then (resources
 *   served from etcd get no bookmarks) the bound is the watch's `timeoutSeconds` plus this, as the server ends
 *   healthy watches by their timeout.
 * - `backoff`: client-go's reference (800 ms initial, ×2, capped at 30 s, reset after 2 min without failures),
 *   full jitter.
 * - `maxAtomicDiff` 20000: a relist diff commits in one `store.replace` call, an event-loop block of
 *   about 2 µs of CPU per entry into a 100k MemoryStore (bench/results), so 20k stays within 50 ms.
 * - `slowRetryMs` 30000: after 401/403/404/unknown resource, retries wait a random time in [30, 60) s.
 * - `listMode` 'auto': one consistent LIST without a `limit`, parsed as it streams in (items in ~110 KiB groups).
 *   kube-apiserver v1.37 sends 100k ConfigMaps (290 MB) as one LIST in 1.3–1.6 s, as LIST pages of 8 or 64 MiB in 2.4–3.9 s (a page
 *   after the first waits 0.15–1.5 s for its first byte), and as a streaming list in 4.3 s, measured with a client
 *   that only reads; it ends a streaming list only on its next bookmark tick (once a second), so a small collection
 *   would wait 0.3–0.5 s for it (bench/results).
 */
export const WATCHER_DEFAULTS = {
  debounceMs: 500,
  maxWaitMs: 5000,
  callOnChangeDuringSync: false,
  pageSize: 500,
  pageBytes: 8 * 1024 * 1024,
  listMode: 'auto',
  metadataOnly: false,
  maxAtomicDiff: 20_000,
  watchTimeoutSeconds: 300,
  watchIdleTimeoutMs: 180_000,
  slowRetryMs: 30_000,
  backoff: { initialMs: 800, factor: 2, maxMs: 30_000, resetAfterMs: 120_000 },
} as const;

/** The validated settings both watchers share. */
export interface TargetSettings {
  api: KubeApi;
  resource: GroupVersionResource;
  namespace: string | undefined;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  signal: AbortSignal | undefined;
  onError: ErrorCallback | undefined;
  logger: Logger;
  backoff: Required<BackoffOptions>;
  watchTimeoutSeconds: number;
  watchIdleTimeoutMs: number;
  slowRetryMs: number;
}

/** The validated settings of a collection `Watcher`, defaults applied. */
export interface WatcherSettings extends TargetSettings {
  debounceMs: number;
  maxWaitMs: number;
  callOnChangeDuringSync: boolean;
  pageSize: number;
  pageBytes: number;
  listMode: 'auto' | 'paginated' | 'streaming';
  metadataOnly: boolean;
  maxAtomicDiff: number;
  /** Names the watcher in `instrumentation`; the one object passed on every hook call. */
  ref: WatcherRef;
  instrumentation: Instrumentation | undefined;
  /** The `shard` option's range (bounds in lowercase), or `undefined`: the whole collection. */
  shardRange: ShardRange | undefined;
}

const LIST_MODES = ['auto', 'paginated', 'streaming'] as const;

/** `group/version/resource`, `core` for the core group: a watcher's default name in instrumentation. */
export function defaultWatcherName(resource: GroupVersionResource): string {
  return `${resource.group === '' ? 'core' : resource.group}/${resource.version}/${resource.resource}`;
}

/** Validates a `Watcher`'s whole configuration; throws {@link InvalidConfigError} naming the field. */
export function watcherSettings<T extends KubeObject>(config: WatcherConfig<T>): WatcherSettings {
  const target = targetSettings(config, 'Watcher');
  const keys = checkKeys(config.keys);
  checkStore(config.store);
  requiredFunction('onChange', config.onChange);
  optionalFunction('onSyncComplete', config.onSyncComplete);
  const debounceMs = number('debounceMs', config.debounceMs, WATCHER_DEFAULTS.debounceMs, { min: 0 });
  const maxWaitMs = number('maxWaitMs', config.maxWaitMs, Math.max(WATCHER_DEFAULTS.maxWaitMs, debounceMs), {
    min: 0,
  });
  if (maxWaitMs < debounceMs) {
    throw new InvalidConfigError(
      'maxWaitMs',
      `${maxWaitMs} is less than debounceMs ${debounceMs} — maxWaitMs bounds the debounce, so it must be ≥ debounceMs`,
      maxWaitMs,
    );
  }
  const listMode = config.listMode ?? WATCHER_DEFAULTS.listMode;
  if (!LIST_MODES.includes(listMode)) {
    throw new InvalidConfigError(
      'listMode',
      `expected one of ${LIST_MODES.join(', ')}, got ${show(listMode)}`,
      listMode,
    );
  }
  const metadataOnly = boolean('metadataOnly', config.metadataOnly, WATCHER_DEFAULTS.metadataOnly);
  if (metadataOnly && !keys.metadataOnly) {
    throw new InvalidConfigError(
      'metadataOnly',
      `true needs keys.metadataOnly, but the indexer reads more than metadata (indexBy ${show(keys.indexBy)}, or its ignoreFields / fieldSelector) — index only metadata.* fields or drop metadataOnly`,
      metadataOnly,
    );
  }
  const name = config.name ?? defaultWatcherName(target.resource);
  if (typeof name !== 'string' || name === '') {
    throw new InvalidConfigError(
      'name',
      `expected a non-empty string naming the watcher in metrics, got ${show(name)} — omit it for ${show(defaultWatcherName(target.resource))}`,
      name,
    );
  }
  const instrumentation = config.instrumentation;
  if (instrumentation !== undefined && (instrumentation === null || typeof instrumentation !== 'object')) {
    throw new InvalidConfigError(
      'instrumentation',
      `expected an object implementing Instrumentation (e.g. new Metrics() from @kw/metrics), got ${show(instrumentation)}`,
      instrumentation,
    );
  }
  return {
    ...target,
    ref: { name, ...target.resource },
    instrumentation,
    debounceMs,
    maxWaitMs,
    callOnChangeDuringSync: boolean(
      'callOnChangeDuringSync',
      config.callOnChangeDuringSync,
      WATCHER_DEFAULTS.callOnChangeDuringSync,
    ),
    pageSize: number('pageSize', config.pageSize, WATCHER_DEFAULTS.pageSize, { min: 1, integer: true }),
    pageBytes: number('pageBytes', config.pageBytes, WATCHER_DEFAULTS.pageBytes, { min: 0, integer: true }),
    listMode,
    metadataOnly,
    maxAtomicDiff: number('maxAtomicDiff', config.maxAtomicDiff, WATCHER_DEFAULTS.maxAtomicDiff, {
      min: 0,
      integer: true,
    }),
    shardRange: config.shard === undefined ? undefined : resolveShardOption(config.shard),
  };
}

function checkKeys(keys: unknown): KeyExtractor {
  const k = keys as Partial<KeyExtractor> | null | undefined;
  if (k === null || typeof k !== 'object') {
    throw new InvalidConfigError(
      'keys',
      `expected a KeyExtractor, got ${show(keys)} — pass new Indexer({ indexBy: [...] }) from @kw/indexer`,
      keys,
    );
  }
  if (!Array.isArray(k.indexBy) || k.indexBy.length === 0) {
    throw new InvalidConfigError(
      'keys.indexBy',
      `expected at least one index expression, got ${show(k.indexBy)} — e.g. ['metadata.namespace', 'metadata.name']`,
      k.indexBy,
    );
  }
  for (const method of ['extractKeys', 'filterFields', 'matches'] as const) {
    if (typeof k[method] !== 'function') {
      throw new InvalidConfigError(`keys.${method}`, `expected a function, got ${show(k[method])}`, k[method]);
    }
  }
  return k as KeyExtractor;
}

function checkStore(store: unknown): Store {
  const s = store as Partial<Store> | null | undefined;
  if (s === null || typeof s !== 'object') {
    throw new InvalidConfigError(
      'store',
      `expected a Store, got ${show(store)} — pass new MemoryStore() from @kw/store-memory`,
      store,
    );
  }
  for (const method of ['add', 'update', 'delete'] as const) {
    if (typeof s[method] !== 'function') {
      throw new InvalidConfigError(`store.${method}`, `expected a function, got ${show(s[method])}`, s[method]);
    }
  }
  return s as Store;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates the fields `Watcher` and `SingleWatcher` share; throws {@link InvalidConfigError} naming the field. */
export function targetSettings(config: WatchTargetConfig, what: string): TargetSettings {
  if (config === null || typeof config !== 'object') {
    throw new InvalidConfigError('config', `new ${what}() needs a configuration object, got ${show(config)}`, config);
  }
  const api = config.api as Partial<KubeApi> | undefined;
  if (
    api === null ||
    typeof api !== 'object' ||
    !['resolve', 'list', 'watch'].every((m) => isFunction(api[m as 'list']))
  ) {
    throw new InvalidConfigError(
      'api',
      `expected a KubeApi (resolve, list and watch methods), got ${show(api)} — pass createClient() from @kw/client`,
      api,
    );
  }
  const resource = checkResource(config.resource);
  const namespace = optionalString('namespace', config.namespace);
  if (namespace !== undefined && (namespace.length > 63 || !DNS_LABEL.test(namespace))) {
    throw new InvalidConfigError(
      'namespace',
      `${show(namespace)} is not a valid namespace name (lowercase letters, digits and "-", at most 63) — omit it (or pass '') to watch all namespaces`,
      namespace,
    );
  }
  const signal = config.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidConfigError('signal', `expected an AbortSignal, got ${show(signal)}`, signal);
  }
  return {
    api: api as KubeApi,
    resource,
    namespace,
    labelSelector: optionalString('labelSelector', config.labelSelector),
    fieldSelector: optionalString('fieldSelector', config.fieldSelector),
    signal,
    onError: optionalFunction('onError', config.onError) as ErrorCallback | undefined,
    logger: checkLogger(config.logger),
    backoff: checkBackoff(config.backoff),
    watchTimeoutSeconds: number(
      'watchTimeoutSeconds',
      config.watchTimeoutSeconds,
      WATCHER_DEFAULTS.watchTimeoutSeconds,
      {
        min: 1,
        integer: true,
      },
    ),
    watchIdleTimeoutMs: number('watchIdleTimeoutMs', config.watchIdleTimeoutMs, WATCHER_DEFAULTS.watchIdleTimeoutMs, {
      min: 0,
    }),
    slowRetryMs: number('slowRetryMs', config.slowRetryMs, WATCHER_DEFAULTS.slowRetryMs, { min: 1 }),
  };
}

function checkResource(resource: unknown): GroupVersionResource {
  if (resource === null || typeof resource !== 'object') {
    throw new InvalidConfigError(
      'resource',
      `expected { group, version, resource }, got ${show(resource)} — e.g. { group: '', version: 'v1', resource: 'configmaps' }`,
      resource,
    );
  }
  const { group, version, resource: plural } = resource as Partial<GroupVersionResource>;
  if (typeof group !== 'string') {
    throw new InvalidConfigError(
      'resource.group',
      `expected a string, got ${show(group)} — the core group ("v1" resources) is ''`,
      group,
    );
  }
  if (group.includes('/')) {
    const [g, v] = group.split('/');
    throw new InvalidConfigError(
      'resource.group',
      `${show(group)} contains "/" — did you mean group ${show(g)} and version ${show(v)}?`,
      group,
    );
  }
  if (typeof version !== 'string' || version === '' || version.includes('/')) {
    throw new InvalidConfigError(
      'resource.version',
      `expected a version like "v1", got ${show(version)}${typeof version === 'string' && version.includes('/') ? ' — put the group in resource.group' : ''}`,
      version,
    );
  }
  if (typeof plural !== 'string' || plural === '' || plural.includes('/')) {
    throw new InvalidConfigError(
      'resource.resource',
      `expected the plural resource name like "configmaps", got ${show(plural)}`,
      plural,
    );
  }
  if (plural !== plural.toLowerCase()) {
    throw new InvalidConfigError(
      'resource.resource',
      `${show(plural)} is not a resource name — resources are lowercase plurals; did you mean ${show(`${plural.toLowerCase()}s`)}?`,
      plural,
    );
  }
  return { group, version, resource: plural };
}

function checkLogger(logger: unknown): Logger {
  if (logger === undefined) return SILENT_LOGGER;
  const l = logger as Partial<Logger> | null;
  if (
    l === null ||
    typeof l !== 'object' ||
    !['debug', 'info', 'warn', 'error'].every((m) => isFunction(l[m as 'info']))
  ) {
    throw new InvalidConfigError(
      'logger',
      `expected { debug, info, warn, error } functions (console fits), got ${show(logger)}`,
      logger,
    );
  }
  return l as Logger;
}

function checkBackoff(backoff: BackoffOptions | undefined): Required<BackoffOptions> {
  const d = WATCHER_DEFAULTS.backoff;
  if (backoff === undefined) return { ...d };
  if (backoff === null || typeof backoff !== 'object') {
    throw new InvalidConfigError('backoff', `expected an object, got ${show(backoff)}`, backoff);
  }
  const initialMs = number('backoff.initialMs', backoff.initialMs, d.initialMs, { min: 1 });
  const maxMs = number('backoff.maxMs', backoff.maxMs, Math.max(d.maxMs, initialMs), { min: initialMs });
  const factor = number('backoff.factor', backoff.factor, d.factor, { min: 1 });
  const resetAfterMs = number('backoff.resetAfterMs', backoff.resetAfterMs, d.resetAfterMs, { min: 0 });
  return { initialMs, maxMs, factor, resetAfterMs };
}

/** `value` or `fallback`; throws unless it is a finite number ≥ `min` (an integer if asked). */
export function number(
  field: string,
  value: unknown,
  fallback: number,
  { min, integer = false }: { min: number; integer?: boolean },
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new InvalidConfigError(
      field,
      `expected ${integer ? 'an integer' : 'a finite number'} ≥ ${min}, got ${show(value)} (default ${fallback})`,
      value,
    );
  }
  return value;
}

/** `value` when it is a function; `undefined` when absent; throws otherwise. */
export function optionalFunction(field: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (!isFunction(value)) throw new InvalidConfigError(field, `expected a function, got ${show(value)}`, value);
  return value;
}

/** Throws unless `value` is a function. */
export function requiredFunction(field: string, value: unknown): void {
  if (!isFunction(value)) throw new InvalidConfigError(field, `expected a function, got ${show(value)}`, value);
}

/** `value` when it is a boolean, else `fallback` when absent; throws otherwise. */
export function boolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidConfigError(field, `expected true or false, got ${show(value)}`, value);
  return value;
}

/** A namespace or selector: `''` (as configs generated from YAML carry) means none, like no value. */
function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InvalidConfigError(field, `expected a string or no value, got ${show(value)}`, value);
  }
  return value;
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

/** A value for an error message: JSON where possible, else its type. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return typeof value;
  }
}
