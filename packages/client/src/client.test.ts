import { until } from '@kw/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson, status } from '../test/fake-api-server';
import { configMaps, coreDiscovery, leaseDiscovery, leases, nodes } from '../test/fixtures';

import {
  AbortedError,
  ACCEPT_JSON,
  ACCEPT_METADATA,
  ACCEPT_METADATA_LIST,
  type Clock,
  createClient,
  DecodeError,
  ForbiddenError,
  GoneError,
  InvalidConfigError,
  type KubeClient,
  listAll,
  NetworkError,
  NotFoundError,
  TimeoutError,
  UnknownResourceError,
} from './index';

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

describe('createClient', () => {
  it('takes the namespace and identity from the kubeconfig context', () => {
    expect(client.defaultNamespace).toBe('team-a');
    expect(client.identity).toBe('tester');
    expect(createClient({ kubeConfig: server.kubeConfig({ username: 'jane', password: 'x' }) }).identity).toBe('jane');
  });

  it('reads the service account from a JWT bearer token for the identity', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:ops:kw' })).toString('base64url');
    const kc = server.kubeConfig({ token: `eyJhbGciOiJSUzI1NiJ9.${payload}.sig` });
    expect(createClient({ kubeConfig: kc }).identity).toBe('system:serviceaccount:ops:kw');
  });

  it('rejects an unknown context naming the known ones', () => {
    expect(() => createClient({ kubeConfig: server.kubeConfig(), context: 'prod' })).toThrow(
      /context "prod" is not in the kubeconfig — known contexts: fake/,
    );
  });

  it('rejects conflicting sources and bad limits', () => {
    expect(() => createClient({ kubeConfig: server.kubeConfig(), kubeconfigPath: '/x' })).toThrow(InvalidConfigError);
    expect(() => createClient({ kubeConfig: server.kubeConfig(), qps: 0 })).toThrow(/qps 0/);
    expect(() => createClient({ kubeConfig: server.kubeConfig(), requestTimeoutMs: -5 })).toThrow(
      /requestTimeoutMs -5/,
    );
  });
});

