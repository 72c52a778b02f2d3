import { hostname } from 'node:os';
import type { Logger, MaybePromise } from '@kw/types';
import { LeaderElectionCallbackError, LeaderElectionConfigError, LeadershipLostError } from './errors';
import type { LeaseClient, LeaseRecord } from './lease-client';

/** A monotonic millisecond clock (`performance` fits). Never the wall clock: it must not jump. */
export interface Clock {
  now(): number;
}

/** Default timings and behaviour of a {@link LeaderElector} (client-go's defaults). */
export const LEADER_ELECTION_DEFAULTS = Object.freeze({
  /** How long others wait, after last seeing the Lease change, before taking it over. */
  leaseDurationMs: 15_000,
  /** How long a leader keeps leading without a successful renew before it steps down. */
  renewDeadlineMs: 10_000,
  /** Time between attempts to acquire or renew. */
  retryPeriodMs: 2_000,
  /** Candidates wait a random time in `[retryPeriodMs, retryPeriodMs × jitterFactor]` between attempts. */
  jitterFactor: 1.2,
  /** Release the Lease on `stop()` so a successor takes over within one retry period. */
  releaseOnStop: true,
  /** Slack past `renewDeadlineMs` before `healthCheck()` reports a leader that failed to step down. */
  healthToleranceMs: 2_000,
});

/** Options of a {@link LeaderElector}. Durations are milliseconds. */
export interface LeaderElectorOptions {
  /** The Lease that decides leadership. */
  lease: { name: string; namespace: string };
  /** This candidate's identity, unique among candidates; default `os.hostname()` + `_` + a random suffix. */
  identity?: string;
  /** Default 15000. Must exceed `renewDeadlineMs`; written to the Lease rounded up to whole seconds. */
  leaseDurationMs?: number;
  /** Default 10000. Must exceed `retryPeriodMs × jitterFactor`. */
  renewDeadlineMs?: number;
  /** Default 2000. */
  retryPeriodMs?: number;
  /** Default 1.2; at least 1. */
  jitterFactor?: number;
  /** Default true: `stop()` clears the holder so a successor need not wait for expiry. */
  releaseOnStop?: boolean;
  /** Default 2000. */
  healthToleranceMs?: number;
  /** Lease storage: `createLeaseClient({ kubeConfig })`, or a fake in tests. */
  leaseClient: LeaseClient;
  /**
   * Called when this candidate becomes leader. `signal` aborts (reason: a `LeadershipLostError`)
   * the moment leadership ends, including on `stop()`: stop leader-only work then. Not awaited.
   */
  onStartedLeading: (signal: AbortSignal) => MaybePromise<void>;
  /** Called once when a term ends, right after the term's signal aborted. Awaited by `stop()` before releasing. */
  onStoppedLeading?: () => MaybePromise<void>;
  /** Called when the observed holder changes to `identity` (this candidate included). */
  onNewLeader?: (identity: string) => MaybePromise<void>;
  /** Aborting it is `stop()`. */
  signal?: AbortSignal;
  /** Default: warnings and errors to `console`. */
  logger?: Logger;
  /** Monotonic clock for every expiry and deadline decision; default `performance`. */
  clock?: Clock;
}

/** The result of {@link LeaderElector.healthCheck}. */
export interface LeaderElectionHealth {
  healthy: boolean;
  /** Why it is unhealthy. */
  reason?: string;
}

interface Term {
  readonly controller: AbortController;
  /** Clock time at which the last successful acquire/renew request was sent. */
  renewedAt: number;
  deadline: ReturnType<typeof setTimeout> | undefined;
}

interface Run {
  readonly controller: AbortController;
  done: Promise<void>;
}

type Settings = Required<
  Pick<
    LeaderElectorOptions,
    'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'jitterFactor' | 'releaseOnStop' | 'healthToleranceMs'
  >
>;

const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, compatible with client-go's: at most
 * one candidate believes it leads at any instant, provided clocks advance at about the same
 * rate and this process's timers run (see the README's safety argument).
 *
 * Call `start()`; the elector then tries to acquire every `retryPeriodMs` (jittered), renews
 * while leading, steps down when it cannot renew within `renewDeadlineMs` (measured from the
 * start of the last successful renew) or when a write conflicts, and keeps running as a
 * candidate afterwards until `stop()` or `signal`. Callbacks never throw into the loop.
 */
