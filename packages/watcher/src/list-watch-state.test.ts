import type { KwErrorCode, KwErrorShape } from '@kw/types';
import { describe, expect, it } from 'vitest';
import {
  isFinal,
  isRejected,
  next,
  type Outcome,
  phaseOf,
  type State,
  type StepContext,
  type Transition,
} from './list-watch-state';

/** A plain error with a code and, optionally, an HTTP status and Retry-After. */
function err(code: KwErrorCode, status?: number, retryAfterSeconds?: number): KwErrorShape {
  return Object.assign(new Error(`${code} ${status ?? ''}`), { code, status, retryAfterSeconds });
}

const BACKOFF = 800;
/** Backoff always 800 ms, random 0.5, slowRetryMs 10 s. */
function ctx(listMode: StepContext['listMode'] = 'auto'): StepContext {
  return { listMode, slowRetryMs: 10_000, backoff: () => BACKOFF, random: () => 0.5 };
}

const resolve: State = { at: 'resolve' };
const streaming: State = { at: 'list', mode: 'streaming' };
const paginated: State = { at: 'list', mode: 'paginated' };
const page2: State = { at: 'list', mode: 'paginated', continue: 'tok2' };
const watching: State = { at: 'watch', rv: '10', resumed: false };
const wait = (ms: number, resume: State): State => ({ at: 'wait', ms, resume });
const resumeAt = (rv: string): State => ({ at: 'watch', rv, resumed: true });

const gone = err('KW_GONE', 410);
const network = err('KW_NETWORK', 0);
const throttled = err('KW_TOO_MANY_REQUESTS', 429, 5);
const forbidden = err('KW_FORBIDDEN', 403);
const badRequest = err('KW_BAD_REQUEST', 400);

interface Row {
  rule: string;
  from: State;
  outcome: Outcome;
  mode?: StepContext['listMode'];
  to: State;
  /** The rest of the transition: report message, count (omitted: none). */
  also?: Partial<Omit<Transition, 'state' | 'report'>> & { report?: string };
}

