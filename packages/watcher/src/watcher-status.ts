import type { WatcherStatus } from '@kw/types';

/**
 * What `status()` returns: the `@kw/types` {@link WatcherStatus} plus the watchdog and retry state.
 * A plain data snapshot (safe to JSON-serialize, log or serve from a readiness probe).
 */
export interface WatcherStatusDetails extends WatcherStatus {
  /** Watches closed by the watchdog (nothing received for `watchIdleBoundMs`) and resumed; each is also a rewatch. */
  idleTimeouts: number;
  /** Epoch ms when the current backoff or `Retry-After` wait ends; `undefined` unless waiting to retry. */
  retryAt: number | undefined;
  /**
   * The watchdog bound of the current (or last) watch, ms (0: disabled): `watchIdleTimeoutMs` once the server has
   * sent a periodic bookmark, else the watch's `timeoutSeconds × 1000 + watchIdleTimeoutMs` (the server ends
   * healthy watches by then).
   */
  watchIdleBoundMs: number;
}
