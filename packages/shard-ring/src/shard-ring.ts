import type { Clock, KubeObject, Logger, ResolvedResource, ShardRange } from '@kw/types';
import { CallbackError } from './errors';
import { sleep } from './internal/abort';
import {
  type RangeChangeCallback,
  SHARD_RING_DEFAULTS,
  type ShardRingClient,
  type ShardRingOptions,
  type ShardRingSettings,
  validate,
} from './options';
import { rangeOf } from './ring-assignment';

/** `coordination.k8s.io/v1` Leases, so the ring needs no discovery. */
export const LEASES: ResolvedResource = Object.freeze({
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
  verbs: Object.freeze(['create', 'delete', 'get', 'list', 'update', 'watch']),
});

/** The fields of a Lease a ring reads and writes. */
export interface RingLease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

/** What this process knows of another member's Lease: its version, and when (clock) that version was first seen. */
interface Sighting {
  resourceVersion: string;
  observedAt: number;
  holder: string;
  durationMs: number;
}

const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

/**
 * Shard membership on Leases: each member holds its own Lease `<name>-<identity>`, labelled
 * `kw.dev/shard-ring=<name>`, renewed every `retryPeriodMs` with compare-and-swap writes. The live
 * members are the ring's Leases whose version this process saw change less than their duration
 * ago (never judged from `renewTime`); sorted by identity, they split the hash space into equal
 * contiguous ranges. `onChange` reports this member's range whenever it changes; `stop()` deletes
 * the Lease so the others widen within one retry period.
 */
export class ShardRing {
  /** This member's identity (the Lease's `holderIdentity`). */
  readonly identity: string;
  /** This member's Lease name, `<name>-<identity>`. */
  readonly leaseName: string;
  readonly #settings: ShardRingSettings;
  readonly #client: ShardRingClient;
  readonly #options: ShardRingOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #run: { controller: AbortController; done: Promise<void> } | undefined;
  #stopping: Promise<void> | undefined;
  /** This member's Lease as last read or written. */
  #own: RingLease | undefined;
  /** Clock time at which the last successful renew was sent. */
  #renewedAt: number | undefined;
  readonly #seen = new Map<string, Sighting>();
  #members: readonly string[] = [];
  #range: ShardRange | undefined;
  #callbacks: Promise<void> = Promise.resolve();

  constructor(options: ShardRingOptions) {
    this.#settings = validate(options);
    this.#options = options;
    this.identity = this.#settings.identity;
    this.leaseName = this.#settings.leaseName;
    this.#client = options.client;
    this.#logger = options.logger ?? defaultLogger;
    this.#clock = options.clock ?? performance;
  }

  /** This member's range now, or `undefined` when it owns nothing (not started, stopped, or its Lease could not be renewed within its duration). */
  current(): ShardRange | undefined {
    return this.#range;
  }

  /** The live member identities, sorted, as of the last read of the ring (this member included while its Lease is live). */
  members(): readonly string[] {
    return this.#members;
  }

  /** Joins the ring in the background. A no-op while running or when `signal` is already aborted; may be called again after `stop()` resolved. */
  start(): void {
    if (this.#run !== undefined || this.#options.signal?.aborted) return;
    const controller = new AbortController();
    const run = { controller, done: Promise.resolve() };
    this.#run = run;
    const onAbort = (): void => {
      this.stop().catch((error: unknown) => this.#logger.error('shard ring: stop failed', { error }));
    };
    this.#options.signal?.addEventListener('abort', onAbort, { once: true });
    run.done = this.#loop(controller.signal).finally(() => this.#options.signal?.removeEventListener('abort', onAbort));
  }

  /**
   * Leaves the ring: stops renewing, deletes this member's Lease (bounded by `leaseDurationMs`; if
   * that fails the Lease expires on its own), reports `onChange(undefined, [])`, and resolves once
   * no request, timer or callback is left.
   */
  stop(): Promise<void> {
    const run = this.#run;
    if (run === undefined) return Promise.resolve();
    this.#stopping ??= (async () => {
      run.controller.abort();
      await run.done;
      await this.#release();
      this.#own = undefined;
      this.#renewedAt = undefined;
      this.#seen.clear();
      this.#publish([]);
      await this.#callbacks;
      this.#run = undefined;
      this.#stopping = undefined;
    })();
    return this.#stopping;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#renew(signal);
      await this.#observe(signal);
      if (signal.aborted) return;
      this.#publish(this.#liveMembers());
      await sleep(this.#settings.retryPeriodMs, signal, this.#clock);
    }
  }

