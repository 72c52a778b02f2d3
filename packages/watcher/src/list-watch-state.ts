import type { ApiErrorShape, KwErrorShape, WatcherPhase } from '@kw/types';

/**
 * Where the list-watch loop is; each variant holds only the data valid in it:
 *
 * - `resolve`: discovery of the resource;
 * - `list`: a listing, by LIST pages or a streaming list (`continue`: the next page of a paginated
 *   listing already under way);
 * - `watch`: a WATCH from `rv`; `resumed` when it follows a previous watch rather than a listing;
 * - `wait`: a backoff of `ms`, then `resume`;
 * - `failed`: `error` keeps the watcher from syncing; with `retry` it is retried after `retry.ms`,
 *   without it the loop has ended for good.
 */
export type State =
  | { readonly at: 'resolve' }
  | { readonly at: 'list'; readonly mode: 'paginated' | 'streaming'; readonly continue?: string }
  | { readonly at: 'watch'; readonly rv: string; readonly resumed: boolean }
  | { readonly at: 'wait'; readonly ms: number; readonly resume: State }
  | {
      readonly at: 'failed';
      readonly error: KwErrorShape;
      readonly retry?: { readonly ms: number; readonly resume: State };
    };

/**
 * What running a state's request came to:
 *
 * - `resolved` / `invalid`: discovery succeeded / the resolved resource contradicts the configuration;
 * - `page`: a paginated listing has more pages, from `continue`;
 * - `listed`: a listing is complete (and applied) at `rv`;
 * - `watch-ended`: the server ended a watch (`idle`: the watchdog closed it), which reached `rv`;
 * - `relist-requested`: the writer answered a step with `'relist'`;
 * - `relist-asked`: the owner asked for a listing now (`ListWatch.relist()`, e.g. a new shard range);
 * - `rejected`: the server refused the request as invalid (400/422);
 * - `error`: any other failure; `rv`/`delivered` tell how far a watch got;
 * - `waited`: a `wait` or a retrying `failed` state's time is up.
 */
export type Outcome =
  | { readonly type: 'resolved' }
  | { readonly type: 'invalid'; readonly error: KwErrorShape }
  | { readonly type: 'page'; readonly continue: string }
  | { readonly type: 'listed'; readonly rv: string }
  | {
      readonly type: 'watch-ended';
      readonly rv: string;
      readonly delivered: boolean;
      readonly idle?: KwErrorShape;
    }
  | { readonly type: 'relist-requested' }
  | { readonly type: 'relist-asked' }
  | { readonly type: 'rejected'; readonly error: KwErrorShape }
  | { readonly type: 'error'; readonly error: KwErrorShape; readonly rv?: string; readonly delivered?: boolean }
  | { readonly type: 'waited' };

/** What `next` needs besides the state: the configuration and the (impure) sources of delays. */
export interface StepContext {
  /** The configured list mode: `streaming` loads with a streaming list, the others with LIST pages. */
  readonly listMode: 'auto' | 'paginated' | 'streaming';
  readonly slowRetryMs: number;
  /** The next exponential-backoff delay, ms (advances the backoff sequence). */
  backoff(): number;
  /** A number in `[0, 1)`. */
  random(): number;
}

/** A counter of `status()` that a transition increments. */
export type Counted = 'relists' | 'tooManyRequests' | 'idleTimeouts';

/** The result of {@link next}: the new state, and what the shell must report, count or remember. */
export interface Transition {
  readonly state: State;
  /** Report the outcome's error (through `onError` and the logger) with this message. */
  readonly report?: { readonly error: KwErrorShape; readonly message: string };
  readonly count?: Counted;
}

/** Error codes retried at the slow pace: they do not go away by retrying soon. */
const SLOW_CODES: ReadonlySet<string> = new Set([
  'KW_UNAUTHORIZED',
  'KW_FORBIDDEN',
  'KW_NOT_FOUND',
  'KW_UNKNOWN_RESOURCE',
]);

/** The state a listing starts in: a streaming list in `listMode: 'streaming'`, else a first LIST page. */
export function listState(ctx: Pick<StepContext, 'listMode'>): State {
  return { at: 'list', mode: ctx.listMode === 'streaming' ? 'streaming' : 'paginated' };
}

/** `status().phase` of a running loop in `state`. */
export function phaseOf(state: State): WatcherPhase {
  switch (state.at) {
    case 'resolve':
    case 'list':
      return 'listing';
    case 'watch':
      return 'watching';
    case 'wait':
      return 'backing-off';
    case 'failed':
      return 'failed';
  }
}

/** Whether the loop has ended for good in `state`. */
export function isFinal(state: State): boolean {
  return state.at === 'failed' && state.retry === undefined;
}

