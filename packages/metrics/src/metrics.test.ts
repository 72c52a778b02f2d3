import type { WatcherRef } from '@kw/types';
import { Registry, register } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sample, scrape } from '../test/scrape';
import { type HookError, METRIC_NAMES, Metrics } from './index';

const pods: WatcherRef = { name: 'pods', group: '', version: 'v1', resource: 'pods' };
const ingresses: WatcherRef = { name: 'ingresses', group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };

function setup() {
  const registry = new Registry();
  let now = 1_000;
  const errors: HookError[] = [];
  const metrics = new Metrics({ registry, clock: { now: () => now }, onError: (e) => errors.push(e) });
  return { registry, metrics, errors, advance: (ms: number) => (now += ms) };
}

describe('Metrics: registration', () => {
  afterEach(() => register.clear());

  it('registers every metric on the registry it is given, and none on the global one', async () => {
    const { registry } = setup();
    const families = await scrape(registry);
    expect(METRIC_NAMES.filter((name) => registry.getSingleMetric(name) === undefined)).toEqual([]);
    expect(families.get('rest_client_requests_total')?.type).toBe('COUNTER');
    expect(families.get('rest_client_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(families.get('kw_watcher_synced')?.type).toBe('GAUGE');
    expect(register.getMetricsAsArray()).toEqual([]);
  });

  it("registers on prom-client's global register by default", () => {
    new Metrics();
    expect(register.getSingleMetric('leader_election_master_status')).toBeDefined();
  });

  it('refuses a registry that already holds its metrics, naming the field and the metrics', () => {
    const { registry } = setup();
    expect(() => new Metrics({ registry })).toThrowError(
      expect.objectContaining({
        code: 'KW_INVALID_CONFIG',
        field: 'registry',
        value: [...METRIC_NAMES],
        message: expect.stringContaining('registry already has rest_client_requests_total'),
      }),
    );
  });

  it('refuses a clock without now() and a registry that is not a prom-client Registry', () => {
    expect(() => new Metrics({ registry: new Registry(), clock: {} as never })).toThrowError(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field: 'clock' }),
    );
    expect(() => new Metrics({ registry: {} as never })).toThrowError(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field: 'registry' }),
    );
  });
});

describe('Metrics: client requests (client-go names and labels)', () => {
  it('counts requests by code, method and host; a transport error is code "<error>"', async () => {
    const { registry, metrics } = setup();
    const base = {
      method: 'GET',
      verb: 'list',
      resource: 'pods',
      host: '10.0.0.1:6443',
      durationSeconds: 0.02,
    } as const;
    metrics.requestDone({ ...base, code: 200, responseBytes: 300 });
    metrics.requestDone({ ...base, code: 200, responseBytes: 5000 });
    metrics.requestDone({ ...base, code: 429 });
    metrics.requestDone({ ...base, method: 'POST', verb: 'create', code: 0 });
    const s = await scrape(registry);
    expect(sample(s, 'rest_client_requests_total', { code: '200', method: 'GET', host: '10.0.0.1:6443' }).value).toBe(
      2,
    );
    expect(sample(s, 'rest_client_requests_total', { code: '429', method: 'GET' }).value).toBe(1);
    expect(sample(s, 'rest_client_requests_total', { code: '<error>', method: 'POST' }).value).toBe(1);
  });

  it('observes duration and response size by verb (the HTTP method, as client-go) and host, in client-go buckets', async () => {
    const { registry, metrics } = setup();
    const base = { method: 'GET', verb: 'get', resource: 'configmaps', host: 'api:443', code: 200 } as const;
    metrics.requestDone({ ...base, durationSeconds: 0.003, responseBytes: 100 });
    metrics.requestDone({ ...base, durationSeconds: 1.5, responseBytes: 2_000_000 });
    metrics.requestDone({ ...base, verb: 'watch', durationSeconds: 0.01 });
    const s = await scrape(registry);
    const duration = sample(s, 'rest_client_request_duration_seconds', { verb: 'GET', host: 'api:443' });
    expect(duration.count).toBe(3);
    expect(duration.sum).toBeCloseTo(1.513, 9);
    expect(duration.buckets).toMatchObject({ '0.005': 1, '0.025': 2, '1': 2, '2': 3, '60': 3, '+Inf': 3 });
    const size = sample(s, 'rest_client_response_size_bytes', { verb: 'GET', host: 'api:443' });
    expect(size.count).toBe(2); // the watch has no response size
    expect(size.buckets).toMatchObject({ '256': 1, '1048576': 1, '4194304': 2 });
  });

  it('observes rate-limiter waits in seconds by verb and host', async () => {
    const { registry, metrics } = setup();
    metrics.rateLimiterWait({ method: 'PATCH', verb: 'patch', host: 'api:443', seconds: 0.3 });
    const s = await scrape(registry);
    const wait = sample(s, 'rest_client_rate_limiter_duration_seconds', { verb: 'PATCH', host: 'api:443' });
    expect([wait.count, wait.sum, wait.buckets['0.25'], wait.buckets['0.5']]).toEqual([1, 0.3, 0, 1]);
  });
});

