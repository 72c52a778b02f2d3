import { until } from '@kw/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson } from '../test/fake-api-server';
import { configMaps, coreDiscovery, ManualClock } from '../test/fixtures';
import { CLIENT_DEFAULTS, createClient, InvalidConfigError, type KubeClient } from './index';

let server: FakeApiServer;
const clients: KubeClient[] = [];
const open = (options: Parameters<typeof createClient>[0] = {}) => {
  const client = createClient({ kubeConfig: server.kubeConfig(), ...options });
  clients.push(client);
  return client;
};

beforeEach(async () => {
  server = await FakeApiServer.start();
  server.handle((_req, res, r) => sendJson(res, 200, { metadata: { name: r.path.split('/').pop() } }));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.stop();
});

describe('client defaults', () => {
  it('are QPS 50 and burst 100: 100 requests go at once, the next ones 20 ms apart', async () => {
    expect(CLIENT_DEFAULTS).toMatchObject({
      qps: 50,
      burst: 100,
      requestTimeoutMs: 30_000,
      retryAfter: { maxRetries: 3 },
    });
    const clock = new ManualClock();
    const client = open({ clock });
    const gets = Array.from({ length: 102 }, (_, i) => client.get(configMaps, 'team-a', `cm-${i}`));
    await until(() => server.requests.length === 100 && clock.pending.length === 2);
    expect(clock.pending).toEqual([20, 40]);
    clock.advance(20);
    await until(() => server.requests.length === 101);
    clock.advance(20);
    await Promise.all(gets);
    expect(server.requests).toHaveLength(102);
  });

  it('sends a custom userAgent on every request, and kw/<version> (node <version>) by default', async () => {
    await open({ userAgent: 'my-controller/2.1' }).get(configMaps, 'team-a', 'a');
    await open().get(configMaps, 'team-a', 'b');
    expect(server.requests.map((r) => r.headers['user-agent'])).toEqual([
      'my-controller/2.1',
      CLIENT_DEFAULTS.userAgent,
    ]);
    expect(CLIENT_DEFAULTS.userAgent).toMatch(/^kw\/\d+\.\d+\.\d+ \(node v\d+/);
  });
});

describe('resolve()', () => {
  it('re-reads a cached group-version on a miss, so a resource served later resolves', async () => {
    let served = coreDiscovery.resources.filter((r) => r.name !== 'nodes');
    server.handle((_req, res) => sendJson(res, 200, { ...coreDiscovery, resources: served }));
    const client = open();
    await client.resolve({ group: '', version: 'v1', resource: 'configmaps' });
    await client.resolve({ group: '', version: 'v1', resource: 'configmaps' }); // a hit: no request
    served = coreDiscovery.resources;
    expect(await client.resolve({ group: '', version: 'v1', resource: 'nodes' })).toMatchObject({
      resource: 'nodes',
      namespaced: false,
    });
    expect(server.requests.map((r) => r.path)).toEqual(['/api/v1', '/api/v1']);
  });
});

describe('option validation', () => {
  it.each([
    [{ qps: 0 }, 'qps', 0],
    [{ burst: 0.5 }, 'burst', 0.5],
    [{ requestTimeoutMs: -5 }, 'requestTimeoutMs', -5],
    [{ retryAfter: { maxRetries: 1.5 } }, 'retryAfter.maxRetries', 1.5],
  ])('rejects %o with InvalidConfigError naming field %s and value %s', (options, field, value) => {
    let error: unknown;
    try {
      open(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error).toMatchObject({ code: 'KW_INVALID_CONFIG', field, value });
    expect((error as Error).message).toContain(`${field} ${value}`);
  });

  it('names the namespace field when one is given for a cluster-scoped resource', async () => {
    const client = open();
    const error = await client
      .get({ ...configMaps, resource: 'nodes', namespaced: false }, 'team-a', 'n1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KW_INVALID_CONFIG', field: 'namespace', value: 'team-a' });
  });
});