describe('resolve', () => {
  beforeEach(() => {
    server.handle((_req, res, r) => {
      if (r.path === '/api/v1') return sendJson(res, 200, coreDiscovery);
      if (r.path === '/apis/coordination.k8s.io/v1') return sendJson(res, 200, leaseDiscovery);
      if (r.path === '/apis') {
        return sendJson(res, 200, { kind: 'APIGroupList', groups: [{ name: 'apps', versions: [{ version: 'v1' }] }] });
      }
      sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    });
  });

  it('resolves a core resource through /api/v1 with auth and user agent headers', async () => {
    const resolved = await client.resolve({ group: '', version: 'v1', resource: 'configmaps' });
    expect(resolved).toEqual(configMaps);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.path).toBe('/api/v1');
    expect(request?.headers.authorization).toBe('Bearer test-token');
    expect(request?.headers.accept).toBe(ACCEPT_JSON);
    expect(request?.headers['user-agent']).toMatch(/^kw\/\d+\.\d+\.\d+ \(node v\d+/);
  });

  it('resolves a group resource through /apis/<group>/<version> and caches the group-version', async () => {
    const gvr = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
    expect(await client.resolve(gvr)).toMatchObject({
      kind: 'Lease',
      namespaced: true,
      verbs: ['get', 'list', 'watch', 'update'],
    });
    await client.resolve(gvr);
    expect(server.requests.map((r) => r.path)).toEqual(['/apis/coordination.k8s.io/v1']);
  });

  it('rejects an unknown resource with UnknownResourceError suggesting the close match', async () => {
    const error = await client.resolve({ group: '', version: 'v1', resource: 'configmap' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect((error as UnknownResourceError).code).toBe('KW_UNKNOWN_RESOURCE');
    expect((error as Error).message).toContain('did you mean "configmaps"?');
    expect((error as Error).message).toContain('served: configmaps, nodes, pods');
    await expect(client.resolve({ group: '', version: 'v1', resource: 'pods/log' })).rejects.toThrow(
      UnknownResourceError,
    );
  });

  it('rejects an unserved group-version naming the versions the group serves', async () => {
    const error = await client
      .resolve({ group: 'apps', version: 'v2', resource: 'deployments' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect((error as Error).message).toContain('group "apps" serves: v1');
    expect((error as Error).cause).toBeInstanceOf(NotFoundError);
    await expect(client.resolve({ group: 'example.com', version: 'v1', resource: 'widgets' })).rejects.toThrow(
      /no API group "example.com"/,
    );
  });
});

describe('list', () => {
  it('requests one page of a namespaced resource with every query option', async () => {
    const body = {
      kind: 'ConfigMapList',
      metadata: { resourceVersion: '42', continue: 'tok2', remainingItemCount: 3 },
      items: [{ metadata: { name: 'a' } }],
    };
    server.handle((_req, res) => sendJson(res, 200, body));
    const page = await client.list(configMaps, 'team a', {
      limit: 1,
      continue: 'tok1',
      labelSelector: 'app=x,tier in (a,b)',
      fieldSelector: 'metadata.name=a',
      resourceVersion: '0',
      resourceVersionMatch: 'NotOlderThan',
    });
    expect(page).toEqual({
      items: [{ metadata: { name: 'a' } }],
      resourceVersion: '42',
      continue: 'tok2',
      remainingItemCount: 3,
      bytes: Buffer.byteLength(JSON.stringify(body)),
    });
    const [request] = server.requests;
    expect(request?.path).toBe('/api/v1/namespaces/team%20a/configmaps');
    expect(request?.query).toEqual({
      limit: '1',
      continue: 'tok1',
      labelSelector: 'app=x,tier in (a,b)',
      fieldSelector: 'metadata.name=a',
      resourceVersion: '0',
      resourceVersionMatch: 'NotOlderThan',
    });
    expect(request?.headers.accept).toBe(ACCEPT_JSON);
  });

  it('sends shardSelector and returns the selector the server echoed in metadata.shardInfo', async () => {
    const selector = "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')";
    server.handle((_req, res) =>
      sendJson(res, 200, { metadata: { resourceVersion: '7', shardInfo: { selector } }, items: [] }),
    );
    const page = await client.list(configMaps, undefined, { limit: 1, shardSelector: selector });
    expect(page).toMatchObject({ items: [], resourceVersion: '7', shardInfo: { selector } });
    expect(server.requests[0]?.query).toEqual({ limit: '1', shardSelector: selector });
  });

  it('leaves shardInfo out when the server ignored shardSelector', async () => {
    server.handle((_req, res) => sendJson(res, 200, { metadata: { resourceVersion: '7' }, items: [] }));
    const page = await client.list(configMaps, undefined, {
      shardSelector: "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')",
    });
    expect(page.shardInfo).toBeUndefined();
  });

  it('parses a LIST body that arrives in many chunks, item by item', async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      metadata: { name: `cm-${i}` },
      data: { v: 'x'.repeat(i) },
    }));
    const text = JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '9' }, items });
    server.handle(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < text.length; i += 997) {
        res.write(text.slice(i, i + 997));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const page = await client.list(configMaps, 'default');
    expect(page.items).toEqual(items);
    expect(page.bytes).toBe(Buffer.byteLength(text));
  });

  it('rejects a malformed LIST body with DecodeError holding its start, and frees the connection', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"kind":"ConfigMapList","items":[{"a":1},7]}');
    });
    const error = await client.list(configMaps, 'default').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).value).toBe('{"kind":"ConfigMapList","items":[{"a":1},7]}');
    expect((error as DecodeError).message).toMatch(/list configmaps.*not JSON/);
    expect(((error as DecodeError).cause as Error).message).toBe('items[1] of the LIST body is not an object');
  });

  it('lists all namespaces, cluster-scoped and group resources at their paths', async () => {
    server.handle((_req, res) => sendJson(res, 200, { metadata: { resourceVersion: '1' }, items: null }));
    expect(await client.list(configMaps, undefined)).toEqual({
      items: [],
      resourceVersion: '1',
      bytes: '{"metadata":{"resourceVersion":"1"},"items":null}'.length,
    });
    await client.list(nodes, undefined);
    await client.list(leases, 'kube-system');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/api/v1/configmaps',
      '/api/v1/nodes',
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
    ]);
  });

  it('rejects a namespace for a cluster-scoped resource without a request', async () => {
    await expect(client.list(nodes, 'team-a')).rejects.toThrow(/nodes is cluster-scoped/);
    expect(server.requests).toHaveLength(0);
  });

  it('asks for PartialObjectMetadataList when metadataOnly', async () => {
    server.handle((_req, res) => sendJson(res, 200, { metadata: { resourceVersion: '1' }, items: [] }));
    await client.list(configMaps, 'team-a', { metadataOnly: true });
    expect(server.requests[0]?.headers.accept).toBe(ACCEPT_METADATA_LIST);
  });

  it('surfaces a 410 for an expired continue token as GoneError', async () => {
    server.handle((_req, res) =>
      sendJson(
        res,
        410,
        status(410, 'Expired', 'The provided continue parameter is too old', { metadata: { continue: 'fresh' } }),
      ),
    );
    const error = await client.list(configMaps, 'team-a', { continue: 'old' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect(error).toMatchObject({ status: 410, verb: 'list', resource: 'configmaps', namespace: 'team-a' });
    expect((error as GoneError).apiStatus?.reason).toBe('Expired');
  });

  it('names identity, verb, resource and namespace in a ForbiddenError', async () => {
    server.handle((_req, res) =>
      sendJson(
        res,
        403,
        status(403, 'Forbidden', 'configmaps is forbidden: User "tester" cannot list resource "configmaps"'),
      ),
    );
    const error = await client.list(configMaps, 'team-a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as Error).message).toContain(
      '"tester" may not list configmaps in namespace "team-a" (403): configmaps is forbidden',
    );
  });

  it('fails with TimeoutError (status 0) when the response does not complete within requestTimeoutMs', async () => {
    const slow = createClient({ kubeConfig: server.kubeConfig(), requestTimeoutMs: 50 });
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":[');
    });
    const error = await slow.list(configMaps, 'team-a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ status: 0, code: 'KW_TIMEOUT' });
    slow.close();
    await server.socketsClosed();
  });

  it('rejects with AbortedError when its signal aborts mid-request', async () => {
    server.handle(() => {});
    const controller = new AbortController();
    const listing = client.list(configMaps, 'team-a', { signal: controller.signal });
    await until(() => server.requests.length === 1);
    controller.abort();
    await expect(listing).rejects.toBeInstanceOf(AbortedError);
    await server.socketsClosed();
  });

  it('fails with NetworkError (status 0, with cause) when the server is unreachable', async () => {
    const kc = server.kubeConfig();
    await server.stop();
    const unreachable = createClient({ kubeConfig: kc });
    const error = await unreachable.list(configMaps, 'team-a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'KW_NETWORK', status: 0 });
    expect(((error as NetworkError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    server = await FakeApiServer.start();
  });

  it('waits for the rate limiter, watch starts included, and gives up when aborted', async () => {
    const timers: number[] = [];
    const frozen: Clock = { now: () => 0, setTimeout: (_cb, ms) => timers.push(ms), clearTimeout: () => {} };
    const limited = createClient({ kubeConfig: server.kubeConfig(), qps: 1, burst: 2, clock: frozen });
    server.handle((_req, res) => sendJson(res, 200, { metadata: { resourceVersion: '1' }, items: [] }));
    await limited.list(configMaps, 'team-a');
    await limited.list(configMaps, 'team-a');
    const controller = new AbortController();
    const iterator = limited.watch(configMaps, 'team-a', { signal: controller.signal })[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await Promise.resolve();
    expect(timers).toEqual([1000]);
    expect(server.requests).toHaveLength(2);
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    limited.close();
  });
});

describe('listAll', () => {
  it('follows continue tokens and drops resourceVersion after the first page', async () => {
    server.handle((_req, res, r) => {
      const next = r.query.continue === undefined ? 'p2' : r.query.continue === 'p2' ? 'p3' : undefined;
      sendJson(res, 200, { metadata: { resourceVersion: '9', ...(next ? { continue: next } : {}) }, items: [{}] });
    });
    const pages = [];
    for await (const page of listAll(client, configMaps, 'team-a', { limit: 1, resourceVersion: '0' }))
      pages.push(page);
    expect(pages).toHaveLength(3);
    expect(server.requests.map((r) => r.query)).toEqual([
      { limit: '1', resourceVersion: '0' },
      { limit: '1', continue: 'p2' },
      { limit: '1', continue: 'p3' },
    ]);
  });
});

describe('get', () => {
  it('gets one object by name, metadata-only on request', async () => {
    server.handle((_req, res) => sendJson(res, 200, { metadata: { name: 'cfg' } }));
    expect(await client.get(configMaps, 'team-a', 'cfg')).toEqual({ metadata: { name: 'cfg' } });
    await client.get(nodes, undefined, 'node-1', { metadataOnly: true });
    expect(server.requests.map((r) => [r.path, r.headers.accept])).toEqual([
      ['/api/v1/namespaces/team-a/configmaps/cfg', ACCEPT_JSON],
      ['/api/v1/nodes/node-1', ACCEPT_METADATA],
    ]);
  });

  it('rejects a missing object with NotFoundError naming it', async () => {
    server.handle((_req, res) => sendJson(res, 404, status(404, 'NotFound', 'configmaps "cfg" not found')));
    const error = await client.get(configMaps, 'team-a', 'cfg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(
      'get configmaps "cfg" in namespace "team-a": ConfigMap "team-a/cfg" does not exist (404)',
    );
  });

  it('reuses one keep-alive connection and leaves no socket open after close()', async () => {
    server.handle((_req, res) => sendJson(res, 200, { metadata: { name: 'cfg' } }));
    for (let i = 0; i < 5; i++) await client.get(configMaps, 'team-a', 'cfg');
    expect(server.openSockets).toBe(1);
    client.close();
    await server.socketsClosed();
    expect(server.openSockets).toBe(0);
    await expect(client.get(configMaps, 'team-a', 'cfg')).rejects.toBeInstanceOf(AbortedError);
  });
});
