import type {
  BackoffOptions,
  ErrorCallback,
  GroupVersionResource,
  KubeApi,
  KubeObject,
  KwErrorShape,
  ListOptions,
  ListPage,
  Logger,
  ResolvedResource,
  WatchEvent,
  WatcherPhase,
  WatcherStatus,
  WatchOptions,
} from '@kw/types';
import { Backoff } from './backoff';
import { safeLogger } from './config';
import { isThenable } from './debouncer';
import {
  httpStatus,
  type InvalidConfigError,
  toKwError,
  WatcherCrashedError,
  WatcherStoppedError,
  WatchIdleError,
  WatchStreamError,
} from './errors';
import { TimeSlicer } from './time-slice';
import type { StepSink, WatchStep } from './watch-step';

/** The annotation on the bookmark that ends a streaming list's initial events. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** Error codes after which retries wait `slowRetryMs`: they do not go away by retrying soon. */
const SLOW_CODES: ReadonlySet<string> = new Set([
  'KW_UNAUTHORIZED',
  'KW_FORBIDDEN',
  'KW_NOT_FOUND',
  'KW_UNKNOWN_RESOURCE',
]);

/** Everything a {@link ListWatch} needs, with defaults already applied. */
export interface ListWatchOptions<T extends KubeObject> {
  api: KubeApi;
  resource: GroupVersionResource;
  namespace: string | undefined;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  listMode: 'auto' | 'paginated' | 'streaming';
  pageSize: number;
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
}

interface SyncWaiter {
  resolve(): void;
  reject(err: unknown): void;
}

type WatchEnd = 'ended' | 'idle';

/** Thrown inside the loop to end the current listing or watch when the sink asked for a relist; never escapes the loop. */
class RelistRequest extends Error {}

/**
 * The state machine shared by `Watcher` and `SingleWatcher`: resolve the resource, load the
 * initial state (paginated LIST, or a streaming list), then WATCH from its resourceVersion and
 * recover from every failure without losing or duplicating changes:
 *
 * - stream ends / transport or decode error / hung stream → watch again from the last resourceVersion (no relist);
 * - `410 Gone` → list again; the sink reconciles in place;
 * - `429` → wait at least `Retry-After`, then retry the same request;
 * - 401/403/404/unknown resource → retry every `slowRetryMs`–2×`slowRetryMs`; `waitForSync` rejects meanwhile;
 * - the sink answered a step with `'relist'` → list again after backoff;
 * - anything else → exponential backoff with full jitter.
 *
 * Errors are reported through `onError` and the logger (guarded: a throwing logger is ignored);
 * nothing is thrown from the background loop. Should anything escape it anyway, the watcher
 * fails for good with a {@link WatcherCrashedError}.
 */
export class ListWatch<T extends KubeObject> {
  private readonly options: ListWatchOptions<T>;
  private readonly logger: Logger;
  private readonly controller = new AbortController();
  private readonly backoff: Backoff;
  private readonly waiters = new Set<SyncWaiter>();
  private loopDone: Promise<void> | undefined;
  private resolved: ResolvedResource | undefined;
  /** Whether to load state with a streaming list; `undefined` until `auto` has tried it. */
  private streaming: boolean | undefined;
  private needList = true;
  private streamingAttempt = false;
  private resumeNext = false;
  private delivered = false;
  private synced = false;
  private stopped = false;
  /** A permanent-looking error (403, unknown resource, ...) being retried slowly. */
  private failing: KwErrorShape | undefined;
  /** A configuration error found after discovery: the loop has ended. */
  private fatal: KwErrorShape | undefined;

  private phase: WatcherPhase = 'idle';
  private lastResourceVersion: string | undefined;
  private lastEventAt: number | undefined;
  private lastBookmarkAt: number | undefined;
  private lastError: KwErrorShape | undefined;
  private readonly counters = {
    lists: 0,
    listPages: 0,
    watches: 0,
    rewatches: 0,
    relists: 0,
    tooManyRequests: 0,
    errors: 0,
    idleTimeouts: 0,
  };
  /** Whether the server has sent this watcher a bookmark outside a streaming list's initial events. */
  private bookmarksSeen = false;
  /** The watchdog bound of the current (or last) watch, ms. */
  private watchIdleBound: number | undefined;
  private retryAt: number | undefined;
  private readonly eventCounts = { added: 0, modified: 0, deleted: 0, bookmark: 0 };
  /** Cuts long runs of applies (a large batch or page) into slices so timers and I/O keep running. */
  private readonly slicer = new TimeSlicer();

