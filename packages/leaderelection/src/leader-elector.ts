import { hostname } from 'node:os';
import type { Clock, Instrumentation, Logger, MaybePromise } from '@kw/types';
import { CallbackError, LeadershipLostError } from './errors';
import { abortable, sleep } from './internal/abort';
import { safeLogger } from './internal/safe-logger';
import type { LeaseClient, LeaseRecord } from './lease-client';
import { CONSOLE_LOGGER } from './logger';
import { type LeaderElectorOptions, type Settings, validate } from './options';
import { type DisposableSignal, timeoutSignal } from './timeout-signal';

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
  readonly #hooks: Instrumentation | undefined;
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
    this.#logger = safeLogger(options.logger ?? CONSOLE_LOGGER);
    this.#clock = options.clock ?? performance;
    this.#hooks = options.instrumentation;
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
      await sleep(wait, signal, this.#clock);
    }
  }

  async #tryAcquire(runSignal: AbortSignal): Promise<void> {
    const signal = this.#attemptSignal(runSignal, undefined);
    try {
      const current = await abortable(this.#client.get(this.#lease.namespace, this.#lease.name, { signal }), signal);
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
          ? await abortable(this.#client.create({ ...fields, leaseTransitions: 0 }, { signal }), signal)
          : await abortable(
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
        base = await abortable(this.#client.get(this.#lease.namespace, this.#lease.name, { signal }), signal);
        this.#observe(base);
        if (base?.holderIdentity !== this.identity) {
          const holder = base === undefined ? 'the lease was deleted' : `the lease is held by "${base.holderIdentity}"`;
          this.#hooks?.leaseRenew?.(this.#lease.name, 'failed');
          this.#stepDown(term, `${holder}`);
          return;
        }
      }
      const written = await abortable(
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
      this.#hooks?.leaseRenew?.(this.#lease.name, 'renewed');
    } catch (error) {
      if (runSignal.aborted || this.#term !== term) return;
      this.#hooks?.leaseRenew?.(this.#lease.name, 'failed');
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
    this.#hooks?.leadershipChanged?.(this.#lease.name, true);
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
    this.#hooks?.leadershipChanged?.(this.#lease.name, false);
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
      this.#observe(await abortable(this.#client.update(released, { signal }), signal));
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
      const current = await abortable(this.#client.get(namespace, name, { signal }), signal);
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
      this.#logger.error(`leader election: ${name} failed`, { error: new CallbackError(name, error) });
    try {
      const result = fn();
      return result instanceof Promise ? result.then(undefined, report) : Promise.resolve();
    } catch (error) {
      report(error);
      return Promise.resolve();
    }
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
