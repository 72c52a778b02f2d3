import type {
  Clock,
  KubeObject,
  KwErrorShape,
  ListOptions,
  ListPage,
  Logger,
  ResolvedResource,
  WatchEvent,
  WatcherStatus,
  WatchOptions,
} from '@kw/types';
import { Backoff } from './backoff';
import { monotonicClock } from './clock';
import { closeQuietly } from './close-quietly';
import {
  InvalidRequestError,
  type RequestSelectors,
  toKwError,
  WatcherCrashedError,
  WatcherStoppedError,
  WatchIdleError,
  WatchStreamError,
} from './errors';
import { groupVersion } from './group-version';
import { abortable, sleep } from './internal/abort';
import { safeLogger } from './internal/safe-logger';
import type { ListWatchOptions } from './list-watch-options';
import { isFinal, isRejected, next, type Outcome, phaseOf, type State, type StepContext } from './list-watch-state';
import { LoopHooks } from './loop-hooks';
import { LoopStats } from './loop-stats';
import { isThenable } from './maybe-promise';
import { defaultWatcherName } from './options';
import { nextPageLimit } from './page-limit';
import { SyncGate } from './sync-gate';
import { TimeSlicer } from './time-slicer';
import { endsInitialEvents, stepOf, streamingIgnored } from './watch-event-step';
import type { ApplyResult, WatchStep } from './watch-step';
import { idleBoundMs, Watchdog } from './watchdog';

/** A LIST page request under way; the first one may be requested while discovery runs (`ListWatch`'s `#resolve`). */
interface PageRequest<T extends KubeObject> {
  request: Promise<ListPage<T>>;
  cancel: AbortController;
  /** When it was requested, for the list-duration hook. */
  startedAt: number;
}

/** Thrown inside the loop to end the current listing or watch when the sink answered `'relist'`; never escapes the loop. */
class RelistRequest extends Error {}

/** Throws {@link RelistRequest} when the sink answered `'relist'`. */
function relistOn(result: ApplyResult): void {
  if (result === 'relist') throw new RelistRequest();
}

/**
 * The I/O shell of the list-watch loop shared by `Watcher` and `SingleWatcher`: it runs the
 * request of the current {@link State} (discovery, a LIST page, a streaming list, a WATCH, a wait)
 * and feeds what came of it to the pure {@link next}, which holds every recovery rule (see the
 * README's Recovery table and `list-watch-state.ts`). Steps go to the sink in order; a listing is
 * `init`, `initApply`…, `initDone`.
 *
 * Errors are reported through `onError` and the logger (guarded: a throwing logger is ignored);
 * nothing is thrown from the background loop. Should anything escape it anyway, the watcher
 * fails for good with a {@link WatcherCrashedError}.
 */
export class ListWatch<T extends KubeObject> {
  readonly #options: ListWatchOptions<T>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #controller = new AbortController();
  readonly #backoff: Backoff;
  readonly #gate = new SyncGate();
  readonly #selectors: RequestSelectors;
  /** Cuts long runs of applies (a large batch or page) into slices so timers and I/O keep running. */
  readonly #slicer = new TimeSlicer();
  readonly #stats = new LoopStats();

  #state: State = { at: 'resolve' };
  #loopDone: Promise<void> | undefined;
  #resource: ResolvedResource | undefined;
  /** Whether the server has sent a bookmark outside a streaming list's initial events. */
  #bookmarksSeen = false;
  /** The watchdog of the current (or last) watch. */
  #watchdog: Watchdog | undefined;
  /** Items of the last LIST page, applied while the next page is requested (dropped if no next page follows). */
  #held: T[] | undefined;
  /** The first LIST page, requested while discovery ran; taken by the listing that follows. */
  #early: PageRequest<T> | undefined;
  /** The `limit` of the next LIST page of the listing under way ({@link nextPageLimit}); `undefined` in `auto`: none. */
  #pageLimit: number | undefined;
  /** Instrumentation, when configured. */
  readonly #hooks: LoopHooks | undefined;
  /** Aborts the request under way when {@link relist} is called. */
  #request = new AbortController();
  #relistAsked = false;

