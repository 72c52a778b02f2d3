import type { Clock, Instrumentation, Logger, MaybePromise } from '@kw/types';
import { InvalidConfigError } from './errors';
import type { LeaseClient } from './lease-client';

/** Default timings and behaviour of a `LeaderElector` (client-go's defaults). */
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

/** Options of a `LeaderElector`. Durations are milliseconds. */
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
  /** Lease storage: `createLeaseClient({ api: createClient() })`, or a fake in tests. */
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
  /** Default: warnings and errors to `console`. Whatever it throws is dropped. */
  logger?: Logger;
  /** Monotonic clock for every expiry, deadline and wait; default `performance`. */
  clock?: Clock;
  /**
   * Hooks told, by lease name, when this candidate starts and stops leading (`leadershipChanged`)
   * and how each renewal ends (`leaseRenew`); `new Metrics()` from `@kw/metrics` turns them into
   * `leader_election_master_status{name}`. Absent: one `undefined` check per term and renewal.
   */
  instrumentation?: Instrumentation;
}

/** The timing and behaviour settings of an elector, defaults applied. */
export type Settings = Required<
  Pick<
    LeaderElectorOptions,
    'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'jitterFactor' | 'releaseOnStop' | 'healthToleranceMs'
  >
>;

const WIRING = 'use createLeaseClient({ api: createClient() }) with createClient from @kw/client';

/** Validates `options` and applies the defaults; throws {@link InvalidConfigError} naming the field and its value. */
export function validate(options: LeaderElectorOptions): Settings {
  const fail = (field: string, value: unknown, message: string): never => {
    throw new InvalidConfigError(field, `LeaderElector option ${field} ${message}`, value);
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
    fail('leaseClient', client, `must be a LeaseClient — ${WIRING}`);
  }
  for (const method of ['get', 'create', 'update'] as const) {
    if (typeof options.leaseClient[method] !== 'function') {
      fail(`leaseClient.${method}`, options.leaseClient[method], `must be a function — ${WIRING}`);
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
  const { instrumentation } = options;
  if (instrumentation !== undefined && (instrumentation === null || typeof instrumentation !== 'object')) {
    fail(
      'instrumentation',
      instrumentation,
      'must be an object implementing Instrumentation (e.g. new Metrics() from @kw/metrics)',
    );
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    fail('clock', options.clock, 'must have a now() method returning monotonic milliseconds (e.g. performance)');
  }
  return settings;
}
