import type { ServerResponse } from 'node:http';
import type { KubeObject, ResolvedResource, WatchEvent } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson, status, watchLine } from '../test/fake-api-server';
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
  ServerError,
  TimeoutError,
  TooManyRequestsError,
  UnknownResourceError,
} from './index';

const configMaps: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['get', 'list', 'watch'],
};
const leases: ResolvedResource = { ...configMaps, group: 'coordination.k8s.io', resource: 'leases', kind: 'Lease' };
const nodes: ResolvedResource = { ...configMaps, resource: 'nodes', kind: 'Node', namespaced: false };

const coreDiscovery = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    {
      name: 'configmaps',
      singularName: 'configmap',
      namespaced: true,
      kind: 'ConfigMap',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['cm'],
    },
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'watch'] },
  ],
};
const leaseDiscovery = {
  kind: 'APIResourceList',
  groupVersion: 'coordination.k8s.io/v1',
  resources: [
    {
      name: 'leases',
      singularName: 'lease',
      namespaced: true,
      kind: 'Lease',
      verbs: ['get', 'list', 'watch', 'update'],
    },
  ],
};

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

/** Collects every batch of a watch. */
async function collect<T extends WatchEvent>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

/** A clock whose time moves only on `advance`; `fireEarly` runs pending timers without moving it. */
class ManualClock implements Clock {
  #now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): number {
    const handle = this.#next++;
    this.#timers.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** When the pending timers are due, in creation order. */
  get pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at);
  }

  /** Moves time forward by `ms` and runs the timers then due. */
  advance(ms: number): void {
    this.#now += ms;
    for (const [handle, timer] of [...this.#timers]) {
      if (timer.at > this.#now) continue;
      this.#timers.delete(handle);
      timer.callback();
    }
  }

  /** Runs every pending timer now, as a timer firing early would. */
  fireEarly(): void {
    for (const [handle, timer] of [...this.#timers]) {
      this.#timers.delete(handle);
      timer.callback();
    }
  }
}

/** Waits (in real time, on I/O) until `predicate` holds. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 1));
}

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
    server.handle((_req, res) =>
      sendJson(res, 200, {
        kind: 'ConfigMapList',
        metadata: { resourceVersion: '42', continue: 'tok2', remainingItemCount: 3 },
        items: [{ metadata: { name: 'a' } }],
      }),
    );
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

  it('lists all namespaces, cluster-scoped and group resources at their paths', async () => {
    server.handle((_req, res) => sendJson(res, 200, { metadata: { resourceVersion: '1' }, items: null }));
    expect(await client.list(configMaps, undefined)).toEqual({ items: [], resourceVersion: '1' });
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

describe('watch', () => {
  let stream: ServerResponse | undefined;

  beforeEach(() => {
    stream = undefined;
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      stream = res;
    });
  });

  const cm = (name: string, rv: string) => ({ kind: 'ConfigMap', metadata: { name, resourceVersion: rv } });

  it('sends the watch query and yields the decoded events in order until the server ends', async () => {
    const iterator = client
      .watch(configMaps, 'team-a', {
        resourceVersion: '10',
        resourceVersionMatch: 'NotOlderThan',
        allowWatchBookmarks: true,
        timeoutSeconds: 30,
        sendInitialEvents: true,
        labelSelector: 'app=x',
        fieldSelector: 'metadata.name=a',
      })
      [Symbol.asyncIterator]();
    const first = iterator.next();
    await until(() => stream !== undefined);
    stream?.write(watchLine('ADDED', cm('a', '11')) + watchLine('MODIFIED', cm('a', '12')));
    expect((await first).value?.map((e: WatchEvent) => e.type)).toEqual(['ADDED', 'MODIFIED']);
    const second = iterator.next();
    stream?.write(watchLine('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '13' } }));
    expect((await second).value).toEqual([
      { type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: '13' } } },
    ]);
    stream?.end(watchLine('DELETED', cm('a', '14')));
    expect((await iterator.next()).value?.map((e: WatchEvent) => e.type)).toEqual(['DELETED']);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    const [request] = server.requests;
    expect(request?.path).toBe('/api/v1/namespaces/team-a/configmaps');
    expect(request?.query).toEqual({
      watch: '1',
      resourceVersion: '10',
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '30',
      sendInitialEvents: 'true',
      labelSelector: 'app=x',
      fieldSelector: 'metadata.name=a',
    });
    expect(request?.headers.accept).toBe(ACCEPT_JSON);
    await server.socketsClosed();
  });

  it('asks for PartialObjectMetadata when metadataOnly and watches group resources cluster-wide', async () => {
    const iterator = client.watch(leases, undefined, { metadataOnly: true })[Symbol.asyncIterator]();
    const next = iterator.next();
    await until(() => stream !== undefined);
    stream?.end();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(server.requests[0]?.path).toBe('/apis/coordination.k8s.io/v1/leases');
    expect(server.requests[0]?.headers.accept).toBe(ACCEPT_METADATA);
  });

  it('throws an ERROR event as a typed GoneError (verb watch, status from the Status) after the events before it', async () => {
    const iterator = client.watch(configMaps, 'team-a')[Symbol.asyncIterator]();
    const first = iterator.next();
    await until(() => stream !== undefined);
    stream?.end(
      watchLine('ADDED', cm('a', '11')) +
        watchLine('ERROR', status(410, 'Expired', 'too old resource version: 1 (50)')) +
        watchLine('ADDED', cm('b', '12')),
    );
    expect((await first).value?.map((e: WatchEvent) => e.object.metadata?.name)).toEqual(['a']);
    const error = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect(error).toMatchObject({
      code: 'KW_GONE',
      verb: 'watch',
      status: 410,
      resource: 'configmaps',
      namespace: 'team-a',
      apiStatus: { reason: 'Expired' },
    });
    expect((error as Error).message).toContain('too old resource version: 1 (50)');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await server.socketsClosed();
  });

  it('throws an ERROR event with retryAfterSeconds from its details, never yielding it', async () => {
    const batches = collect(client.watch(configMaps, 'team-a'));
    await until(() => stream !== undefined);
    stream?.write(
      watchLine('ERROR', status(429, 'TooManyRequests', 'slow down', { details: { retryAfterSeconds: 7 } })),
    );
    const error = await batches.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error).toMatchObject({ code: 'KW_TOO_MANY_REQUESTS', verb: 'watch', status: 429, retryAfterSeconds: 7 });
  });

  it('throws the typed error for a non-2xx watch start, without opening anything', async () => {
    server.handle((_req, res) => sendJson(res, 410, status(410, 'Expired', 'too old resource version')));
    const error = await collect(client.watch(configMaps, 'team-a', { resourceVersion: '1' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect(error).toMatchObject({ verb: 'watch', status: 410 });
  });

  it('throws DecodeError for a malformed line and closes the connection', async () => {
    const batches: unknown[] = [];
    const consuming = (async () => {
      for await (const batch of client.watch(configMaps, 'team-a')) batches.push(batch);
    })();
    await until(() => stream !== undefined);
    stream?.write(`${watchLine('ADDED', cm('a', '1'))}{"type":"ADDED",\n`);
    await expect(consuming).rejects.toBeInstanceOf(DecodeError);
    expect(batches).toEqual([]);
    await server.socketsClosed();
  });

  it('throws NetworkError when the connection drops mid-stream', async () => {
    const consuming = collect(client.watch(configMaps, 'team-a'));
    await until(() => stream !== undefined);
    stream?.write(watchLine('ADDED', cm('a', '1')).slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 5));
    stream?.socket?.destroy();
    const error = await consuming.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'KW_NETWORK', status: 0, verb: 'watch' });
  });

  it('ends without error and closes the socket when the signal aborts', async () => {
    const controller = new AbortController();
    const batches: WatchEvent[][] = [];
    const consuming = (async () => {
      for await (const batch of client.watch(configMaps, 'team-a', { signal: controller.signal })) {
        batches.push(batch);
        controller.abort();
      }
    })();
    await until(() => stream !== undefined);
    stream?.write(watchLine('ADDED', cm('a', '1')));
    await consuming;
    expect(batches).toHaveLength(1);
    await server.socketsClosed();
  });

  it('ends without a request when the signal is already aborted', async () => {
    expect(await collect(client.watch(configMaps, 'team-a', { signal: AbortSignal.abort() }))).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('destroys the socket when the consumer breaks out of the loop', async () => {
    const consuming = (async () => {
      for await (const _batch of client.watch(configMaps, 'team-a')) break;
    })();
    await until(() => stream !== undefined);
    stream?.write(watchLine('ADDED', cm('a', '1')));
    await consuming;
    await server.socketsClosed();
    expect(server.openSockets).toBe(0);
  });

  it('ends open watches when the client is closed', async () => {
    const consuming = collect(client.watch(configMaps, 'team-a'));
    await until(() => stream !== undefined);
    client.close();
    expect(await consuming).toEqual([]);
    await server.socketsClosed();
  });

  it('pauses the socket while many batches wait and still delivers them all in order', async () => {
    const iterator = client.watch(configMaps, 'team-a')[Symbol.asyncIterator]();
    const first = iterator.next();
    await until(() => stream !== undefined);
    for (let i = 0; i < 40; i++) {
      stream?.write(watchLine('ADDED', cm(`n${i}`, String(i))));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    stream?.end();
    const names: (string | undefined)[] = [];
    let result = await first;
    while (!result.done) {
      names.push(...result.value.map((e) => (e.object as KubeObject).metadata?.name));
      result = await iterator.next();
    }
    expect(names).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`));
  });
});