  constructor(options: ListWatchOptions<T>) {
    this.#options = options;
    this.#logger = safeLogger(options.logger);
    this.#clock = options.clock ?? monotonicClock;
    this.#backoff = new Backoff(options.backoff, this.#clock);
    const ref = options.ref ?? { name: defaultWatcherName(options.resource), ...options.resource };
    this.#hooks =
      options.instrumentation &&
      new LoopHooks(options.instrumentation, ref, this.#stats, this.#clock, options.storeSize);
    this.#selectors = {};
    if (options.labelSelector !== undefined) this.#selectors.labelSelector = options.labelSelector;
    if (options.fieldSelector !== undefined) this.#selectors.fieldSelector = options.fieldSelector;
  }

  /** Begins in the background; idempotent, and a no-op after `stop()`. */
  start(): void {
    if (this.#loopDone !== undefined || this.signal.aborted) return;
    this.#loopDone = this.#loop().catch((err: unknown) => {
      if (this.signal.aborted) return;
      const error = new WatcherCrashedError(err);
      this.#logger.error('watch loop crashed', { error: error.message });
      this.#enter({ at: 'failed', error });
      this.report(error, 'cannot watch');
    });
  }

  /** Ends the loop: aborts in-flight requests, clears timers, rejects pending `waitForSync` calls; resolves when the loop has returned. */
  async stop(): Promise<void> {
    if (!this.signal.aborted) {
      this.#gate.close();
      this.#controller.abort(new WatcherStoppedError('the watcher was stopped'));
      this.#hooks?.stopped();
    }
    await this.#loopDone;
  }

  /** The stop signal: aborted by `stop()`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The resource after discovery, once resolved. */
  get resource(): ResolvedResource | undefined {
    return this.#resource;
  }

  /** Whether the first listing has been applied. */
  isSynced(): boolean {
    return this.#gate.synced;
  }