export class LeaderElector {
  /** This candidate's identity, as written to `holderIdentity`. */
  readonly identity: string;
  readonly #settings: Settings;
  readonly #lease: { name: string; namespace: string };
  readonly #client: LeaseClient;
  readonly #options: LeaderElectorOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #run: Run | undefined;
  #stopping: Promise<void> | undefined;
  #term: Term | undefined;
  /** The last Lease seen (read or written), and when (clock) its version was first seen. */
  #record: LeaseRecord | undefined;
  #observedAt = 0;
  #leader: string | undefined;
  /** A renew failed ambiguously: read the Lease before the next renew instead of trusting the cached version. */
  #refresh = false;

  constructor(options: LeaderElectorOptions) {
    this.#settings = validate(options);
    this.#options = options;
    this.#lease = { name: options.lease.name, namespace: options.lease.namespace };
    this.#client = options.leaseClient;
    this.identity = options.identity ?? `${hostname()}_${Math.random().toString(36).slice(2, 10)}`;
    this.#logger = options.logger ?? defaultLogger;
    this.#clock = options.clock ?? performance;
  }

  /**
   * Joins the election in the background. A no-op while running or when `signal` is already
   * aborted; may be called again after `stop()` resolved.
   */
  start(): void {
    if (this.#run !== undefined || this.#options.signal?.aborted) return;
    const controller = new AbortController();
    const run: Run = { controller, done: Promise.resolve() };
    this.#run = run;
    const onAbort = (): void => {
      this.stop().catch((error: unknown) => this.#logger.error('leader election: stop failed', { error }));
    };
    this.#options.signal?.addEventListener('abort', onAbort, { once: true });
    run.done = this.#loop(controller.signal).finally(() => this.#options.signal?.removeEventListener('abort', onAbort));
  }

  /**
   * Leaves the election: ends the current term (aborts its signal, awaits `onStoppedLeading`),
   * then, with `releaseOnStop`, clears the Lease's holder and sets its duration to 1 s so a
   * successor takes over within one retry period. Resolves when no request or timer is left.
   */
  stop(): Promise<void> {
    const run = this.#run;
    if (run === undefined) return Promise.resolve();
    this.#stopping ??= (async () => {
      run.controller.abort();
      await run.done;
      const held = this.#term !== undefined || (this.#record?.holderIdentity === this.identity && !this.#refresh);
      await this.#endTerm('the elector stopped', true);
      if (this.#settings.releaseOnStop && held) await this.#release();
      this.#run = undefined;
      this.#stopping = undefined;
    })();
    return this.#stopping;
  }

  /** Whether this candidate leads now: it holds a term and renewed within `renewDeadlineMs`. */
  isLeader(): boolean {
    const term = this.#term;
    return term !== undefined && this.#clock.now() - term.renewedAt < this.#settings.renewDeadlineMs;
  }

  /** The last observed holder identity (possibly this one), or `undefined` when none was seen or the Lease is released. */
  getLeader(): string | undefined {
    return this.#leader;
  }

  /**
   * For a liveness probe: unhealthy when this process still believes it leads although its last
   * successful renew started more than `renewDeadlineMs + healthToleranceMs` ago (its step-down
   * did not happen, e.g. a blocked event loop). Healthy otherwise, including when stopped.
   */
  healthCheck(): LeaderElectionHealth {
    const term = this.#term;
    if (term === undefined) return { healthy: true };
    const since = this.#clock.now() - term.renewedAt;
    const limit = this.#settings.renewDeadlineMs + this.#settings.healthToleranceMs;
    if (since <= limit) return { healthy: true };
    return {
      healthy: false,
      reason: `${this.identity} believes it leads ${this.#describeLease()} but last renewed ${Math.round(since)} ms ago (limit ${limit} ms)`,
    };
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.#term !== undefined) await this.#renew(this.#term, signal);
        else await this.#tryAcquire(signal);
      } catch (error) {
        if (!signal.aborted) this.#logger.error('leader election: unexpected failure', { error });
      }
      const { retryPeriodMs, jitterFactor } = this.#settings;
      const wait = this.#term !== undefined ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * (jitterFactor - 1));
      await sleep(wait, signal);
    }
  }

  async #tryAcquire(runSignal: AbortSignal): Promise<void> {
    const signal = this.#attemptSignal(runSignal, undefined);
    try {
      const current = await bound(this.#client.get(this.#lease.namespace, this.#lease.name, { signal }), signal);
      this.#observe(current);
      const now = this.#clock.now();
      if (current !== undefined && current.holderIdentity !== '' && current.holderIdentity !== this.identity) {
        const durationMs =
          current.leaseDurationSeconds > 0 ? current.leaseDurationSeconds * 1000 : this.#settings.leaseDurationMs;
        if (now - this.#observedAt < durationMs) return;
        this.#logger.info('leader election: lease expired, taking over', {
          lease: this.#describeLease(),
          previous: current.holderIdentity,
        });
      }
      const sentAt = this.#clock.now();
      const wall = new Date();
      const mine = current !== undefined && current.holderIdentity === this.identity;
      const fields = {
        namespace: this.#lease.namespace,
        name: this.#lease.name,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.#leaseDurationSeconds(),
        acquireTime: mine ? current.acquireTime : wall,
        renewTime: wall,
      };
      const written =
        current === undefined
          ? await bound(this.#client.create({ ...fields, leaseTransitions: 0 }, { signal }), signal)
          : await bound(
              this.#client.update(
                {
                  ...fields,
                  leaseTransitions: mine ? current.leaseTransitions : current.leaseTransitions + 1,
                  resourceVersion: current.resourceVersion,
                },
                { signal },
              ),
              signal,
            );
      this.#observe(written);
      if (runSignal.aborted) return;
      this.#refresh = false;
      this.#beginTerm(sentAt);
    } catch (error) {
      if (runSignal.aborted) return;
      if (codeOf(error) === 'KW_CONFLICT') this.#logger.debug('leader election: lost the race to acquire', { error });
      else this.#logger.warn('leader election: acquire attempt failed', { error, lease: this.#describeLease() });
    } finally {
      signal.dispose();
    }
  }

  async #renew(term: Term, runSignal: AbortSignal): Promise<void> {
    const signal = this.#attemptSignal(runSignal, term.controller.signal);
    const sentAt = this.#clock.now();
    try {
      let base = this.#record;
      if (this.#refresh || base === undefined) {
        base = await bound(this.#client.get(this.#lease.namespace, this.#lease.name, { signal }), signal);
        this.#observe(base);
        if (base?.holderIdentity !== this.identity) {
          const holder = base === undefined ? 'the lease was deleted' : `the lease is held by "${base.holderIdentity}"`;
          this.#stepDown(term, `${holder}`);
          return;
        }
      }
      const written = await bound(
        this.#client.update(
          {
            ...base,
            holderIdentity: this.identity,
            leaseDurationSeconds: this.#leaseDurationSeconds(),
            renewTime: new Date(),
          },
          { signal },
        ),
        signal,
      );
      this.#observe(written);
      this.#refresh = false;
      if (this.#term !== term) return;
      term.renewedAt = sentAt;
      this.#armDeadline(term);
    } catch (error) {
      if (runSignal.aborted || this.#term !== term) return;
      const code = codeOf(error);
      if (code === 'KW_CONFLICT' || code === 'KW_NOT_FOUND') {
        this.#refresh = true;
        this.#stepDown(
          term,
          code === 'KW_CONFLICT' ? 'renew conflicted: the lease was written by someone else' : 'the lease was deleted',
        );
        return;
      }
      this.#refresh = true;
      this.#logger.warn('leader election: renew failed, retrying', { error, lease: this.#describeLease() });
    } finally {
      signal.dispose();
    }
  }

  #beginTerm(renewedAt: number): void {
    const term: Term = { controller: new AbortController(), renewedAt, deadline: undefined };
    this.#term = term;
    this.#armDeadline(term);
    this.#logger.info('leader election: started leading', { identity: this.identity, lease: this.#describeLease() });
    this.#call('onStartedLeading', () => this.#options.onStartedLeading(term.controller.signal));
  }

  /** Steps down exactly `renewDeadlineMs` after the last successful renew started, whatever requests are pending. */
  #armDeadline(term: Term): void {
    if (term.deadline !== undefined) clearTimeout(term.deadline);
    const remaining = term.renewedAt + this.#settings.renewDeadlineMs - this.#clock.now();
    term.deadline = setTimeout(
      () => this.#stepDown(term, `no successful renew within renewDeadlineMs (${this.#settings.renewDeadlineMs} ms)`),
      Math.max(0, remaining),
    );
  }

  #stepDown(term: Term, reason: string): void {
    if (this.#term !== term) return;
    this.#logger.warn('leader election: stopped leading', { identity: this.identity, reason });
    void this.#endTerm(reason, false);
  }

  async #endTerm(reason: string, awaitCallback: boolean): Promise<void> {
    const term = this.#term;
    if (term === undefined) return;
    this.#term = undefined;
    if (term.deadline !== undefined) clearTimeout(term.deadline);
    term.controller.abort(new LeadershipLostError(`${this.identity} stopped leading: ${reason}`, this.identity));
    const callback = this.#options.onStoppedLeading;
    if (callback === undefined) return;
    const result = this.#call('onStoppedLeading', callback);
    if (awaitCallback) await result;
  }

  /** Clears the holder (duration 1 s) if the Lease still names this candidate; bounded by `renewDeadlineMs`. */
  async #release(): Promise<void> {
    const signal = timeoutSignal(this.#settings.renewDeadlineMs);
    const { namespace, name } = this.#lease;
    const clear = async (record: LeaseRecord): Promise<void> => {
      const now = new Date();
      const released = { ...record, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      this.#observe(await bound(this.#client.update(released, { signal }), signal));
      this.#logger.info('leader election: released the lease', {
        identity: this.identity,
        lease: this.#describeLease(),
      });
    };
    try {
      const cached = this.#record;
      if (cached?.holderIdentity === this.identity && !this.#refresh) {
        try {
          await clear(cached);
          return;
        } catch (error) {
          if (codeOf(error) !== 'KW_CONFLICT') throw error;
        }
      }
      const current = await bound(this.#client.get(namespace, name, { signal }), signal);
      this.#observe(current);
      if (current?.holderIdentity === this.identity) await clear(current);
    } catch (error) {
      this.#logger.warn('leader election: could not release the lease; it expires on its own', {
        error,
        lease: this.#describeLease(),
      });
    } finally {
      signal.dispose();
    }
  }

  /** Records a read or written Lease; the expiry clock restarts only when its version changes. */
  #observe(record: LeaseRecord | undefined): void {
    if (record === undefined || record.resourceVersion !== this.#record?.resourceVersion) {
      this.#observedAt = this.#clock.now();
    }
    this.#record = record;
    const holder = record?.holderIdentity || undefined;
    if (holder === this.#leader) return;
    this.#leader = holder;
    const onNewLeader = this.#options.onNewLeader;
    if (holder !== undefined && onNewLeader !== undefined) this.#call('onNewLeader', () => onNewLeader(holder));
  }

  /** The signal of one attempt: the run's, the term's (a leader's request dies with its term), and a `renewDeadlineMs` timeout. */
  #attemptSignal(runSignal: AbortSignal, termSignal: AbortSignal | undefined): DisposableSignal {
    const timeout = timeoutSignal(this.#settings.renewDeadlineMs);
    const signals = termSignal === undefined ? [runSignal, timeout] : [runSignal, termSignal, timeout];
    return Object.assign(AbortSignal.any(signals), { dispose: () => timeout.dispose() });
  }

  #leaseDurationSeconds(): number {
    return Math.ceil(this.#settings.leaseDurationMs / 1000);
  }

  #describeLease(): string {
    return `${this.#lease.namespace}/${this.#lease.name}`;
  }

  /** Runs a user callback; a throw or rejection is logged, never propagated. Resolves when it settled. */
  #call(name: string, fn: () => MaybePromise<void>): Promise<void> {
    const report = (error: unknown): void =>
      this.#logger.error(`leader election: ${name} failed`, { error: new LeaderElectionCallbackError(name, error) });
    try {
      const result = fn();
      return result instanceof Promise ? result.then(undefined, report) : Promise.resolve();
    } catch (error) {
      report(error);
      return Promise.resolve();
    }
  }
}