// One row per README "Recovery" row, then the rules of the state machine itself.
const rows: Row[] = [
  // README Recovery
  {
    rule: 'a watch the server ended after delivering resumes from its last rv at once',
    from: watching,
    outcome: { type: 'watch-ended', rv: '17', delivered: true },
    to: resumeAt('17'),
  },
  {
    rule: 'a watch that ended without delivering anything backs off before resuming',
    from: watching,
    outcome: { type: 'watch-ended', rv: '10', delivered: false },
    to: wait(BACKOFF, resumeAt('10')),
  },
  {
    rule: 'a transport error on a watch resumes from the last rv after backoff, no relist',
    from: watching,
    outcome: { type: 'error', error: network, rv: '12', delivered: true },
    to: wait(BACKOFF, resumeAt('12')),
    also: { report: 'watch failed' },
  },
  {
    rule: 'a 5xx on a watch resumes after backoff',
    from: resumeAt('12'),
    outcome: { type: 'error', error: err('KW_SERVER_ERROR', 503), rv: '12' },
    to: wait(BACKOFF, resumeAt('12')),
    also: { report: 'watch failed' },
  },
  {
    rule: 'a hung watch closed by the watchdog resumes at once, counted in idleTimeouts',
    from: watching,
    outcome: { type: 'watch-ended', rv: '15', delivered: true, idle: err('KW_TIMEOUT') },
    to: resumeAt('15'),
    also: { report: 'watch idle; resuming', count: 'idleTimeouts' },
  },
  {
    rule: '410 on a watch that delivered events relists at once',
    from: watching,
    outcome: { type: 'error', error: gone, rv: '11', delivered: true },
    to: paginated,
    also: { report: 'watch failed', count: 'relists' },
  },
  {
    rule: '410 on a watch that delivered nothing relists after backoff',
    from: watching,
    outcome: { type: 'error', error: gone, rv: '10', delivered: false },
    mode: 'paginated',
    to: wait(BACKOFF, paginated),
    also: { report: 'watch failed', count: 'relists' },
  },
  {
    rule: '410 (by status alone) on a watch relists',
    from: watching,
    outcome: { type: 'error', error: err('KW_SERVER_ERROR', 410), delivered: true },
    mode: 'paginated',
    to: paginated,
    also: { report: 'watch failed', count: 'relists' },
  },
  {
    rule: '410 on a LIST continue token restarts the listing from the first page at once',
    from: page2,
    outcome: { type: 'error', error: gone },
    to: paginated,
    also: { report: 'the list continue token expired; listing again from the start' },
  },
  {
    rule: '429 on discovery retries discovery after max(Retry-After, backoff)',
    from: resolve,
    outcome: { type: 'error', error: throttled },
    to: wait(5000, resolve),
    also: { report: 'resolve failed (429)', count: 'tooManyRequests' },
  },
  {
    rule: '429 on a LIST page fetches the same page again (same continue token)',
    from: page2,
    outcome: { type: 'error', error: throttled },
    to: wait(5000, page2),
    also: { report: 'list failed (429)', count: 'tooManyRequests' },
  },
  {
    rule: '429 on a streaming list retries it as a list, not a relist',
    from: streaming,
    outcome: { type: 'error', error: throttled },
    to: wait(5000, streaming),
    also: { report: 'list failed (429)', count: 'tooManyRequests' },
  },
  {
    rule: '429 on a watch re-opens it from the last rv, never a relist',
    from: watching,
    outcome: { type: 'error', error: throttled, rv: '13', delivered: true },
    to: wait(5000, resumeAt('13')),
    also: { report: 'watch failed (429)', count: 'tooManyRequests' },
  },
  {
    rule: '429 with a Retry-After shorter than the backoff waits the backoff',
    from: watching,
    outcome: { type: 'error', error: err('KW_TOO_MANY_REQUESTS', 429) },
    to: wait(BACKOFF, resumeAt('10')),
    also: { report: 'watch failed (429)', count: 'tooManyRequests' },
  },
  ...(['KW_UNAUTHORIZED', 'KW_FORBIDDEN', 'KW_NOT_FOUND', 'KW_UNKNOWN_RESOURCE'] as const).map(
    (code): Row => ({
      rule: `${code} fails the watcher and retries the same request every [slowRetryMs, 2×slowRetryMs)`,
      from: paginated,
      outcome: { type: 'error', error: err(code) },
      to: { at: 'failed', error: err(code), retry: { ms: 15_000, resume: paginated } },
      also: { report: 'list failed' },
    }),
  ),
  {
    rule: '403 by status alone on discovery fails slowly too',
    from: resolve,
    outcome: { type: 'error', error: forbidden },
    to: { at: 'failed', error: forbidden, retry: { ms: 15_000, resume: resolve } },
    also: { report: 'resolve failed' },
  },
  {
    rule: 'a namespace for a cluster-scoped resource fails for good',
    from: resolve,
    outcome: { type: 'invalid', error: err('KW_INVALID_CONFIG') },
    to: { at: 'failed', error: err('KW_INVALID_CONFIG') },
    also: { report: 'cannot watch' },
  },
  {
    rule: 'an outage (connection refused on discovery) retries after backoff',
    from: resolve,
    outcome: { type: 'error', error: network },
    to: wait(BACKOFF, resolve),
    also: { report: 'resolve failed' },
  },
  {
    rule: 'a failed store write relists after backoff, counted in relists',
    from: watching,
    outcome: { type: 'relist-requested' },
    to: wait(BACKOFF, paginated),
    also: { count: 'relists' },
  },
  {
    rule: 'a failed store write during a paginated listing lists again after backoff',
    from: page2,
    outcome: { type: 'relist-requested' },
    mode: 'paginated',
    to: wait(BACKOFF, paginated),
    also: { count: 'relists' },
  },
  {
    rule: 'a relist the owner asked for (a new shard range) lists at once, counted in relists',
    from: watching,
    outcome: { type: 'relist-asked' },
    to: paginated,
    also: { count: 'relists' },
  },
  {
    rule: 'a relist asked for mid-listing starts the listing over, without backoff',
    from: page2,
    outcome: { type: 'relist-asked' },
    mode: 'paginated',
    to: paginated,
    also: { count: 'relists' },
  },
  // Rejected requests (issue 13 point 1)
  {
    rule: 'a paginated LIST the server rejects (400) fails the watcher for good',
    from: paginated,
    outcome: { type: 'rejected', error: badRequest },
    mode: 'paginated',
    to: { at: 'failed', error: badRequest },
    also: { report: 'the server rejected the request; the watcher stopped' },
  },
  {
    rule: 'a paginated LIST rejected with 422 fails the watcher for good',
    from: paginated,
    outcome: { type: 'rejected', error: err('KW_INVALID', 422) },
    to: { at: 'failed', error: err('KW_INVALID', 422) },
    also: { report: 'the server rejected the request; the watcher stopped' },
  },
  {
    rule: 'listMode streaming: a rejected streaming list fails (no fallback)',
    from: streaming,
    outcome: { type: 'rejected', error: badRequest },
    mode: 'streaming',
    to: { at: 'failed', error: badRequest },
    also: { report: 'the server rejected the request; the watcher stopped' },
  },
  {
    rule: 'a rejected watch fails the watcher',
    from: watching,
    outcome: { type: 'rejected', error: badRequest },
    to: { at: 'failed', error: badRequest },
    also: { report: 'the server rejected the request; the watcher stopped' },
  },
  {
    rule: 'a 408 on a streaming list is a timeout: retried as streaming after backoff, never a fallback',
    from: streaming,
    outcome: { type: 'error', error: err('KW_TIMEOUT', 408) },
    to: wait(BACKOFF, streaming),
    also: { report: 'list failed' },
  },
  // The loop's own rules
  {
    rule: 'discovery done (auto): load state with paginated LIST',
    from: resolve,
    outcome: { type: 'resolved' },
    to: paginated,
  },
  {
    rule: 'discovery done: load state with a streaming list (streaming)',
    from: resolve,
    outcome: { type: 'resolved' },
    mode: 'streaming',
    to: streaming,
  },
  // auto (issue 18): LIST pages, whatever the size
  {
    rule: 'auto: a first page without a continue token is the whole listing: watch from its rv',
    from: paginated,
    outcome: { type: 'listed', rv: '40' },
    to: { at: 'watch', rv: '40', resumed: false },
  },
  {
    rule: "auto: a first page with a continue token goes on paginated, whatever the collection's size",
    from: paginated,
    outcome: { type: 'page', continue: 'tok2' },
    to: page2,
  },
  {
    rule: 'a later page of a paginated listing follows its continue token',
    from: page2,
    outcome: { type: 'page', continue: 'tok3' },
    to: { at: 'list', mode: 'paginated', continue: 'tok3' },
  },
  {
    rule: 'auto: a first page the server rejects (400) fails the watcher for good',
    from: paginated,
    outcome: { type: 'rejected', error: badRequest },
    to: { at: 'failed', error: badRequest },
    also: { report: 'the server rejected the request; the watcher stopped' },
  },
  {
    rule: 'auto: a transport error on the first page retries it after backoff',
    from: paginated,
    outcome: { type: 'error', error: network },
    to: wait(BACKOFF, paginated),
    also: { report: 'list failed' },
  },
  {
    rule: 'auto: a 410 on a continue token lists again from the start',
    from: page2,
    outcome: { type: 'error', error: gone },
    to: paginated,
    also: { report: 'the list continue token expired; listing again from the start' },
  },
  {
    rule: 'discovery done: load state with paginated LIST (paginated)',
    from: resolve,
    outcome: { type: 'resolved' },
    mode: 'paginated',
    to: paginated,
  },
  {
    rule: 'a page with a continue token asks for the next page',
    from: paginated,
    outcome: { type: 'page', continue: 'tok2' },
    to: page2,
  },
  {
    rule: 'a complete listing watches from its rv, not counted as a rewatch',
    from: page2,
    outcome: { type: 'listed', rv: '40' },
    to: { at: 'watch', rv: '40', resumed: false },
  },
  {
    rule: 'a transport error mid-listing lists again from the first page after backoff',
    from: page2,
    outcome: { type: 'error', error: network },
    to: wait(BACKOFF, paginated),
    also: { report: 'list failed' },
  },
  {
    rule: '410 on a listing without a continue token lists again after backoff, not counted as a relist',
    from: paginated,
    outcome: { type: 'error', error: gone },
    to: wait(BACKOFF, paginated),
    also: { report: 'list failed' },
  },
  {
    rule: 'a streaming list that ended before the initial-events-end bookmark lists again after backoff',
    from: streaming,
    outcome: { type: 'error', error: network, rv: '', delivered: true },
    to: wait(BACKOFF, streaming),
    also: { report: 'list failed' },
  },
  {
    rule: 'the watchdog closing a streaming list loads the state again at once',
    from: streaming,
    outcome: { type: 'watch-ended', rv: '', delivered: true, idle: err('KW_TIMEOUT') },
    to: streaming,
    also: { report: 'watch idle; resuming', count: 'idleTimeouts' },
  },
  {
    rule: 'a wait is over: run what follows it',
    from: wait(800, resumeAt('9')),
    outcome: { type: 'waited' },
    to: resumeAt('9'),
  },
  {
    rule: 'a slow retry is due: retry the request',
    from: { at: 'failed', error: forbidden, retry: { ms: 15_000, resume: resolve } },
    outcome: { type: 'waited' },
    to: resolve,
  },
  {
    rule: 'a backoff of 0 ms does not wait',
    from: watching,
    outcome: { type: 'watch-ended', rv: '10', delivered: false },
    to: resumeAt('10'),
  },
];