  /** Resolves once the first listing is applied (starting the loop if needed); rejects with the error that keeps it from syncing, or when stopped / `signal` aborts. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#gate.wait(() => this.start(), signal);
  }

  /** The loop's state as data; `phase` is derived from the state machine's state. */
  status(): WatcherStatus {
    const { watchTimeoutSeconds, watchIdleTimeoutMs } = this.#options;
    return this.#stats.snapshot(
      this.signal.aborted ? 'stopped' : this.#loopDone === undefined ? 'idle' : phaseOf(this.#state),
      this.#gate.synced,
      this.#watchdog?.boundMs ?? idleBoundMs(watchTimeoutSeconds, watchIdleTimeoutMs, this.#bookmarksSeen),
    );
  }

  /**
   * Ends the request under way (a listing, a watch or a wait) and lists again at once, with the
   * options as they are now (a new shard selector). Before the resource is resolved, a no-op.
   */
  relist(): void {
    if (this.#loopDone === undefined || this.signal.aborted) return;
    this.#relistAsked = true;
    this.#request.abort();
  }

  /** Counts and reports an error through the logger and `onError`, never throwing. */
  report(error: KwErrorShape, message: string): void {
    this.#stats.counters.errors++;
    this.#stats.lastError = error;
    this.#hooks?.error(error.code);
    this.#logger.warn(message, { code: error.code, error: error.message });
    try {
      this.#options.onError?.(error);
    } catch (err) {
      this.#logger.error('onError threw', { error: toKwError(err).message });
    }
  }

  async #loop(): Promise<void> {
    const signal = this.signal;
    while (!signal.aborted && !isFinal(this.#state)) {
      let outcome: Outcome;
      this.#request = new AbortController();
      try {
        outcome = await this.#run(this.#state, AbortSignal.any([signal, this.#request.signal]));
      } catch (err) {
        if (signal.aborted) break;
        outcome = this.#failure(err);
      }
      if (signal.aborted) break;
      if (this.#relistAsked) {
        this.#relistAsked = false;
        if (this.#resource !== undefined) outcome = { type: 'relist-asked' };
      }
      this.#dispatch(outcome);
    }
  }

  /** Moves the state machine by `outcome` and carries out what the transition asks. */
  #dispatch(outcome: Outcome): void {
    const context: StepContext = {
      listMode: this.#options.listMode,
      slowRetryMs: this.#options.slowRetryMs,
      backoff: () => this.#backoff.next(),
      random: Math.random,
    };
    const transition = next(this.#state, outcome, context);
    if (transition.count !== undefined) {
      this.#stats.counters[transition.count]++;
      this.#hooks?.count(transition.count);
    }
    // Enter first: `onError` sees the phase the error leads to (`failed` when it stops the watcher).
    this.#enter(transition.state);
    if (transition.report !== undefined) this.report(transition.report.error, transition.report.message);
  }

  #enter(state: State): void {
    this.#state = state;
    if (state.at === 'failed') this.#gate.block(state.error, state.retry === undefined);
  }

  /** Runs the request of `state`; returns what came of it, or throws. */
  async #run(state: State, signal: AbortSignal): Promise<Outcome> {
    const held = this.#held;
    this.#held = undefined;
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined && (state.at !== 'list' || state.mode === 'streaming' || state.continue !== undefined)) {
      early.cancel.abort();
    }
    switch (state.at) {
      case 'resolve':
        return this.#resolve(signal);
      case 'list':
        if (state.continue === undefined) await this.#checkShard(signal);
        if (state.mode === 'streaming') return this.#watch(this.#resolved(), undefined, false, signal);
        return this.#listPage(this.#resolved(), state.continue, held, signal, early);
      case 'watch':
        if (state.resumed) await this.#checkShard(signal);
        return this.#watch(this.#resolved(), state.rv, state.resumed, signal);
      case 'wait':
        await this.#pause(state.ms, signal);
        return { type: 'waited' };
      case 'failed':
        await this.#pause(state.retry?.ms ?? 0, signal);
        return { type: 'waited' };
    }
  }

  /**
   * Discovery. A LIST listing (not streaming, not sharded) has its first page requested at the same
   * time, for the resource as configured (the path needs no discovery), so a small collection syncs
   * one round trip sooner: the page is taken once discovery agrees ({@link #early}), and dropped if
   * discovery fails or the resource does not fit (its error is discovery's, as without it).
   */
  async #resolve(signal: AbortSignal): Promise<Outcome> {
    const { api, resource, namespace, listMode, shard } = this.#options;
    const early =
      listMode === 'streaming' || shard !== undefined
        ? undefined
        : this.#requestPage({ ...resource, kind: '', namespaced: namespace !== undefined, verbs: [] }, undefined);
    try {
      const resolved = await abortable(api.resolve(resource, signal), signal);
      const problem = this.#options.checkResolved?.(resolved);
      if (problem !== undefined) return { type: 'invalid', error: problem };
      this.#resource = resolved;
      const same =
        resolved.group === resource.group &&
        resolved.version === resource.version &&
        resolved.resource === resource.resource;
      if (same) this.#early = early;
      return { type: 'resolved' };
    } finally {
      if (this.#early !== early) early?.cancel.abort(); // not taken: discovery failed or disagreed
    }
  }

  /**
   * Requests a first LIST page (`token` undefined) or a later one; the request ends when the
   * watcher stops or `cancel` aborts. Its rejection is observed, so it may be dropped unawaited.
   */
  #requestPage(resource: ResolvedResource, token: string | undefined): PageRequest<T> {
    const cancel = new AbortController();
    const startedAt = this.#hooks === undefined || token !== undefined ? 0 : this.#hooks.now();
    if (token === undefined) this.#pageLimit = this.#firstLimit();
    const options: ListOptions = {
      ...(this.#pageLimit === undefined ? {} : { limit: this.#pageLimit }),
      signal: AbortSignal.any([this.signal, cancel.signal]),
      ...this.#requestOptions(),
    };
    if (token !== undefined) options.continue = token;
    const request = this.#options.api.list<T>(resource, this.#options.namespace, options);
    request.catch(() => {}); // awaited by the listing, or dropped with `cancel`
    return { request, cancel, startedAt };
  }

  /** On every (re)connection of a sharded watcher: does the server filter by `shardSelector`? */
  async #checkShard(signal: AbortSignal): Promise<void> {
    const { shard, api, namespace } = this.#options;
    if (shard === undefined) return;
    await abortable(shard.check({ api, resource: this.#resolved(), namespace, ...this.#selectors, signal }), signal);
  }

  #resolved(): ResolvedResource {
    if (this.#resource === undefined) throw new Error('list or watch before the resource was resolved');
    return this.#resource;
  }

  /** Classifies a thrown failure of the current request. */
  #failure(err: unknown, rv?: string, delivered?: boolean): Outcome {
    if (err instanceof RelistRequest) return { type: 'relist-requested' };
    const error = toKwError(err);
    if (isRejected(error)) return { type: 'rejected', error: new InvalidRequestError(error, this.#selectors) };
    return rv === undefined || delivered === undefined
      ? { type: 'error', error }
      : { type: 'error', error, rv, delivered };
  }

  /** Waits `ms` (at least; see {@link sleep}), showing when the retry is due in `status().retryAt`. */
  async #pause(ms: number, signal: AbortSignal): Promise<void> {
    this.#logger.debug('retrying', { delayMs: Math.round(ms) });
    this.#stats.retryAt = Date.now() + ms;
    try {
      await sleep(ms, signal, this.#clock);
    } finally {
      this.#stats.retryAt = undefined;
    }
  }

  /**
   * Hands `step` to the sink; a `'relist'` answer ends the current listing or watch. Returns a
   * promise only when the sink answered with one, so the hot loops (`await` on each result) do not
   * allocate an async frame per object when the store is synchronous.
   */
  #step(step: WatchStep<T>, signal: AbortSignal): Promise<void> | undefined {
    const applied = this.#options.sink.apply(step);
    if (isThenable(applied)) return abortable(applied, signal).then(relistOn);
    relistOn(applied);
    return undefined;
  }

  /** Lets timers and I/O run between slices of applies; throws the abort reason if `signal` aborted meanwhile. */
  async #breathe(signal: AbortSignal): Promise<void> {
    await this.#slicer.yield();
    if (signal.aborted) throw signal.reason;
  }

  /** A listing is applied at `rv`: the watcher is synced. */
  #synced(rv: string): void {
    this.#stats.lastResourceVersion = rv;
    this.#hooks?.listed(rv);
    if (this.#gate.synced) return;
    this.#logger.info('synced', { resourceVersion: rv });
    this.#gate.open();
  }

  #requestOptions(): RequestSelectors & { metadataOnly?: boolean; shardSelector?: string } {
    const options: RequestSelectors & { metadataOnly?: boolean; shardSelector?: string } = { ...this.#selectors };
    if (this.#options.metadataOnly) options.metadataOnly = true;
    if (this.#options.shard !== undefined) options.shardSelector = this.#options.shard.selector;
    return options;
  }

  /**
   * One page of a listing by LIST; the first one starts it with `init`, the last ends it with
   * `initDone`. The page is requested before `held` (the previous page's items) is applied, so the
   * server works on it meanwhile; a page with a next one is held in turn. In `listMode: 'auto'` the
   * requests have no `limit`: the whole collection comes in one response (a `continue` token the
   * server sends anyway is followed the same way).
   */
  async #listPage(
    resource: ResolvedResource,
    token: string | undefined,
    held: T[] | undefined,
    signal: AbortSignal,
    early: PageRequest<T> | undefined,
  ): Promise<Outcome> {
    const { pageSize, pageBytes } = this.#options;
    const { request, cancel, startedAt } = early ?? this.#requestPage(resource, token);
    let page: ListPage<T>;
    try {
      if (token === undefined) await this.#step({ type: 'init' }, signal);
      if (held !== undefined) await this.#applyPage(resource, held, signal);
      page = await abortable(request, signal);
    } catch (err) {
      cancel.abort(err);
      throw err;
    }
    this.#gate.unblock();
    this.#stats.counters.listPages++;
    if (page.continue !== undefined && page.continue !== '') {
      if (token === undefined) this.#listCounted(startedAt);
      if (this.#pageLimit !== undefined) this.#pageLimit = nextPageLimit(page, pageSize, pageBytes);
      this.#held = page.items;
      this.#hooks?.page(page.items.length);
      return { type: 'page', continue: page.continue };
    }
    if (token === undefined) this.#listCounted(startedAt);
    this.#hooks?.page(page.items.length);
    await this.#applyPage(resource, page.items, signal);
    await this.#step({ type: 'initDone', rv: page.resourceVersion }, signal);
    this.#synced(page.resourceVersion);
    return { type: 'listed', rv: page.resourceVersion };
  }

  /** The first page's `limit`: `pageSize` when paginated, none in `auto`. */
  #firstLimit(): number | undefined {
    return this.#options.listMode === 'auto' ? undefined : this.#options.pageSize;
  }

  /** Hands a LIST page's items to the sink, time-sliced; fills in `kind` and `apiVersion`, which LIST items lack. */
  async #applyPage(resource: ResolvedResource, items: T[], signal: AbortSignal): Promise<void> {
    const fill = this.#options.metadataOnly ? undefined : { kind: resource.kind, apiVersion: groupVersion(resource) };
    for (const item of items) {
      if (this.#slicer.due()) await this.#breathe(signal);
      if (fill !== undefined) {
        item.kind ??= fill.kind;
        item.apiVersion ??= fill.apiVersion;
      }
      const pending = this.#step({ type: 'initApply', obj: item }, signal);
      if (pending !== undefined) await pending;
    }
  }

  /**
   * One WATCH request from `rv`; without `rv`, a streaming list that loads the state (ADDED events
   * until the initial-events-end bookmark, which moves the state machine on to `watch`), then
   * continues as a normal watch. Returns how it ended; throws only when stopped.
   */
  async #watch(
    resource: ResolvedResource,
    rv: string | undefined,
    resumed: boolean,
    requestSignal: AbortSignal,
  ): Promise<Outcome> {
    const stopSignal = this.signal;
    const { api, namespace, watchTimeoutSeconds, watchIdleTimeoutMs } = this.#options;
    const controller = new AbortController();
    const signal = AbortSignal.any([requestSignal, controller.signal]);

    const timeoutSeconds = Math.floor(watchTimeoutSeconds * (1 + Math.random()));
    const options: WatchOptions = { allowWatchBookmarks: true, timeoutSeconds, signal, ...this.#requestOptions() };
    let listing = rv === undefined;
    if (rv === undefined) {
      options.sendInitialEvents = true;
      options.resourceVersionMatch = 'NotOlderThan';
    } else {
      options.resourceVersion = rv;
      if (resumed) {
        this.#stats.counters.rewatches++;
        this.#hooks?.rewatch();
      }
    }
    this.#stats.counters.watches++;
    this.#hooks?.watchStarted();
    const startedAt = this.#hooks === undefined ? 0 : this.#hooks.now();
    let last = rv ?? '';
    let delivered = false;
    let idle: WatchIdleError | undefined;
    const watchdog = new Watchdog({
      bound: () => idleBoundMs(timeoutSeconds, watchIdleTimeoutMs, this.#bookmarksSeen),
      onIdle: (quietMs) => {
        idle = new WatchIdleError(quietMs);
        controller.abort(idle);
      },
      clock: this.#clock,
    });
    this.#watchdog = watchdog;
    watchdog.start();

    let iterator: AsyncIterator<WatchEvent<T>[]> | undefined;
    try {
      if (listing) await this.#step({ type: 'init' }, signal);
      iterator = api.watch<T>(resource, namespace, options)[Symbol.asyncIterator]();
      let opened = false;
      for (;;) {
        const batch = await abortable(iterator.next(), signal);
        if (batch.done) break;
        watchdog.busy();
        const receivedAt = Date.now();
        if (listing && !opened) this.#listCounted(startedAt);
        opened = true;
        this.#gate.unblock();
        for (const event of batch.value) {
          if (this.#slicer.due()) await this.#breathe(signal);
          const eventRv = event.object.metadata?.resourceVersion;
          if (event.type === 'BOOKMARK') {
            this.#stats.events.bookmark++;
            this.#stats.lastBookmarkAt = receivedAt;
            delivered = true;
            if (listing) {
              if (!endsInitialEvents(event.object))
                throw streamingIgnored('a bookmark without the initial-events-end annotation');
              if (eventRv) last = eventRv;
              await this.#step({ type: 'initDone', rv: last }, signal);
              listing = false;
              this.#synced(last);
              this.#dispatch({ type: 'listed', rv: last });
            } else {
              this.#bookmarksSeen = true;
              if (eventRv) this.#stats.lastResourceVersion = last = eventRv;
            }
            continue;
          }
          this.#stats.lastEventAt = receivedAt;
          delivered = true;
          const step = stepOf(event, listing);
          this.#stats.events[event.type === 'ADDED' ? 'added' : event.type === 'MODIFIED' ? 'modified' : 'deleted']++;
          const pending = this.#step(step, signal);
          if (pending !== undefined) await pending;
          if (!listing && eventRv) this.#stats.lastResourceVersion = last = eventRv;
        }
        watchdog.done();
        this.#hooks?.batch(last);
      }
      if (listing) {
        throw new WatchStreamError(
          'KW_NETWORK',
          'the streaming list ended before the initial-events-end bookmark; listing again',
          undefined,
        );
      }
      return { type: 'watch-ended', rv: last, delivered };
    } catch (err) {
      if (stopSignal.aborted) throw err;
      if (idle !== undefined) return { type: 'watch-ended', rv: last, delivered, idle };
      return this.#failure(err, last, delivered);
    } finally {
      watchdog.stop();
      controller.abort();
      closeQuietly(iterator);
      this.#hooks?.watchEnded(startedAt);
    }
  }

  /** A listing's first response arrived: count it, and start its `listStarted`/`listEnded` report (`startedAt`, clock ms). */
  #listCounted(startedAt: number): void {
    this.#stats.counters.lists++;
    this.#hooks?.listStarted(startedAt);
  }
}
