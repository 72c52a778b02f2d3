import type { KwErrorShape, WatcherPhase, WatcherStatus } from '@kw/types';

/** The counters and last-seen values behind a watcher's `status()`, written by the list-watch loop only. */
export class LoopStats {
  /** Requests and recoveries, as in {@link WatcherStatus}. */
  readonly counters = {
    lists: 0,
    listPages: 0,
    watches: 0,
    rewatches: 0,
    relists: 0,
    tooManyRequests: 0,
    errors: 0,
    idleTimeouts: 0,
  };
  /** Watch events received, by type. */
  readonly events = { added: 0, modified: 0, deleted: 0, bookmark: 0 };
  lastResourceVersion: string | undefined;
  /** Epoch ms. */
  lastEventAt: number | undefined;
  /** Epoch ms. */
  lastBookmarkAt: number | undefined;
  lastError: KwErrorShape | undefined;
  /** Epoch ms the current wait ends, while waiting. */
  retryAt: number | undefined;

  /** The status in `phase`; `retryAt` is left out once stopped. */
  snapshot(phase: WatcherPhase, synced: boolean, watchIdleBoundMs: number): WatcherStatus {
    return {
      phase,
      synced,
      lastResourceVersion: this.lastResourceVersion,
      lastEventAt: this.lastEventAt,
      lastBookmarkAt: this.lastBookmarkAt,
      ...this.counters,
      events: { ...this.events },
      lastError: this.lastError,
      retryAt: phase === 'stopped' ? undefined : this.retryAt,
      watchIdleBoundMs,
    };
  }
}
