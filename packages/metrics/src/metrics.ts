import type {
  AppliedEventType,
  FetchOutcome,
  Instrumentation,
  KwErrorCode,
  RateLimiterWait,
  RenewOutcome,
  RequestDone,
  WatcherRef,
} from '@kw/types';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { HookError, InvalidConfigError } from './errors';
import { METRICS_BUCKETS, type MetricsOptions, type MetricsSettings, metricsSettings } from './options';
import { resourceVersionValue } from './resource-version';

/** What one watcher reported since the last scrape (counts) and its current state (gauges). */
interface WatcherSeries {
  readonly labels: readonly [name: string, group: string, version: string, resource: string];
  readonly events: Record<AppliedEventType, number>;
  lists: number;
  watches: number;
  relists: number;
  rewatches: number;
  idleTimeouts: number;
  tooManyRequests: number;
  readonly errors: Map<KwErrorCode, number>;
  synced: number;
  objects: number | undefined;
  listObjects: number | undefined;
  resourceVersion: number | undefined;
  /** Clock ms of the last event or bookmark (or of the first watch, until one arrives). */
  lastActivityAt: number | undefined;
}

/** What one store reported since the last scrape (counts) and its current size. */
interface StoreSeries {
  hits: number;
  misses: number;
  entries: number | undefined;
  bytes: number | undefined;
}

const EVENT_TYPES: readonly AppliedEventType[] = ['added', 'modified', 'deleted', 'bookmark'];

/** Every metric name `Metrics` registers, in README order. */
export const METRIC_NAMES = Object.freeze([
  'rest_client_requests_total',
  'rest_client_request_duration_seconds',
  'rest_client_rate_limiter_duration_seconds',
  'rest_client_response_size_bytes',
  'leader_election_master_status',
  'informer_store_resource_version',
  'kw_watcher_synced',
  'kw_watcher_store_objects',
  'kw_watcher_events_total',
  'kw_watcher_lists_total',
  'kw_watcher_list_duration_seconds',
  'kw_watcher_list_objects',
  'kw_watcher_watches_total',
  'kw_watcher_relists_total',
  'kw_watcher_rewatches_total',
  'kw_watcher_idle_timeouts_total',
  'kw_watcher_too_many_requests_total',
  'kw_watcher_errors_total',
  'kw_watcher_seconds_since_last_event',
  'kw_cached_store_hits_total',
  'kw_cached_store_misses_total',
  'kw_cached_store_fetch_duration_seconds',
  'kw_cached_store_entries',
  'kw_cached_store_bytes',
  'kw_leader_election_renewals_total',
] as const);

/**
 * kw's {@link Instrumentation} on prom-client: pass it to the client, watchers, stores and
 * leader elector (their `instrumentation` option), and serve `registry.metrics()` on `/metrics`.
 * Names and labels are client-go's where one exists (`rest_client_*`,
 * `leader_election_master_status`, `informer_store_resource_version`); the rest are `kw_*` with a
 * `watcher` (or `store`) label. See the README for every metric.
 *
 * Hooks never throw (failures go to `onError`). Per-event hooks only add to plain numbers; the
 * counters and gauges are brought up to date when the registry is scraped (`collect`).
 */
export class Metrics implements Instrumentation {
  readonly #settings: MetricsSettings;
  /** Series by the `WatcherRef` object a watcher passes (identity), then by name. */
  readonly #byRef = new WeakMap<WatcherRef, WatcherSeries>();
  readonly #watchers = new Map<string, WatcherSeries>();
  readonly #stores = new Map<string, StoreSeries>();

  readonly #requests: Counter<'code' | 'method' | 'host'>;
  readonly #requestSeconds: Histogram<'verb' | 'host'>;
  readonly #rateLimiterSeconds: Histogram<'verb' | 'host'>;
  readonly #responseBytes: Histogram<'verb' | 'host'>;
  readonly #leader: Gauge<'name'>;
  readonly #listSeconds: Histogram<'watcher'>;
  readonly #fetchSeconds: Histogram<'store' | 'outcome'>;
  readonly #renewals: Counter<'name' | 'outcome'>;