describe('Metrics: watchers', () => {
  it('counts events by type per watcher, and keeps counting across scrapes', async () => {
    const { registry, metrics } = setup();
    metrics.eventsApplied(pods, 'added', 3);
    metrics.eventsApplied(pods, 'modified', 2);
    metrics.eventsApplied(ingresses, 'deleted', 1);
    let s = await scrape(registry);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'pods', type: 'added' }).value).toBe(3);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'pods', type: 'modified' }).value).toBe(2);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'pods', type: 'deleted' }).value).toBe(0);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'ingresses', type: 'deleted' }).value).toBe(1);
    metrics.eventsApplied(pods, 'added', 4);
    metrics.eventsApplied(pods, 'bookmark', 1);
    s = await scrape(registry);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'pods', type: 'added' }).value).toBe(7);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'pods', type: 'bookmark' }).value).toBe(1);
  });

  it('counts lists, watches, relists, rewatches, idle timeouts, 429s and errors by code', async () => {
    const { registry, metrics } = setup();
    metrics.listStarted(pods);
    metrics.listStarted(pods);
    metrics.watchStarted(pods);
    metrics.relist(pods);
    metrics.rewatch(pods);
    metrics.rewatch(pods);
    metrics.idleTimeout(pods);
    metrics.tooManyRequests(pods);
    metrics.watcherError(pods, 'KW_GONE');
    metrics.watcherError(pods, 'KW_TOO_MANY_REQUESTS');
    metrics.watcherError(pods, 'KW_GONE');
    const s = await scrape(registry);
    const value = (name: string, labels: Record<string, string> = {}) =>
      sample(s, name, { watcher: 'pods', ...labels }).value;
    expect({
      lists: value('kw_watcher_lists_total'),
      watches: value('kw_watcher_watches_total'),
      relists: value('kw_watcher_relists_total'),
      rewatches: value('kw_watcher_rewatches_total'),
      idle: value('kw_watcher_idle_timeouts_total'),
      tooMany: value('kw_watcher_too_many_requests_total'),
      gone: value('kw_watcher_errors_total', { code: 'KW_GONE' }),
      throttled: value('kw_watcher_errors_total', { code: 'KW_TOO_MANY_REQUESTS' }),
    }).toEqual({ lists: 2, watches: 1, relists: 1, rewatches: 2, idle: 1, tooMany: 1, gone: 2, throttled: 1 });
  });

  it('shows synced, store size and the last list (duration histogram, objects)', async () => {
    const { registry, metrics } = setup();
    metrics.listStarted(pods);
    let s = await scrape(registry);
    expect(sample(s, 'kw_watcher_synced', { watcher: 'pods' }).value).toBe(0);
    metrics.listEnded(pods, 0.7, 1200);
    metrics.storeSize(pods, 1200);
    metrics.synced(pods, true);
    s = await scrape(registry);
    expect(sample(s, 'kw_watcher_synced', { watcher: 'pods' }).value).toBe(1);
    expect(sample(s, 'kw_watcher_store_objects', { watcher: 'pods' }).value).toBe(1200);
    expect(sample(s, 'kw_watcher_list_objects', { watcher: 'pods' }).value).toBe(1200);
    const list = sample(s, 'kw_watcher_list_duration_seconds', { watcher: 'pods' });
    expect([list.count, list.sum, list.buckets['0.5'], list.buckets['1']]).toEqual([1, 0.7, 0, 1]);
    metrics.synced(pods, false);
    s = await scrape(registry);
    expect(sample(s, 'kw_watcher_synced', { watcher: 'pods' }).value).toBe(0);
  });

  it('exports informer_store_resource_version as the 15 least significant digits, with name/group/version/resource', async () => {
    const { registry, metrics } = setup();
    metrics.resourceVersion(ingresses, '4711');
    let s = await scrape(registry);
    const labels = { name: 'ingresses', group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };
    expect(sample(s, 'informer_store_resource_version', labels).value).toBe(4711);
    metrics.resourceVersion(ingresses, '98765432109876543210');
    s = await scrape(registry);
    expect(sample(s, 'informer_store_resource_version', labels).value).toBe(432109876543210);
    metrics.resourceVersion(ingresses, '123456789012345678');
    s = await scrape(registry);
    expect(sample(s, 'informer_store_resource_version', labels).value).toBe(456789012345678);
  });

  it('keeps the last numeric resourceVersion when an opaque one arrives', async () => {
    const { registry, metrics } = setup();
    metrics.resourceVersion(pods, '42');
    metrics.resourceVersion(pods, 'abc-7');
    const s = await scrape(registry);
    expect(sample(s, 'informer_store_resource_version', { name: 'pods' }).value).toBe(42);
  });

  it('computes seconds since the last event or bookmark at scrape time', async () => {
    const { registry, metrics, advance } = setup();
    let s = await scrape(registry);
    expect(s.get('kw_watcher_seconds_since_last_event')?.samples).toEqual([]);
    metrics.watchStarted(pods); // a silent watch is visible from its start
    advance(4_000);
    s = await scrape(registry);
    expect(sample(s, 'kw_watcher_seconds_since_last_event', { watcher: 'pods' }).value).toBe(4);
    metrics.eventsApplied(pods, 'bookmark', 1);
    advance(1_500);
    s = await scrape(registry);
    expect(sample(s, 'kw_watcher_seconds_since_last_event', { watcher: 'pods' }).value).toBe(1.5);
    advance(2_500);
    s = await scrape(registry);
    expect(sample(s, 'kw_watcher_seconds_since_last_event', { watcher: 'pods' }).value).toBe(4);
  });

  it('treats two WatcherRef objects with the same name as one watcher', async () => {
    const { registry, metrics } = setup();
    metrics.eventsApplied({ ...pods }, 'added', 1);
    metrics.eventsApplied({ ...pods }, 'added', 1);
    const s = await scrape(registry);
    expect(s.get('kw_watcher_events_total')?.samples.filter((x) => x.labels.type === 'added')).toEqual([
      expect.objectContaining({ labels: { watcher: 'pods', type: 'added' }, value: 2 }),
    ]);
  });
});