  constructor(options: ListWatchOptions<T>) {
    this.options = options;
    this.logger = safeLogger(options.logger);
    this.backoff = new Backoff(options.backoff);
    this.streaming = options.listMode === 'auto' ? undefined : options.listMode === 'streaming';
  }

  /** Begins in the background; idempotent, and a no-op after `stop()`. */
  start(): void {
    if (this.loopDone !== undefined || this.stopped) return;
    this.loopDone = this.loop().catch((err: unknown) => {
      if (this.stopped) return;
      const error = new WatcherCrashedError(err);
      this.logger.error('watch loop crashed', { error: error.message });
      this.fail(error);
    });
  }

  /** Ends the loop: aborts in-flight requests, clears timers, rejects pending `waitForSync` calls; resolves when the loop has returned. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      const reason = new WatcherStoppedError('the watcher was stopped before it synced');
      this.controller.abort(reason);
      this.rejectWaiters(reason);
    }
    await this.loopDone;
    this.phase = 'stopped';
  }

  /** The stop signal: aborted by `stop()`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The resource after discovery, once resolved. */
  get resource(): ResolvedResource | undefined {
    return this.resolved;
  }

  isSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first listing is applied (starting the loop if needed); rejects with the error that keeps it from syncing, or when stopped / `signal` aborts. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new WatcherStoppedError('the watcher was stopped before it synced'));
    const blocking = this.fatal ?? this.failing;
    if (blocking !== undefined) return Promise.reject(blocking);
    if (signal?.aborted) return Promise.reject(new WatcherStoppedError('waitForSync was aborted', signal.reason));
    this.start();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => waiter.reject(new WatcherStoppedError('waitForSync was aborted', signal?.reason));
      const done = () => {
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: SyncWaiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  status(): WatcherStatus {
    const stopped = this.stopped;
    return {
      phase: stopped ? 'stopped' : this.phase,
      synced: this.synced,
      lastResourceVersion: this.lastResourceVersion,
      lastEventAt: this.lastEventAt,
      lastBookmarkAt: this.lastBookmarkAt,
      ...this.counters,
      events: { ...this.eventCounts },
      lastError: this.lastError,
      retryAt: stopped ? undefined : this.retryAt,
      watchIdleBoundMs: this.watchIdleBound ?? this.idleBoundMs(this.options.watchTimeoutSeconds),
    };
  }

  /**
   * How long a watch asking the server for `timeoutSeconds` may stay silent before the watchdog
   * closes it, ms (0: never): `watchIdleTimeoutMs` once the server has shown it sends periodic
   * bookmarks, else the watch's own server-side timeout plus `watchIdleTimeoutMs`.
   */
  private idleBoundMs(timeoutSeconds: number): number {
    const idle = this.options.watchIdleTimeoutMs;
    if (idle === 0) return 0;
    return this.bookmarksSeen ? idle : timeoutSeconds * 1000 + idle;
  }

  /** Waits `ms` (at least; see {@link sleep}), showing when the retry is due in `status().retryAt`. */
  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    this.retryAt = Date.now() + ms;
    try {
      await sleep(ms, signal);
    } finally {
      this.retryAt = undefined;
    }
  }

  /** Counts and reports an error through the logger and `onError`, never throwing. */
  report(error: KwErrorShape, message: string): void {
    this.counters.errors++;
    this.lastError = error;
    this.logger.warn(message, { code: error.code, error: error.message });
    try {
      this.options.onError?.(error);
    } catch (err) {
      this.logger.error('onError threw', { error: toKwError(err).message });
    }
  }

  /** Hands `step` to the sink, awaiting it; a `'relist'` answer ends the current listing or watch. */
  private async step(step: WatchStep<T>, signal: AbortSignal): Promise<void> {
    const applied = this.options.sink.apply(step);
    const result = isThenable(applied) ? await abortable(applied, signal) : applied;
    if (result === 'relist') throw new RelistRequest();
  }

  /** Lets timers and I/O run between slices of applies; throws the abort reason if `signal` aborted meanwhile. */
  private async breathe(signal: AbortSignal): Promise<void> {
    await this.slicer.yield();
    if (signal.aborted) throw signal.reason;
  }

  private async loop(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      let delay = 0;
      try {
        if (this.resolved === undefined) {
          this.phase = 'listing';
          const resolved = await abortable(this.options.api.resolve(this.options.resource, signal), signal);
          const problem = this.options.checkResolved?.(resolved);
          if (problem !== undefined) {
            this.fail(problem);
            return;
          }
          this.resolved = resolved;
        }
        let end: WatchEnd;
        if (this.needList && this.useStreaming()) {
          end = await this.watch(this.resolved, true);
        } else {
          if (this.needList) await this.paginatedList(this.resolved);
          end = await this.watch(this.resolved, false);
        }
        if (end === 'ended' && !this.delivered) delay = this.backoff.next();
      } catch (err) {
        if (signal.aborted) break;
        delay = this.recover(err);
      }
      if (delay > 0 && !signal.aborted) {
        if (this.phase !== 'failed') this.phase = 'backing-off';
        this.logger.debug('retrying', { delayMs: Math.round(delay) });
        await this.pause(delay, signal);
      }
    }
  }

  private useStreaming(): boolean {
    return this.streaming ?? this.options.listMode !== 'paginated';
  }

  /** Classifies a failure: what to redo (list or watch) and how long to wait first, ms. */
  private recover(err: unknown): number {
    if (err instanceof RelistRequest) {
      this.needList = true;
      this.resumeNext = false;
      this.counters.relists++;
      return this.backoff.next();
    }
    const error = toKwError(err);
    const status = httpStatus(error);
    const stage = this.resolved === undefined ? 'resolve' : this.needList ? 'list' : 'watch';
    this.resumeNext = stage === 'watch';
    if (this.streamingAttempt && stage === 'list' && this.options.listMode === 'auto' && isRejection(error)) {
      this.streaming = false;
      this.logger.info('the server does not support streaming lists; using paginated LIST from now on', {
        error: error.message,
      });
      return 0;
    }
    this.report(error, `${stage} failed`);
    if (error.code === 'KW_GONE' || status === 410) {
      if (stage !== 'watch') return this.backoff.next();
      this.needList = true;
      this.counters.relists++;
      return this.delivered ? 0 : this.backoff.next();
    }
    if (error.code === 'KW_TOO_MANY_REQUESTS' || status === 429) {
      this.counters.tooManyRequests++;
      return Math.max(retryAfterMs(error), this.backoff.next());
    }
    if (SLOW_CODES.has(error.code) || status === 401 || status === 403 || status === 404) {
      this.failing = error;
      this.phase = 'failed';
      if (!this.synced) this.rejectWaiters(error);
      return this.options.slowRetryMs * (1 + Math.random());
    }
    return this.backoff.next();
  }

  private fail(error: KwErrorShape): void {
    this.fatal = error;
    this.phase = 'failed';
    this.report(error, 'cannot watch');
    this.rejectWaiters(error);
  }

  private healthy(): void {
    this.failing = undefined;
  }

  private markSynced(): void {
    this.needList = false;
    this.resumeNext = false;
    if (this.synced) return;
    this.synced = true;
    this.logger.info('synced', { resourceVersion: this.lastResourceVersion });
    for (const waiter of [...this.waiters]) waiter.resolve();
  }

  private rejectWaiters(err: unknown): void {
    for (const waiter of [...this.waiters]) waiter.reject(err);
  }

  private selectors(): { labelSelector?: string; fieldSelector?: string; metadataOnly?: boolean } {
    const out: { labelSelector?: string; fieldSelector?: string; metadataOnly?: boolean } = {};
    if (this.options.labelSelector !== undefined) out.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector !== undefined) out.fieldSelector = this.options.fieldSelector;
    if (this.options.metadataOnly) out.metadataOnly = true;
    return out;
  }

  /** Lists every page into the sink; an expired `continue` token restarts the listing, a 429 retries the page. */
  private async paginatedList(resource: ResolvedResource): Promise<void> {
    const signal = this.controller.signal;
    const { api, namespace, pageSize } = this.options;
    this.phase = 'listing';
    this.streamingAttempt = false;
    this.counters.lists++;
    await this.step({ type: 'init' }, signal);
    const fill = this.options.metadataOnly ? undefined : { kind: resource.kind, apiVersion: apiVersionOf(resource) };
    let token: string | undefined;
    let resourceVersion = '';
    for (;;) {
      const options: ListOptions = { limit: pageSize, signal, ...this.selectors() };
      if (token !== undefined) options.continue = token;
      let page: ListPage<T>;
      try {
        page = await abortable(api.list<T>(resource, namespace, options), signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const error = toKwError(err);
        if (token !== undefined && (error.code === 'KW_GONE' || httpStatus(error) === 410)) {
          this.report(error, 'the list continue token expired; listing again from the start');
          token = undefined;
          this.counters.lists++;
          await this.step({ type: 'init' }, signal);
          continue;
        }
        if (error.code === 'KW_TOO_MANY_REQUESTS' || httpStatus(error) === 429) {
          this.report(error, 'list throttled (429)');
          this.counters.tooManyRequests++;
          this.phase = 'backing-off';
          await this.pause(Math.max(retryAfterMs(error), this.backoff.next()), signal);
          if (signal.aborted) throw err;
          this.phase = 'listing';
          continue;
        }
        throw err;
      }
      this.healthy();
      this.counters.listPages++;
      for (const item of page.items) {
        if (this.slicer.due()) await this.breathe(signal);
        if (fill !== undefined) {
          item.kind ??= fill.kind;
          item.apiVersion ??= fill.apiVersion;
        }
        await this.step({ type: 'initApply', obj: item }, signal);
      }
      resourceVersion = page.resourceVersion;
      if (page.continue === undefined || page.continue === '') break;
      token = page.continue;
    }
    await this.step({ type: 'initDone', rv: resourceVersion }, signal);
    this.lastResourceVersion = resourceVersion;
    this.markSynced();
  }

  /**
   * One WATCH request. With `streamingList` it first loads the state (ADDED events until the
   * initial-events-end bookmark), then continues as a normal watch. Returns how it ended: the
   * server closed it (`ended`) or the watchdog closed it (`idle`); throws on errors.
   */
  private async watch(resource: ResolvedResource, streamingList: boolean): Promise<WatchEnd> {
    const stopSignal = this.controller.signal;
    const { api, namespace, watchTimeoutSeconds } = this.options;
    const watchController = new AbortController();
    const onStop = () => watchController.abort(stopSignal.reason);
    stopSignal.addEventListener('abort', onStop, { once: true });
    if (stopSignal.aborted) onStop();

    const timeoutSeconds = Math.floor(watchTimeoutSeconds * (1 + Math.random()));
    const options: WatchOptions = {
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal: watchController.signal,
      ...this.selectors(),
    };
    if (streamingList) {
      options.sendInitialEvents = true;
      options.resourceVersionMatch = 'NotOlderThan';
      this.phase = 'listing';
    } else {
      if (this.lastResourceVersion !== undefined) options.resourceVersion = this.lastResourceVersion;
      this.phase = 'watching';
      if (this.resumeNext) this.counters.rewatches++;
    }
    this.streamingAttempt = streamingList;
    this.counters.watches++;
    this.delivered = false;
    let initial = streamingList;

    // Watchdog: silence is measured from the request (or the last batch applied); time spent
    // applying a batch (an async store) is not silence. Monotonic: a wall-clock step cannot delay it.
    let lastActivity = performance.now();
    let busy = false;
    let idleMs = 0;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    let armedBound = 0;
    const checkIdle = () => {
      if (watchdog !== undefined) clearTimeout(watchdog);
      watchdog = undefined;
      armedBound = this.idleBoundMs(timeoutSeconds);
      this.watchIdleBound = armedBound;
      if (armedBound === 0) return;
      const quiet = busy ? 0 : performance.now() - lastActivity;
      if (quiet >= armedBound) {
        idleMs = quiet;
        watchController.abort(new WatchIdleError(quiet));
      } else {
        watchdog = setTimeout(checkIdle, armedBound - quiet);
      }
    };
    checkIdle();
    let opened = false;

    let iterator: AsyncIterator<WatchEvent<T>[]> | undefined;
    try {
      if (streamingList) await this.step({ type: 'init' }, watchController.signal);
      iterator = api.watch<T>(resource, namespace, options)[Symbol.asyncIterator]();
      for (;;) {
        const step = await abortable(iterator.next(), watchController.signal);
        if (step.done) break;
        lastActivity = performance.now();
        const receivedAt = Date.now();
        busy = true;
        if (streamingList && !opened) this.counters.lists++;
        opened = true;
        this.healthy();
        for (const event of step.value) {
          if (this.slicer.due()) await this.breathe(watchController.signal);
          let out: WatchStep<T>;
          switch (event.type) {
            case 'BOOKMARK': {
              this.eventCounts.bookmark++;
              this.lastBookmarkAt = receivedAt;
              this.delivered = true;
              const rv = event.object.metadata?.resourceVersion;
              if (initial) {
                if (event.object.metadata?.annotations?.[INITIAL_EVENTS_END] !== 'true') {
                  throw streamingUnsupported('a bookmark without the initial-events-end annotation');
                }
                await this.step({ type: 'initDone', rv: rv ?? '' }, watchController.signal);
                initial = false;
                if (rv) this.lastResourceVersion = rv;
                this.phase = 'watching';
                this.markSynced();
              } else {
                this.bookmarksSeen = true;
                if (rv) this.lastResourceVersion = rv;
              }
              continue;
            }
            case 'ADDED':
              this.eventCounts.added++;
              out = { type: initial ? 'initApply' : 'apply', obj: event.object };
              break;
            case 'MODIFIED':
            case 'DELETED':
              if (initial) throw streamingUnsupported(`a ${event.type} event`);
              this.eventCounts[event.type === 'MODIFIED' ? 'modified' : 'deleted']++;
              out = { type: event.type === 'MODIFIED' ? 'apply' : 'delete', obj: event.object };
              break;
          }
          this.lastEventAt = receivedAt;
          this.delivered = true;
          await this.step(out, watchController.signal);
          const rv = event.object.metadata?.resourceVersion;
          if (!initial && rv) this.lastResourceVersion = rv;
        }
        lastActivity = performance.now();
        busy = false;
        // The first periodic bookmark shortens the bound: re-arm.
        if (armedBound !== this.idleBoundMs(timeoutSeconds)) checkIdle();
      }
      if (initial) {
        throw new WatchStreamError(
          'KW_NETWORK',
          'the streaming list ended before the initial-events-end bookmark; listing again',
          undefined,
        );
      }
      this.resumeNext = true;
      return 'ended';
    } catch (err) {
      if (idleMs > 0 && !stopSignal.aborted) {
        this.counters.idleTimeouts++;
        this.report(new WatchIdleError(idleMs), 'watch idle; resuming');
        this.resumeNext = !initial;
        return 'idle';
      }
      throw err;
    } finally {
      if (watchdog !== undefined) clearTimeout(watchdog);
      stopSignal.removeEventListener('abort', onStop);
      if (!watchController.signal.aborted) watchController.abort();
      if (iterator?.return !== undefined) {
        try {
          iterator.return().catch(() => {});
        } catch {
          // an iterator that throws synchronously from return() is already closed
        }
      }
    }
  }
}