type DisposableSignal = AbortSignal & { dispose(): void };

/** An AbortSignal that aborts after `ms` (on the global timers, so fake timers drive it); `dispose()` clears its timer. */
function timeoutSignal(ms: number): DisposableSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), ms);
  return Object.assign(controller.signal, { dispose: () => clearTimeout(timer) });
}

/** `promise`, or a rejection as soon as `signal` aborts, even if the client ignores the signal. */
function bound<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function validate(options: LeaderElectorOptions): Settings {
  const fail = (field: string, value: unknown, message: string): never => {
    throw new LeaderElectionConfigError(field, `LeaderElector option ${field} ${message}`, value);
  };
  if (typeof options !== 'object' || options === null) fail('options', options, 'must be an object');
  const settings: Settings = { ...LEADER_ELECTION_DEFAULTS };
  const numbers = ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs', 'jitterFactor', 'healthToleranceMs'] as const;
  for (const field of numbers) {
    const value: unknown = options[field];
    if (value === undefined) continue;
    const minimum = field === 'healthToleranceMs' ? 0 : Number.MIN_VALUE;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
      const what = minimum === 0 ? 'a finite number >= 0' : 'a positive finite number';
      fail(field, value, `must be ${what}, got ${String(value)}`);
    }
    settings[field] = value as number;
  }
  if (options.releaseOnStop !== undefined) {
    if (typeof options.releaseOnStop !== 'boolean') {
      fail('releaseOnStop', options.releaseOnStop, `must be a boolean, got ${String(options.releaseOnStop)}`);
    }
    settings.releaseOnStop = options.releaseOnStop;
  }
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs, jitterFactor } = settings;
  if (jitterFactor < 1) {
    fail(
      'jitterFactor',
      jitterFactor,
      `must be at least 1 (the longest wait as a multiple of retryPeriodMs), got ${jitterFactor}`,
    );
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    fail(
      'leaseDurationMs',
      leaseDurationMs,
      `(${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs}): a leader must step down before others may consider its lease expired — raise leaseDurationMs or lower renewDeadlineMs`,
    );
  }
  if (!(renewDeadlineMs > retryPeriodMs * jitterFactor)) {
    fail(
      'renewDeadlineMs',
      renewDeadlineMs,
      `(${renewDeadlineMs}) must be greater than retryPeriodMs × jitterFactor (${retryPeriodMs} × ${jitterFactor} = ${retryPeriodMs * jitterFactor}): a leader needs room to retry a renew before it steps down — raise renewDeadlineMs or lower retryPeriodMs`,
    );
  }
  const lease: unknown = options.lease;
  if (typeof lease !== 'object' || lease === null) fail('lease', lease, 'must be { name, namespace }');
  for (const key of ['name', 'namespace'] as const) {
    const value: unknown = options.lease[key];
    if (typeof value !== 'string' || value.trim() === '') {
      fail(`lease.${key}`, value, `must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}`);
    }
  }
  if (options.identity !== undefined && (typeof options.identity !== 'string' || options.identity.trim() === '')) {
    fail(
      'identity',
      options.identity,
      `must be a non-empty string (or omitted for hostname_random), got ${JSON.stringify(options.identity)}`,
    );
  }
  const client: unknown = options.leaseClient;
  if (typeof client !== 'object' || client === null) {
    fail('leaseClient', client, 'must be a LeaseClient — use createLeaseClient({ kubeConfig })');
  }
  for (const method of ['get', 'create', 'update'] as const) {
    if (typeof options.leaseClient[method] !== 'function') {
      fail(
        `leaseClient.${method}`,
        options.leaseClient[method],
        'must be a function — use createLeaseClient({ kubeConfig })',
      );
    }
  }
  if (typeof options.onStartedLeading !== 'function') {
    fail('onStartedLeading', options.onStartedLeading, `must be a function, got ${typeof options.onStartedLeading}`);
  }
  for (const field of ['onStoppedLeading', 'onNewLeader'] as const) {
    const value: unknown = options[field];
    if (value !== undefined && typeof value !== 'function')
      fail(field, value, `must be a function, got ${typeof value}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    fail('signal', options.signal, 'must be an AbortSignal');
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    fail('clock', options.clock, 'must have a now() method returning monotonic milliseconds (e.g. performance)');
  }
  return settings;
}
