/**
 * Every default of `Watcher` and `SingleWatcher`, in one place. Times are milliseconds unless
 * the name says seconds.
 *
 * - `debounceMs` 500: quiet time before `onChange`; bursts (a rollout touching 50 pods) become one call,
 *   and a controller still reacts within a second.
 * - `maxWaitMs` 5000: under continuous churn `onChange` still runs at least every 5 s.
 * - `pageSize` 500: the page size client-go's pager uses.
 * - `watchTimeoutSeconds` 300: each watch asks the server to end it after a random time in [300, 600) s,
 *   so many watchers do not reconnect in lockstep.
 * - `watchIdleTimeoutMs` 180000: kube-apiserver's watch cache sends a bookmark about once a minute (and 2 s before
 *   the watch's deadline) to a watch that asked for them, so once one periodic bookmark has arrived, three minutes
 *   without any event or bookmark means the connection is hung; it is closed and resumed. Until then (resources
 *   served from etcd get no bookmarks) the bound is the watch's `timeoutSeconds` plus this, as the server ends
 *   healthy watches by their timeout.
 * - `backoff`: client-go's reference (800 ms initial, ×2, capped at 30 s, reset after 2 min without failures),
 *   full jitter.
 * - `maxAtomicDiff` 25000: a relist diff commits in one `store.replace` call; at about 1–2 µs per
 *   MemoryStore write that stays within the 50 ms block budget (measured: see bench/results/).
 * - `slowRetryMs` 30000: after 401/403/404/unknown resource, retries wait a random time in [30, 60) s.
 */
export const WATCHER_DEFAULTS = {
  debounceMs: 500,
  maxWaitMs: 5000,
  callOnChangeDuringSync: false,
  pageSize: 500,
  listMode: 'auto',
  metadataOnly: false,
  maxAtomicDiff: 25_000,
  watchTimeoutSeconds: 300,
  watchIdleTimeoutMs: 180_000,
  slowRetryMs: 30_000,
  backoff: { initialMs: 800, factor: 2, maxMs: 30_000, resetAfterMs: 120_000 },
} as const;