  constructor(options: MetricsOptions = {}) {
    const settings = metricsSettings(options);
    this.#settings = settings;
    const registry = settings.registry;
    const taken = METRIC_NAMES.filter((name) => registry.getSingleMetric(name) !== undefined);
    if (taken.length > 0) {
      throw new InvalidConfigError(
        'registry',
        taken,
        `registry already has ${taken.join(', ')} — create one Metrics per registry and share it, or pass a new Registry()`,
      );
    }
    const registers = [registry];
    const seriesOf = () => this.#watchers.values();
    const storesOf = () => this.#stores.entries();
    // prom-client calls `collect` with the metric as `this` when the registry is scraped.
    const guard = <M>(hook: string, collect: (metric: M) => void) =>
      function (this: M) {
        try {
          collect(this);
        } catch (error) {
          report(`collect ${hook}`, error);
        }
      };
    const report = (hook: string, error: unknown) => this.#report(hook, error);

    this.#requests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host (code "<error>": no response).',
      labelNames: ['code', 'method', 'host'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'Request latency in seconds. Broken down by verb (HTTP method), and host.',
      labelNames: ['verb', 'host'],
      buckets: [...METRICS_BUCKETS.requestSeconds],
      registers,
    });
    this.#rateLimiterSeconds = new Histogram({
      name: 'rest_client_rate_limiter_duration_seconds',
      help: 'Client side rate limiter latency in seconds. Broken down by verb (HTTP method), and host.',
      labelNames: ['verb', 'host'],
      buckets: [...METRICS_BUCKETS.requestSeconds],
      registers,
    });
    this.#responseBytes = new Histogram({
      name: 'rest_client_response_size_bytes',
      help: 'Response size in bytes. Broken down by verb (HTTP method) and host.',
      labelNames: ['verb', 'host'],
      buckets: [...METRICS_BUCKETS.responseBytes],
      registers,
    });
    this.#leader = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
      labelNames: ['name'],
      registers,
    });
    new Gauge({
      name: 'informer_store_resource_version',
      help: 'The 15 least significant digits of the resource version of the store.',
      labelNames: ['name', 'group', 'version', 'resource'],
      registers,
      collect: guard('informer_store_resource_version', (gauge: Gauge) => {
        for (const s of seriesOf())
          if (s.resourceVersion !== undefined) gauge.labels(...s.labels).set(s.resourceVersion);
      }),
    });

    const watcherGauge = (name: string, help: string, value: (s: WatcherSeries) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['watcher'],
        registers,
        collect: guard(name, (gauge: Gauge) => {
          for (const s of seriesOf()) {
            const v = value(s);
            if (v !== undefined) gauge.labels(s.labels[0]).set(v);
          }
        }),
      });
    const watcherCounter = (name: string, help: string, take: (s: WatcherSeries) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['watcher'],
        registers,
        collect: guard(name, (counter: Counter) => {
          for (const s of seriesOf()) counter.labels(s.labels[0]).inc(take(s));
        }),
      });

    watcherGauge(
      'kw_watcher_synced',
      'Whether the watcher is synced: its initial list is in the store (1) or not (0).',
      (s) => s.synced,
    );
    watcherGauge('kw_watcher_store_objects', "Objects in the watcher's store.", (s) => s.objects);
    new Counter({
      name: 'kw_watcher_events_total',
      help: 'Watch events applied to the store, by type (bookmark: received).',
      labelNames: ['watcher', 'type'],
      registers,
      collect: guard('kw_watcher_events_total', (counter: Counter) => {
        for (const s of seriesOf()) {
          for (const type of EVENT_TYPES) {
            counter.labels(s.labels[0], type).inc(s.events[type]);
            s.events[type] = 0;
          }
        }
      }),
    });
    const take =
      (key: 'lists' | 'watches' | 'relists' | 'rewatches' | 'idleTimeouts' | 'tooManyRequests') =>
      (s: WatcherSeries) => {
        const n = s[key];
        s[key] = 0;
        return n;
      };
    watcherCounter('kw_watcher_lists_total', 'LISTs started (initial lists and relists).', take('lists'));
    this.#listSeconds = new Histogram({
      name: 'kw_watcher_list_duration_seconds',
      help: 'Duration of completed LISTs, from the first request to the last object in the store, seconds.',
      labelNames: ['watcher'],
      buckets: [...METRICS_BUCKETS.listSeconds],
      registers,
    });
    watcherGauge('kw_watcher_list_objects', 'Objects the last completed LIST returned.', (s) => s.listObjects);
    watcherCounter('kw_watcher_watches_total', 'WATCH requests answered by the server.', take('watches'));
    watcherCounter('kw_watcher_relists_total', 'Relists (410 Gone, or a resync the store asked for).', take('relists'));
    watcherCounter(
      'kw_watcher_rewatches_total',
      'Watches resumed from the last resourceVersion (cut, timeout, idle).',
      take('rewatches'),
    );
    watcherCounter(
      'kw_watcher_idle_timeouts_total',
      'Watches the watchdog closed because nothing arrived for the idle bound.',
      take('idleTimeouts'),
    );
    watcherCounter(
      'kw_watcher_too_many_requests_total',
      'Lists and watches answered 429 Too Many Requests.',
      take('tooManyRequests'),
    );
    new Counter({
      name: 'kw_watcher_errors_total',
      help: 'Failed lists and watches, by kw error code (KW_GONE, KW_FORBIDDEN, ...).',
      labelNames: ['watcher', 'code'],
      registers,
      collect: guard('kw_watcher_errors_total', (counter: Counter) => {
        for (const s of seriesOf()) {
          for (const [code, n] of s.errors) counter.labels(s.labels[0], code).inc(n);
          s.errors.clear();
        }
      }),
    });
    const clock = settings.clock;
    watcherGauge(
      'kw_watcher_seconds_since_last_event',
      'Seconds since the last watch event or bookmark (since the first watch until one arrives), at scrape time.',
      (s) => (s.lastActivityAt === undefined ? undefined : Math.max(0, (clock.now() - s.lastActivityAt) / 1000)),
    );

    const storeCounter = (name: string, help: string, key: 'hits' | 'misses') =>
      new Counter({
        name,
        help,
        labelNames: ['store'],
        registers,
        collect: guard(name, (counter: Counter) => {
          for (const [store, s] of storesOf()) {
            counter.labels(store).inc(s[key]);
            s[key] = 0;
          }
        }),
      });
    const storeGauge = (name: string, help: string, key: 'entries' | 'bytes') =>
      new Gauge({
        name,
        help,
        labelNames: ['store'],
        registers,
        collect: guard(name, (gauge: Gauge) => {
          for (const [store, s] of storesOf()) {
            const v = s[key];
            if (v !== undefined) gauge.labels(store).set(v);
          }
        }),
      });
    storeCounter('kw_cached_store_hits_total', 'Bodies a read found in the cache.', 'hits');
    storeCounter(
      'kw_cached_store_misses_total',
      'Bodies a read did not find in the cache (each is fetched).',
      'misses',
    );
    this.#fetchSeconds = new Histogram({
      name: 'kw_cached_store_fetch_duration_seconds',
      help: 'Duration of one body fetch, seconds, by outcome (found, not-found, error).',
      labelNames: ['store', 'outcome'],
      buckets: [...METRICS_BUCKETS.fetchSeconds],
      registers,
    });
    storeGauge('kw_cached_store_entries', 'Bodies in the cache.', 'entries');
    storeGauge('kw_cached_store_bytes', 'Approximate bytes of the bodies in the cache.', 'bytes');
    this.#renewals = new Counter({
      name: 'kw_leader_election_renewals_total',
      help: 'Lease renewals by the leader, by outcome (renewed, failed).',
      labelNames: ['name', 'outcome'],
      registers,
    });
  }

  /** The registry the metrics are registered on (serve `await registry.metrics()` with `registry.contentType`). */
  get registry(): Registry {
    return this.#settings.registry;
  }

  requestDone(request: RequestDone): void {
    try {
      const { method, host, code } = request;
      this.#requests.labels(code === 0 ? '<error>' : String(code), method, host).inc();
      this.#requestSeconds.labels(method, host).observe(request.durationSeconds);
      if (request.responseBytes !== undefined) this.#responseBytes.labels(method, host).observe(request.responseBytes);
    } catch (error) {
      this.#report('requestDone', error);
    }
  }

  rateLimiterWait(wait: RateLimiterWait): void {
    try {
      this.#rateLimiterSeconds.labels(wait.method, wait.host).observe(wait.seconds);
    } catch (error) {
      this.#report('rateLimiterWait', error);
    }
  }

  listStarted(watcher: WatcherRef): void {
    const s = this.#series(watcher, 'listStarted');
    if (s) s.lists++;
  }

  listEnded(watcher: WatcherRef, seconds: number, objects: number): void {
    const s = this.#series(watcher, 'listEnded');
    if (!s) return;
    s.listObjects = objects;
    try {
      this.#listSeconds.labels(s.labels[0]).observe(seconds);
    } catch (error) {
      this.#report('listEnded', error);
    }
  }

  watchStarted(watcher: WatcherRef): void {
    const s = this.#series(watcher, 'watchStarted');
    if (!s) return;
    s.watches++;
    if (s.lastActivityAt === undefined) s.lastActivityAt = this.#settings.clock.now();
  }

  /** Not exported as a metric (the watch count and `seconds_since_last_event` cover it); part of the contract for tracers. */
  watchEnded(): void {}

  relist(watcher: WatcherRef): void {
    const s = this.#series(watcher, 'relist');
    if (s) s.relists++;
  }

  rewatch(watcher: WatcherRef): void {
    const s = this.#series(watcher, 'rewatch');
    if (s) s.rewatches++;
  }

  idleTimeout(watcher: WatcherRef): void {
    const s = this.#series(watcher, 'idleTimeout');
    if (s) s.idleTimeouts++;
  }

  tooManyRequests(watcher: WatcherRef): void {
    const s = this.#series(watcher, 'tooManyRequests');
    if (s) s.tooManyRequests++;
  }

  watcherError(watcher: WatcherRef, code: KwErrorCode): void {
    const s = this.#series(watcher, 'watcherError');
    if (!s) return;
    if (typeof code !== 'string' || code.length === 0) {
      this.#report('watcherError', new TypeError(`code ${String(code)} is not a KwErrorCode`));
      return;
    }
    s.errors.set(code, (s.errors.get(code) ?? 0) + 1);
  }

  eventsApplied(watcher: WatcherRef, type: AppliedEventType, count: number): void {
    const s = this.#series(watcher, 'eventsApplied');
    if (!s) return;
    const before = s.events[type];
    if (before === undefined || !(count >= 0)) {
      this.#report(
        'eventsApplied',
        new TypeError(
          `type ${String(type)} / count ${String(count)}: expected added|modified|deleted|bookmark and a count ≥ 0`,
        ),
      );
      return;
    }
    s.events[type] = before + count;
    s.lastActivityAt = this.#settings.clock.now();
  }

  storeSize(watcher: WatcherRef, objects: number): void {
    const s = this.#series(watcher, 'storeSize');
    if (s) s.objects = objects;
  }

  resourceVersion(watcher: WatcherRef, resourceVersion: string): void {
    const s = this.#series(watcher, 'resourceVersion');
    if (!s) return;
    const value = typeof resourceVersion === 'string' ? resourceVersionValue(resourceVersion) : undefined;
    if (value !== undefined) s.resourceVersion = value;
  }

  synced(watcher: WatcherRef, synced: boolean): void {
    const s = this.#series(watcher, 'synced');
    if (s) s.synced = synced ? 1 : 0;
  }

  cacheHit(store: string, count: number): void {
    const s = this.#store(store);
    if (count >= 0) s.hits += count;
  }

  cacheMiss(store: string, count: number): void {
    const s = this.#store(store);
    if (count >= 0) s.misses += count;
  }

  cacheFetch(store: string, seconds: number, outcome: FetchOutcome): void {
    try {
      this.#fetchSeconds.labels(String(store), outcome).observe(seconds);
    } catch (error) {
      this.#report('cacheFetch', error);
    }
  }

  cacheSize(store: string, entries: number, bytes: number): void {
    const s = this.#store(store);
    s.entries = entries;
    s.bytes = bytes;
  }

  leadershipChanged(name: string, isLeader: boolean): void {
    try {
      this.#leader.labels(name).set(isLeader ? 1 : 0);
    } catch (error) {
      this.#report('leadershipChanged', error);
    }
  }

  leaseRenew(name: string, outcome: RenewOutcome): void {
    try {
      this.#renewals.labels(name, outcome).inc();
    } catch (error) {
      this.#report('leaseRenew', error);
    }
  }

  /** The series of `ref`, created on first use; `undefined` (reported) when `ref` has no name. */
  #series(ref: WatcherRef, hook: string): WatcherSeries | undefined {
    const known = this.#byRef.get(ref);
    if (known) return known;
    if (typeof ref?.name !== 'string' || ref.name === '') {
      this.#report(hook, new TypeError(`watcher ${JSON.stringify(ref)} has no name`));
      return undefined;
    }
    let s = this.#watchers.get(ref.name);
    if (!s) {
      s = {
        labels: [ref.name, String(ref.group ?? ''), String(ref.version ?? ''), String(ref.resource ?? '')],
        events: { added: 0, modified: 0, deleted: 0, bookmark: 0 },
        lists: 0,
        watches: 0,
        relists: 0,
        rewatches: 0,
        idleTimeouts: 0,
        tooManyRequests: 0,
        errors: new Map(),
        synced: 0,
        objects: undefined,
        listObjects: undefined,
        resourceVersion: undefined,
        lastActivityAt: undefined,
      };
      this.#watchers.set(ref.name, s);
    }
    this.#byRef.set(ref, s);
    return s;
  }

  #store(name: string): StoreSeries {
    const key = String(name);
    let s = this.#stores.get(key);
    if (!s) {
      s = { hits: 0, misses: 0, entries: undefined, bytes: undefined };
      this.#stores.set(key, s);
    }
    return s;
  }

  #report(hook: string, error: unknown): void {
    try {
      this.#settings.onError(new HookError(hook, error));
    } catch {
      // onError itself failed: nothing left to tell; a hook never throws.
    }
  }
}