describe('next: the list-watch recovery rules, one row each', () => {
  it.each(rows)('$rule', ({ from, outcome, mode, to, also, rule }) => {
    const context = rule === 'a backoff of 0 ms does not wait' ? { ...ctx(mode), backoff: () => 0 } : ctx(mode);
    const { state, report, ...rest } = next(from, outcome, context);
    expect(state).toEqual(to);
    const { report: message, ...expected } = also ?? {};
    expect(report?.message).toBe(message);
    const { error, idle } = outcome as { error?: KwErrorShape; idle?: KwErrorShape };
    if (report !== undefined) expect(report.error).toBe(error ?? idle);
    expect(rest).toEqual(expected);
  });
});

describe('phaseOf and isFinal', () => {
  it.each<[State, string, boolean]>([
    [resolve, 'listing', false],
    [page2, 'listing', false],
    [streaming, 'listing', false],
    [watching, 'watching', false],
    [wait(800, watching), 'backing-off', false],
    [{ at: 'failed', error: forbidden, retry: { ms: 1, resume: resolve } }, 'failed', false],
    [{ at: 'failed', error: badRequest }, 'failed', true],
  ])('%j is %s (final: %s)', (state, phase, final) => {
    expect(phaseOf(state)).toBe(phase);
    expect(isFinal(state)).toBe(final);
  });
});

describe('isRejected', () => {
  it.each<[KwErrorShape, boolean]>([
    [badRequest, true],
    [err('KW_INVALID', 422), true],
    [err('KW_BAD_REQUEST', 408), false],
    [err('KW_TIMEOUT', 408), false],
    [err('KW_BAD_REQUEST'), true],
    [err('KW_GONE', 410), false],
    [network, false],
  ])('%s → %s', (error, rejected) => {
    expect(isRejected(error)).toBe(rejected);
  });
});