  /** Creates or renews this member's Lease (compare-and-swap on its resourceVersion); one re-read on a conflict. */
  async #renew(runSignal: AbortSignal): Promise<void> {
    const { namespace, leaseName } = this.#settings;
    const signal = requestSignal(runSignal, this.#settings.leaseDurationMs);
    try {
      for (let attempt = 0; attempt < 2 && !runSignal.aborted; attempt++) {
        const sentAt = this.#clock.now();
        try {
          this.#own =
            this.#own === undefined
              ? await this.#client.create(LEASES, namespace, this.#lease(undefined), { signal })
              : await this.#client.replace(LEASES, namespace, this.#lease(this.#own), { signal });
          this.#renewedAt = sentAt;
          return;
        } catch (error) {
          const code = codeOf(error);
          if (runSignal.aborted) return;
          if (code === 'KW_NOT_FOUND') {
            this.#own = undefined; // deleted under us (e.g. collected while this process stalled): create it again
          } else if (code === 'KW_CONFLICT') {
            // Someone else wrote it (or it exists from a previous run): read its version and write again.
            this.#own = await this.#client
              .get<RingLease>(LEASES, namespace, leaseName, { signal })
              .catch((e: unknown) => {
                if (codeOf(e) === 'KW_NOT_FOUND') return undefined;
                throw e;
              });
          } else {
            throw error;
          }
        }
      }
    } catch (error) {
      if (!runSignal.aborted)
        this.#logger.warn('shard ring: could not renew the lease', { error, lease: this.#describe() });
    } finally {
      signal.dispose();
    }
  }

