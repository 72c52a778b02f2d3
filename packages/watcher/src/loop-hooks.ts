import type { Clock, Instrumentation, KwErrorCode, WatcherRef } from '@kw/types';
import type { LoopStats } from './loop-stats';

const EVENT_TYPES = ['added', 'modified', 'deleted', 'bookmark'] as const;

/**
 * Reports one list-watch loop to an {@link Instrumentation}: keeps what `listEnded` and
 * `eventsApplied` need between calls (when the listing started, what was already reported), read
 * off the loop's {@link LoopStats}, so the loop counts nothing twice. Built only when hooks are
 * configured: a watcher without them pays one `undefined` check per call site.
 */
export class LoopHooks {
  readonly #hooks: Instrumentation;
  readonly #ref: WatcherRef;
  readonly #stats: LoopStats;
  readonly #clock: Clock;
  readonly #storeSize: (() => number) | undefined;
  /** The listing under way: when it started (clock ms), objects from LIST pages, `events.added` before it. */
  readonly #listing = { startedAt: 0, pageObjects: 0, addedBefore: 0 };
  /** Event counts already handed to `eventsApplied`. */
  readonly #reported = { added: 0, modified: 0, deleted: 0, bookmark: 0 };

  constructor(
    hooks: Instrumentation,
    ref: WatcherRef,
    stats: LoopStats,
    clock: Clock,
    storeSize: (() => number) | undefined,
  ) {
    this.#hooks = hooks;
    this.#ref = ref;
    this.#stats = stats;
    this.#clock = clock;
    this.#storeSize = storeSize;
  }

  /** The clock's now, ms: when a request is sent, for the durations reported later. */
  now(): number {
    return this.#clock.now();
  }

  /** A listing started (`startedAt`: when its first request was sent, clock ms). */
  listStarted(startedAt: number): void {
    this.#listing.startedAt = startedAt;
    this.#listing.pageObjects = 0;
    this.#listing.addedBefore = this.#stats.events.added;
    this.#hooks.listStarted?.(this.#ref);
  }

  /** A LIST page of `objects` items belongs to the listing under way. */
  page(objects: number): void {
    this.#listing.pageObjects += objects;
  }

  /** A listing is in the store at `rv`. */
  listed(rv: string): void {
    const { startedAt, pageObjects, addedBefore } = this.#listing;
    const objects = pageObjects + this.#stats.events.added - addedBefore;
    this.#hooks.listEnded?.(this.#ref, (this.#clock.now() - startedAt) / 1000, objects);
    this.batch(rv);
    this.#hooks.synced?.(this.#ref, true);
  }

  /** After a watch batch or a listing: events by type since the last call, the store size, the resourceVersion. */
  batch(rv: string): void {
    const { events } = this.#stats;
    const reported = this.#reported;
    for (const type of EVENT_TYPES) {
      const count = events[type] - reported[type];
      if (count > 0) {
        reported[type] = events[type];
        this.#hooks.eventsApplied?.(this.#ref, type, count);
      }
    }
    if (this.#storeSize !== undefined) this.#hooks.storeSize?.(this.#ref, this.#storeSize());
    if (rv !== '') this.#hooks.resourceVersion?.(this.#ref, rv);
  }

  /** A transition counted a relist, a 429 or an idle timeout. */
  count(count: 'relists' | 'tooManyRequests' | 'idleTimeouts'): void {
    if (count === 'relists') {
      this.#hooks.relist?.(this.#ref);
      this.#hooks.synced?.(this.#ref, false);
    } else if (count === 'tooManyRequests') this.#hooks.tooManyRequests?.(this.#ref);
    else this.#hooks.idleTimeout?.(this.#ref);
  }

  /** The watcher stopped (not synced any more). */
  stopped(): void {
    this.#hooks.synced?.(this.#ref, false);
  }

  /** `report()` passed on an error. */
  error(code: KwErrorCode): void {
    this.#hooks.watcherError?.(this.#ref, code);
  }

  /** A watch resumed from a resourceVersion. */
  rewatch(): void {
    this.#hooks.rewatch?.(this.#ref);
  }

  /** A WATCH was sent. */
  watchStarted(): void {
    this.#hooks.watchStarted?.(this.#ref);
  }

  /** A WATCH sent at `startedAt` (clock ms) ended. */
  watchEnded(startedAt: number): void {
    this.#hooks.watchEnded?.(this.#ref, (this.#clock.now() - startedAt) / 1000);
  }
}
