import { until } from '@kw/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson, status } from '../test/fake-api-server';
import { collect, configMaps, coreDiscovery, ManualClock } from '../test/fixtures';

import { AbortedError, createClient, type KubeClient, NotFoundError, ServerError, TooManyRequestsError } from './index';

let server: FakeApiServer;
let client: KubeClient;

beforeEach(async () => {
  server = await FakeApiServer.start();
  client = createClient({ kubeConfig: server.kubeConfig() });
});

afterEach(async () => {
  client.close();
  await server.stop();
});

describe('retry on Retry-After', () => {
  let clock: ManualClock;
  let retrying: KubeClient;
  const throttled = status(429, 'TooManyRequests', 'Too many requests, please try again later.');

  beforeEach(() => {
    clock = new ManualClock();
    retrying = createClient({ kubeConfig: server.kubeConfig(), clock });
  });

  afterEach(() => retrying.close());

  /** Answers the listed responses in turn, then 200 with `ok`. */
  function respond(responses: [number, Record<string, string>][], ok: unknown = { metadata: { name: 'cfg' } }) {
    let i = 0;
    server.handle((_req, res) => {
      const next = responses[i++];
      if (next) sendJson(res, next[0], status(next[0], 'Failure', 'try later'), next[1]);
      else sendJson(res, 200, ok);
    });
  }

  /** Settles `promise`, advancing the clock to each retry deadline as it appears; returns the waits (ms). */
  async function drive<T>(promise: Promise<T>): Promise<{ result: T | unknown; waits: number[] }> {
    let settled = false;
    const result = promise.then(
      (value) => value,
      (error: unknown) => error,
    );
    void result.then(() => {
      settled = true;
    });
    const waits: number[] = [];
    for (;;) {
      await until(() => settled || clock.pending.length > 0);
      if (settled) return { result: await result, waits };
      const wait = (clock.pending[0] ?? 0) - clock.now();
      waits.push(wait);
      clock.advance(wait);
    }
  }

  it('retries a throttled get no earlier than Retry-After, even when the timer fires early', async () => {
    respond([[429, { 'Retry-After': '4' }]]);
    const getting = retrying.get(configMaps, 'team-a', 'cfg');
    await until(() => clock.pending.length === 1);
    expect(clock.pending).toEqual([4000]);
    clock.advance(3999);
    expect(clock.pending).toEqual([4000]);
    clock.fireEarly();
    expect(clock.pending).toEqual([4000]); // re-armed for the last millisecond, no request sent
    expect(server.requests).toHaveLength(1);
    clock.advance(1);
    expect(await getting).toEqual({ metadata: { name: 'cfg' } });
    expect(server.requests).toHaveLength(2);
    expect(clock.pending).toEqual([]);
  });

  it('retries a 5xx that carries Retry-After and a 429 without one after 1 s', async () => {
    respond([
      [503, { 'Retry-After': '2' }],
      [429, {}],
    ]);
    const { result, waits } = await drive(retrying.get(configMaps, 'team-a', 'cfg'));
    expect(result).toEqual({ metadata: { name: 'cfg' } });
    expect(waits).toEqual([2000, 1000]);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries and rejects with the last typed error', async () => {
    const twice = createClient({ kubeConfig: server.kubeConfig(), clock, retryAfter: { maxRetries: 2 } });
    respond([
      [429, { 'Retry-After': '1' }],
      [429, { 'Retry-After': '3' }],
      [503, { 'Retry-After': '5' }],
    ]);
    const { result, waits } = await drive(twice.get(configMaps, 'team-a', 'cfg'));
    expect(result).toBeInstanceOf(ServerError);
    expect(result).toMatchObject({ status: 503, verb: 'get', retryAfterSeconds: 5 });
    expect(waits).toEqual([1000, 3000]);
    expect(server.requests).toHaveLength(3);
    expect(clock.pending).toEqual([]);
    twice.close();
  });

  it('does not retry with maxRetries 0, nor errors that carry no Retry-After', async () => {
    const never = createClient({ kubeConfig: server.kubeConfig(), clock, retryAfter: { maxRetries: 0 } });
    respond([[429, { 'Retry-After': '4' }]]);
    const error = await never.get(configMaps, 'team-a', 'cfg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 4 });
    never.close();
    respond([
      [503, {}],
      [500, {}],
    ]);
    await expect(retrying.get(configMaps, 'team-a', 'cfg')).rejects.toBeInstanceOf(ServerError);
    respond([[404, {}]]);
    await expect(retrying.get(configMaps, 'team-a', 'cfg')).rejects.toBeInstanceOf(NotFoundError);
    expect(server.requests).toHaveLength(3);
    expect(clock.pending).toEqual([]);
  });

  it('rejects promptly with AbortedError when aborted or closed during the wait, leaving no timer', async () => {
    respond([
      [429, { 'Retry-After': '60' }],
      [429, { 'Retry-After': '60' }],
    ]);
    const controller = new AbortController();
    const getting = retrying.get(configMaps, 'team-a', 'cfg', { signal: controller.signal });
    await until(() => clock.pending.length === 1);
    controller.abort();
    const error = await getting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as Error).message).toContain(
      'get configmaps "cfg" in namespace "team-a" was aborted while waiting 60s',
    );
    expect(clock.pending).toEqual([]);

    const closing = retrying.get(configMaps, 'team-a', 'cfg');
    await until(() => clock.pending.length === 1);
    retrying.close();
    await expect(closing).rejects.toBeInstanceOf(AbortedError);
    expect(clock.pending).toEqual([]);
    expect(server.requests).toHaveLength(2);
  });

  it('retries throttled discovery reads of resolve and resolveName', async () => {
    const seen = new Set<string>();
    server.handle((_req, res, r) => {
      if (!seen.has(r.path)) {
        seen.add(r.path);
        return sendJson(res, 429, throttled, { 'Retry-After': '2' });
      }
      if (r.path === '/api/v1') return sendJson(res, 200, coreDiscovery);
      if (r.path === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'] });
      if (r.path === '/apis') return sendJson(res, 200, { kind: 'APIGroupList', groups: [] });
      sendJson(res, 404, status(404, 'NotFound', 'not found'));
    });
    const resolved = await drive(retrying.resolve({ group: '', version: 'v1', resource: 'configmaps' }));
    expect(resolved).toEqual({ result: configMaps, waits: [2000] });
    expect(server.requests.map((r) => r.path)).toEqual(['/api/v1', '/api/v1']);
    const fresh = createClient({ kubeConfig: server.kubeConfig(), clock });
    const resolving = fresh.resolveName('cm');
    await until(() => clock.pending.length === 2); // both 429s answered: drive them as one wait
    const byName = await drive(resolving);
    expect(byName).toEqual({ result: configMaps, waits: [2000] }); // /api and /apis waited together
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/api',
      '/api',
      '/api/v1',
      '/api/v1',
      '/api/v1',
      '/apis',
      '/apis',
    ]);
    fresh.close();
  });

  it('never retries list or watch: the 429 reaches the caller (the watcher owns that policy)', async () => {
    server.handle((_req, res) => sendJson(res, 429, throttled, { 'Retry-After': '4' }));
    const errors = await Promise.all([
      retrying.list(configMaps, 'team-a').catch((e: unknown) => e),
      collect(retrying.watch(configMaps, 'team-a', { resourceVersion: '1' })).catch((e: unknown) => e),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TooManyRequestsError);
      expect(error).toMatchObject({ code: 'KW_TOO_MANY_REQUESTS', status: 429, retryAfterSeconds: 4 });
    }
    expect((errors as TooManyRequestsError[]).map((e) => e.verb).sort()).toEqual(['list', 'watch']);
    expect(server.requests).toHaveLength(2);
    expect(clock.pending).toEqual([]);
  });

  it('rejects a maxRetries that is not an integer ≥ 0', () => {
    for (const maxRetries of [-1, 1.5, Number.NaN]) {
      expect(() => createClient({ kubeConfig: server.kubeConfig(), retryAfter: { maxRetries } })).toThrow(
        /retryAfter.maxRetries .* must be an integer ≥ 0/,
      );
    }
  });
});