  /** This member's Lease as it should be written now, based on `current` (its version is the compare-and-swap). */
  #lease(current: RingLease | undefined): RingLease {
    const { name, namespace, leaseName, leaseDurationMs } = this.#settings;
    const now = microTime(new Date());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...current?.metadata,
        name: leaseName,
        namespace,
        labels: { ...current?.metadata?.labels, [SHARD_RING_DEFAULTS.labelKey]: name },
      },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: current?.spec?.holderIdentity === this.identity ? (current.spec.acquireTime ?? now) : now,
        renewTime: now,
      },
    };
  }

  /** Lists the ring's Leases and records when each version was first seen; collects Leases expired for two durations. */
  async #observe(runSignal: AbortSignal): Promise<void> {
    const { name, namespace, leaseName } = this.#settings;
    const signal = requestSignal(runSignal, this.#settings.leaseDurationMs);
    try {
      const leases: RingLease[] = [];
      let token: string | undefined;
      do {
        const page = await this.#client.list<RingLease>(LEASES, namespace, {
          labelSelector: `${SHARD_RING_DEFAULTS.labelKey}=${name}`,
          signal,
          ...(token === undefined ? {} : { continue: token }),
        });
        leases.push(...page.items);
        token = page.continue;
      } while (token !== undefined && token !== '');
      const now = this.#clock.now();
      const present = new Set<string>();
      for (const lease of leases) {
        const key = lease.metadata?.name ?? '';
        if (key === leaseName || key === '') continue;
        present.add(key);
        const version = lease.metadata?.resourceVersion ?? '';
        const seconds = lease.spec?.leaseDurationSeconds ?? 0;
        const sighting: Sighting = {
          resourceVersion: version,
          observedAt: now,
          holder: lease.spec?.holderIdentity ?? '',
          durationMs: seconds > 0 ? seconds * 1000 : this.#settings.leaseDurationMs,
        };
        const previous = this.#seen.get(key);
        if (previous !== undefined && previous.resourceVersion === version) sighting.observedAt = previous.observedAt;
        this.#seen.set(key, sighting);
        if (now - sighting.observedAt > 2 * sighting.durationMs) await this.#collect(key, version, signal);
      }
      for (const key of this.#seen.keys()) if (!present.has(key)) this.#seen.delete(key);
    } catch (error) {
      if (!runSignal.aborted)
        this.#logger.warn('shard ring: could not list the ring', { error, ring: name, namespace });
    } finally {
      signal.dispose();
    }
  }

  /** Deletes a long-expired Lease of a member that died without releasing, if it is still at `version`. */
  async #collect(key: string, version: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#client.delete(LEASES, this.#settings.namespace, key, {
        preconditions: { resourceVersion: version },
        signal,
      });
      this.#seen.delete(key);
      this.#logger.info('shard ring: deleted an expired lease', { lease: `${this.#settings.namespace}/${key}` });
    } catch (error) {
      this.#logger.debug('shard ring: could not delete an expired lease', { error, lease: key });
    }
  }

  /** The live identities, sorted: others whose Lease changed within its duration, and this member if it renewed within its own. */
  #liveMembers(): string[] {
    const now = this.#clock.now();
    const live = new Set<string>();
    for (const sighting of this.#seen.values()) {
      if (sighting.holder !== '' && now - sighting.observedAt < sighting.durationMs) live.add(sighting.holder);
    }
    if (this.#renewedAt !== undefined && now - this.#renewedAt < this.#settings.leaseDurationMs)
      live.add(this.identity);
    else live.delete(this.identity);
    return [...live].sort();
  }

  /** Records the member list and, when this member's range changed, queues `onChange`. */
  #publish(members: string[]): void {
    this.#members = members;
    const range = rangeOf(this.identity, members, this.#settings.field);
    if (sameRange(range, this.#range)) return;
    this.#range = range;
    this.#logger.info('shard ring: range changed', { identity: this.identity, range, members: members.length });
    const callback = this.#options.onChange;
    if (callback !== undefined) this.#callbacks = this.#callbacks.then(() => this.#call(callback, range, members));
  }

  async #call(callback: RangeChangeCallback, range: ShardRange | undefined, members: readonly string[]): Promise<void> {
    try {
      await callback(range, members);
    } catch (error) {
      this.#logger.error('shard ring: onChange failed', { error: new CallbackError('onChange', error) });
    }
  }

  /** Deletes this member's Lease if it is still the version this member wrote (a re-read on a conflict). */
  async #release(): Promise<void> {
    const own = this.#own;
    if (own === undefined) return;
    const { namespace, leaseName } = this.#settings;
    const signal = requestSignal(new AbortController().signal, this.#settings.leaseDurationMs);
    const remove = (version: string | undefined): Promise<unknown> =>
      this.#client.delete(LEASES, namespace, leaseName, {
        signal,
        ...(version === undefined ? {} : { preconditions: { resourceVersion: version } }),
      });
    try {
      try {
        await remove(own.metadata?.resourceVersion);
      } catch (error) {
        if (codeOf(error) !== 'KW_CONFLICT') throw error;
        const current = await this.#client.get<RingLease>(LEASES, namespace, leaseName, { signal });
        if (current.spec?.holderIdentity === this.identity) await remove(current.metadata?.resourceVersion);
      }
      this.#logger.info('shard ring: released the lease', { lease: this.#describe() });
    } catch (error) {
      if (codeOf(error) === 'KW_NOT_FOUND') return;
      this.#logger.warn('shard ring: could not release the lease; it expires on its own', {
        error,
        lease: this.#describe(),
      });
    } finally {
      signal.dispose();
    }
  }

  #describe(): string {
    return `${this.#settings.namespace}/${this.#settings.leaseName}`;
  }
}

function sameRange(a: ShardRange | undefined, b: ShardRange | undefined): boolean {
  return a?.start === b?.start && a?.end === b?.end && a?.field === b?.field;
}

/** A Lease `MicroTime`: RFC 3339 with six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

type DisposableSignal = AbortSignal & { dispose(): void };

/** The run's signal plus a timeout on the global timers (so fake timers drive it); `dispose()` clears the timer. */
function requestSignal(runSignal: AbortSignal, ms: number): DisposableSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), ms);
  return Object.assign(AbortSignal.any([runSignal, controller.signal]), { dispose: () => clearTimeout(timer) });
}