describe('Metrics: CachedStore and leader election', () => {
  it('counts cache hits and misses, observes fetches by outcome, and shows entries and bytes per store', async () => {
    const { registry, metrics } = setup();
    metrics.cacheHit('secrets', 5);
    metrics.cacheMiss('secrets', 2);
    metrics.cacheFetch('secrets', 0.004, 'found');
    metrics.cacheFetch('secrets', 0.02, 'not-found');
    metrics.cacheSize('secrets', 40, 123_456);
    const s = await scrape(registry);
    expect(sample(s, 'kw_cached_store_hits_total', { store: 'secrets' }).value).toBe(5);
    expect(sample(s, 'kw_cached_store_misses_total', { store: 'secrets' }).value).toBe(2);
    expect(sample(s, 'kw_cached_store_fetch_duration_seconds', { store: 'secrets', outcome: 'found' }).count).toBe(1);
    expect(sample(s, 'kw_cached_store_fetch_duration_seconds', { store: 'secrets', outcome: 'not-found' }).sum).toBe(
      0.02,
    );
    expect(sample(s, 'kw_cached_store_entries', { store: 'secrets' }).value).toBe(40);
    expect(sample(s, 'kw_cached_store_bytes', { store: 'secrets' }).value).toBe(123_456);
  });

  it('flips leader_election_master_status and counts renewals by outcome', async () => {
    const { registry, metrics } = setup();
    metrics.leadershipChanged('my-controller', true);
    metrics.leaseRenew('my-controller', 'renewed');
    metrics.leaseRenew('my-controller', 'renewed');
    metrics.leaseRenew('my-controller', 'failed');
    let s = await scrape(registry);
    expect(sample(s, 'leader_election_master_status', { name: 'my-controller' }).value).toBe(1);
    expect(sample(s, 'kw_leader_election_renewals_total', { name: 'my-controller', outcome: 'renewed' }).value).toBe(2);
    expect(sample(s, 'kw_leader_election_renewals_total', { name: 'my-controller', outcome: 'failed' }).value).toBe(1);
    metrics.leadershipChanged('my-controller', false);
    s = await scrape(registry);
    expect(sample(s, 'leader_election_master_status', { name: 'my-controller' }).value).toBe(0);
  });
});