function streamingUnsupported(what: string): WatchStreamError {
  return new WatchStreamError(
    'KW_BAD_REQUEST',
    `the server ignored sendInitialEvents: it sent ${what} before the initial-events-end bookmark`,
    undefined,
  );
}

/** Whether the server rejected a streaming list request (it does not support `sendInitialEvents`). */
function isRejection(error: KwErrorShape): boolean {
  const status = httpStatus(error);
  return error.code === 'KW_BAD_REQUEST' || status === 400 || status === 422;
}

function retryAfterMs(error: KwErrorShape): number {
  const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function apiVersionOf(resource: GroupVersionResource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts (the promise is left to settle unobserved). */
export function abortable<V>(promise: Promise<V>, signal: AbortSignal): Promise<V> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Resolves once the monotonic clock (`performance.now()`) has advanced by at least `ms` (a timer
 * that fires early is re-armed, so a `Retry-After` is never cut short; a wall-clock step neither
 * shortens nor stretches the wait), or as soon as `signal` aborts; leaves no timer behind.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const deadline = performance.now() + ms;
    let timer: ReturnType<typeof setTimeout>;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const check = () => {
      const left = deadline - performance.now();
      if (left > 0) timer = setTimeout(check, left);
      else done();
    };
    timer = setTimeout(check, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
