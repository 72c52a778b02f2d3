import { hostname } from 'node:os';
import type { Clock, KubeClient, Logger, MaybePromise, ShardField, ShardRange } from '@kw/types';
import { InvalidConfigError } from './errors';

/** Defaults of a {@link ShardRingOptions}. Durations are milliseconds. */
export const SHARD_RING_DEFAULTS = Object.freeze({
  /** How long others keep counting a member after they last saw its Lease change. */
  leaseDurationMs: 15_000,
  /** Time between renewing this member's Lease and re-reading the ring. */
  retryPeriodMs: 2_000,
  /** The object field hashed into the ring's ranges. */
  field: 'uid' as ShardField,
  /** The label every Lease of a ring carries, its value being the ring's name. */
  labelKey: 'kw.dev/shard-ring',
});

/**
 * The Lease operations a ring needs, on `coordination.k8s.io/v1` `leases`: `createClient()` from
 * `@kw/client` fits, or an in-memory fake in tests. `replace` must fail with `KW_CONFLICT` on a
 * stale `resourceVersion`.
 */
export type ShardRingClient = Pick<KubeClient, 'list' | 'get' | 'create' | 'replace' | 'delete'>;

/** Called when this member's range changes: its new range (`undefined`: it owns nothing), and the member list it came from. */
export type RangeChangeCallback = (range: ShardRange | undefined, members: readonly string[]) => MaybePromise<void>;

/** Options of a {@link ShardRing}. */
export interface ShardRingOptions {
  /** The ring's name: the label value of its Leases and their name prefix. A DNS label (`[a-z0-9-]`, ≤ 63). */
  name: string;
  /** Namespace of the ring's Leases. */
  namespace: string;
  /** Lease operations, e.g. `createClient()` from `@kw/client`. */
  client: ShardRingClient;
  /** This member's identity, unique in the ring; default hostname + `-` + a random suffix. Its Lease is `<name>-<identity>`. */
  identity?: string;
  /** Field hashed into ranges: `'uid'` (default) or `'namespace'`. */
  field?: ShardField;
  /** Default 15000. Must be more than twice `retryPeriodMs`; written to the Lease rounded up to whole seconds. */
  leaseDurationMs?: number;
  /** Default 2000. */
  retryPeriodMs?: number;
  /** Called, never concurrently with itself and in order, whenever `current()` changes. Not awaited by the ring's loop. */
  onChange?: RangeChangeCallback;
  /** Aborting it is `stop()`. */
  signal?: AbortSignal;
  /** Default: warnings and errors to `console`. */
  logger?: Logger;
  /** Monotonic clock for every expiry decision; default `performance`. */
  clock?: Clock;
}

/** Validated options with defaults applied. */
export interface ShardRingSettings {
  name: string;
  namespace: string;
  identity: string;
  leaseName: string;
  field: ShardField;
  leaseDurationMs: number;
  retryPeriodMs: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A default identity: the host name made DNS-safe, plus a random suffix so replicas on one host differ. */
function defaultIdentity(): string {
  const host = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${host || 'replica'}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Validates `options` and applies {@link SHARD_RING_DEFAULTS}; throws {@link InvalidConfigError}. */
export function validate(options: ShardRingOptions): ShardRingSettings {
  const fail = (field: string, value: unknown, message: string): never => {
    throw new InvalidConfigError(field, message, value);
  };
  if (typeof options !== 'object' || options === null) fail('options', options, 'must be an object');
  const { name, namespace } = options;
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
    fail('name', name, `must be a DNS label (lowercase letters, digits, '-', at most 63), got ${JSON.stringify(name)}`);
  }
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace)) {
    fail('namespace', namespace, `must be a namespace name, got ${JSON.stringify(namespace)}`);
  }
  const identity = options.identity ?? defaultIdentity();
  const leaseName = `${name}-${identity}`;
  if (typeof identity !== 'string' || leaseName.length > 253 || !DNS_SUBDOMAIN.test(leaseName)) {
    fail(
      'identity',
      identity,
      `must make "<name>-<identity>" a valid Lease name (lowercase letters, digits, '-', '.'), got ${JSON.stringify(identity)}`,
    );
  }
  const field = options.field ?? SHARD_RING_DEFAULTS.field;
  if (field !== 'uid' && field !== 'namespace') {
    fail('field', field, `must be 'uid' or 'namespace', got ${JSON.stringify(field)}`);
  }
  const durations: { leaseDurationMs: number; retryPeriodMs: number } = {
    leaseDurationMs: SHARD_RING_DEFAULTS.leaseDurationMs,
    retryPeriodMs: SHARD_RING_DEFAULTS.retryPeriodMs,
  };
  for (const key of ['leaseDurationMs', 'retryPeriodMs'] as const) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      fail(key, value, `must be a positive finite number of milliseconds, got ${String(value)}`);
    }
    durations[key] = value as number;
  }
  if (!(durations.leaseDurationMs > 2 * durations.retryPeriodMs)) {
    fail(
      'leaseDurationMs',
      durations.leaseDurationMs,
      `(${durations.leaseDurationMs}) must be more than twice retryPeriodMs (${durations.retryPeriodMs}), so a live member renews at least twice per lease — raise leaseDurationMs or lower retryPeriodMs`,
    );
  }
  const client: unknown = options.client;
  if (typeof client !== 'object' || client === null) {
    fail('client', client, 'must be a Lease client — use createClient() from @kw/client');
  }
  for (const method of ['list', 'get', 'create', 'replace', 'delete'] as const) {
    if (typeof options.client[method] !== 'function') {
      fail(`client.${method}`, options.client[method], 'must be a function — use createClient() from @kw/client');
    }
  }
  if (options.onChange !== undefined && typeof options.onChange !== 'function') {
    fail('onChange', options.onChange, `must be a function, got ${typeof options.onChange}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    fail('signal', options.signal, 'must be an AbortSignal');
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    fail('clock', options.clock, 'must have a now() method returning monotonic milliseconds (e.g. performance)');
  }
  return { name, namespace, identity, leaseName, field, ...durations };
}