/** The pure list-watch transition: where `outcome` of `state` leads. No timers, no I/O, no store. */
export function next(state: State, outcome: Outcome, ctx: StepContext): Transition {
  switch (outcome.type) {
    case 'waited':
      if (state.at === 'wait') return { state: state.resume };
      if (state.at === 'failed' && state.retry !== undefined) return { state: state.retry.resume };
      return { state };
    case 'resolved':
      return { state: listState(ctx) };
    case 'invalid':
      return {
        state: { at: 'failed', error: outcome.error },
        report: { error: outcome.error, message: 'cannot watch' },
      };
    case 'page':
      return { state: { at: 'list', mode: 'paginated', continue: outcome.continue } };
    case 'listed':
      return { state: { at: 'watch', rv: outcome.rv, resumed: false } };
    case 'watch-ended':
      return watchEnded(state, outcome, ctx);
    case 'relist-requested':
      return { state: after(ctx.backoff(), listState(ctx)), count: 'relists' };
    case 'relist-asked':
      return { state: listState(ctx), count: 'relists' };
    case 'rejected':
      return {
        state: { at: 'failed', error: outcome.error },
        report: { error: outcome.error, message: 'the server rejected the request; the watcher stopped' },
      };
    case 'error':
      return failed(state, outcome, ctx);
  }
}

function watchEnded(state: State, outcome: Extract<Outcome, { type: 'watch-ended' }>, ctx: StepContext): Transition {
  const resume: State = { at: 'watch', rv: outcome.rv, resumed: true };
  if (outcome.idle !== undefined) {
    // A streaming listing the watchdog closed loads again; a watch resumes.
    const again = state.at === 'list' ? state : resume;
    return { state: again, count: 'idleTimeouts', report: { error: outcome.idle, message: 'watch idle; resuming' } };
  }
  // A stream that ended without delivering anything backs off: a misbehaving proxy cannot cause a hot loop.
  return { state: outcome.delivered ? resume : after(ctx.backoff(), resume) };
}

/** Where `error` in `state` leads: resume, relist, wait, or fail slowly. */
function failed(state: State, outcome: Extract<Outcome, { type: 'error' }>, ctx: StepContext): Transition {
  const { error } = outcome;
  const status = (error as Partial<ApiErrorShape>).status;
  const throttled = error.code === 'KW_TOO_MANY_REQUESTS' || status === 429;
  const retry = retryOf(state, outcome.rv, throttled);
  if (error.code === 'KW_GONE' || status === 410) {
    if (state.at === 'watch') {
      const list = listState(ctx);
      return {
        state: outcome.delivered === true ? list : after(ctx.backoff(), list),
        count: 'relists',
        report: { error, message: 'watch failed' },
      };
    }
    if (state.at === 'list' && state.continue !== undefined) {
      return {
        state: { at: 'list', mode: state.mode },
        report: { error, message: 'the list continue token expired; listing again from the start' },
      };
    }
  }
  const message = `${state.at} failed`;
  if (throttled) {
    return {
      state: after(Math.max(retryAfterMs(error), ctx.backoff()), retry),
      count: 'tooManyRequests',
      report: { error, message: `${message} (429)` },
    };
  }
  if (SLOW_CODES.has(error.code) || status === 401 || status === 403 || status === 404) {
    return {
      state: { at: 'failed', error, retry: { ms: ctx.slowRetryMs * (1 + ctx.random()), resume: retry } },
      report: { error, message },
    };
  }
  return { state: after(ctx.backoff(), retry), report: { error, message } };
}

/** The request to try again after an error in `state`: the same one (a paginated listing from its start unless throttled). */
function retryOf(state: State, rv: string | undefined, throttled: boolean): State {
  switch (state.at) {
    case 'watch':
      return { at: 'watch', rv: rv ?? state.rv, resumed: true };
    case 'list':
      return throttled || state.continue === undefined ? state : { at: 'list', mode: state.mode };
    case 'wait':
      return state.resume;
    case 'failed':
      return state.retry?.resume ?? state;
    case 'resolve':
      return state;
  }
}

/**
 * Whether the server refused a request as invalid: HTTP 400 or 422 (by status when there is one,
 * so a 408 mislabelled `KW_BAD_REQUEST` stays a timeout), else by code.
 */
export function isRejected(error: KwErrorShape): boolean {
  const status = (error as Partial<ApiErrorShape>).status;
  if (typeof status === 'number' && status > 0) return status === 400 || status === 422;
  return error.code === 'KW_BAD_REQUEST' || error.code === 'KW_INVALID';
}

/** `resume`, after a wait of `ms` when there is one. */
function after(ms: number, resume: State): State {
  return ms > 0 ? { at: 'wait', ms, resume } : resume;
}

function retryAfterMs(error: KwErrorShape): number {
  const seconds = (error as Partial<ApiErrorShape>).retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
