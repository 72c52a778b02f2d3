import type { Instrumentation, RateLimiterWait, RequestDone } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson, status } from '../test/fake-api-server';
import { configMaps } from '../test/fixtures';
import { type Clock, createClient, InvalidConfigError, type KubeClient } from './index';

let server: FakeApiServer;
let client: KubeClient;
let now: number;
let done: RequestDone[];
let waits: RateLimiterWait[];

/** A clock the test moves: a server handler adds to `now`, a limiter wait adds its own length. */
const clock: Clock = {
  now: () => now,
  setTimeout: (callback, ms) => {
    now += ms;
    return setTimeout(callback, 0);
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const hooks: Instrumentation = {
  requestDone: (request) => done.push(request),
  rateLimiterWait: (wait) => waits.push(wait),
};

beforeEach(async () => {
  now = 1000;
  done = [];
  waits = [];
  server = await FakeApiServer.start();
  client = createClient({ kubeConfig: server.kubeConfig(), clock, instrumentation: hooks });
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const host = (): string => new URL(server.url).host;
const list = { metadata: { resourceVersion: '7' }, items: [] };

describe('instrumentation of requests', () => {
  it('reports a list with method, verb, resource, host, status, seconds and response bytes', async () => {
    server.handle((_req, res) => {
      now += 250;
      sendJson(res, 200, list);
    });
    await client.list(configMaps, 'team-a');
    expect(done).toEqual([
      {
        method: 'GET',
        verb: 'list',
        resource: 'configmaps',
        host: host(),
        code: 200,
        durationSeconds: 0.25,
        responseBytes: JSON.stringify(list).length,
      },
    ]);
  });

  it('reports an error status as its code, and each retry of a get as its own request', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls += 1;
      if (calls === 1) sendJson(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '1' });
      else sendJson(res, 404, status(404, 'NotFound', 'configmaps "x" not found'));
    });
    await expect(client.get(configMaps, 'team-a', 'x')).rejects.toMatchObject({ code: 'KW_NOT_FOUND' });
    expect(done.map((r) => [r.method, r.verb, r.code])).toEqual([
      ['GET', 'get', 429],
      ['GET', 'get', 404],
    ]);
  });

  it('reports code 0 and no response bytes when no response arrived', async () => {
    const kubeConfig = server.kubeConfig();
    await server.stop();
    const unreachable = createClient({ kubeConfig, clock, instrumentation: hooks });
    await expect(unreachable.list(configMaps, 'team-a')).rejects.toMatchObject({ code: 'KW_NETWORK' });
    unreachable.close();
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ verb: 'list', code: 0 });
    expect(done[0]).not.toHaveProperty('responseBytes');
    server = await FakeApiServer.start();
  });

  it('reports a watch at its response headers, without response bytes', async () => {
    server.handle((_req, res) => {
      now += 40;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('');
    });
    const controller = new AbortController();
    const iterator = client.watch(configMaps, 'team-a', { signal: controller.signal })[Symbol.asyncIterator]();
    const next = iterator.next();
    while (done.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual([
      { method: 'GET', verb: 'watch', resource: 'configmaps', host: host(), code: 200, durationSeconds: 0.04 },
    ]);
    controller.abort();
    await next;
  });

  it('reports the write verbs with their HTTP methods', async () => {
    server.handle((_req, res, recorded) => sendJson(res, 200, recorded.body ? JSON.parse(recorded.body) : {}));
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', resourceVersion: '3' } };
    await client.create(configMaps, 'team-a', cm);
    await client.replace(configMaps, 'team-a', cm);
    await client.patch(configMaps, 'team-a', 'cfg', { data: { a: '1' } }, { type: 'merge' });
    await client.delete(configMaps, 'team-a', 'cfg');
    expect(done.map((r) => [r.method, r.verb, r.resource, r.code])).toEqual([
      ['POST', 'create', 'configmaps', 200],
      ['PUT', 'update', 'configmaps', 200],
      ['PATCH', 'patch', 'configmaps', 200],
      ['DELETE', 'delete', 'configmaps', 200],
    ]);
  });

  it('reports each rate-limiter wait in seconds, 0 when a token was there', async () => {
    client.close();
    client = createClient({ kubeConfig: server.kubeConfig(), clock, instrumentation: hooks, qps: 10, burst: 1 });
    server.handle((_req, res) => sendJson(res, 200, list));
    await client.list(configMaps, 'team-a');
    await client.list(configMaps, 'team-a');
    expect(waits).toEqual([
      { method: 'GET', verb: 'list', host: host(), seconds: 0 },
      { method: 'GET', verb: 'list', host: host(), seconds: 0.1 },
    ]);
  });

  it('rejects an instrumentation that is not an object, naming the field', () => {
    const bad = () => createClient({ kubeConfig: server.kubeConfig(), instrumentation: 5 as never });
    expect(bad).toThrow(InvalidConfigError);
    expect(bad).toThrow(expect.objectContaining({ field: 'instrumentation', value: 5 }));
  });
});