describe('Metrics: hooks never throw', () => {
  it('reports a bad argument to onError as a KW_INTERNAL HookError naming the hook, and keeps the metrics', async () => {
    const { registry, metrics, errors } = setup();
    metrics.eventsApplied(pods, 'added', 1);
    expect(() => metrics.eventsApplied(pods, 'ERROR' as never, 1)).not.toThrow();
    expect(() =>
      metrics.eventsApplied({ group: '', version: 'v1', resource: 'pods' } as never, 'added', 1),
    ).not.toThrow();
    expect(() =>
      metrics.requestDone({
        method: 'GET',
        verb: 'get',
        resource: 'pods',
        host: 'h',
        code: 200,
        durationSeconds: 'slow' as never,
      }),
    ).not.toThrow();
    expect(() => metrics.listStarted(undefined as never)).not.toThrow();
    expect(errors.map((e) => [e.code, e.hook])).toEqual([
      ['KW_INTERNAL', 'eventsApplied'],
      ['KW_INTERNAL', 'eventsApplied'],
      ['KW_INTERNAL', 'requestDone'],
      ['KW_INTERNAL', 'listStarted'],
    ]);
    expect(errors[1]?.message).toContain('has no name');
    const s = await scrape(registry);
    expect(sample(s, 'kw_watcher_events_total', { watcher: 'pods', type: 'added' }).value).toBe(1);
  });

  it('survives an onError that throws', () => {
    const metrics = new Metrics({
      registry: new Registry(),
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(() => metrics.watcherError(pods, undefined as never)).not.toThrow();
  });

  it('by default warns once per failing hook', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const metrics = new Metrics({ registry: new Registry() });
      metrics.listStarted(undefined as never);
      metrics.listStarted(undefined as never);
      metrics.rewatch(undefined as never);
      expect(warn.mock.calls.map(([m]) => String(m).split(' failed')[0])).toEqual([
        '@kw/metrics hook listStarted',
        '@kw/metrics hook rewatch',
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
