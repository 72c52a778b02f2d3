import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import type { ApiStatus, KubeClient as KubeClientShape, ResolvedResource } from '@kw/types';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { FakeApiServer, sendJson, status } from '../test/fake-api-server';
import {
  type Clock,
  ConflictError,
  createClient,
  InvalidConfigError,
  InvalidError,
  type KubeClient,
  NotFoundError,
  TooManyRequestsError,
} from './index';

const configMaps: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['create', 'get', 'update', 'patch', 'delete'],
};
const deployments: ResolvedResource = { ...configMaps, group: 'apps', resource: 'deployments', kind: 'Deployment' };

let server: FakeApiServer;
let client: KubeClient;

beforeEach(async () => {
  server = await FakeApiServer.start();
  client = createClient({ kubeConfig: server.kubeConfig() });
  server.handle((_req, res, recorded) => sendJson(res, 200, recorded.body ? JSON.parse(recorded.body) : {}));
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const cm: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } };

describe('write requests on the wire', () => {
  it('creates with POST to the collection, the object as JSON, dryRun, fieldManager and fieldValidation', async () => {
    await client.create(configMaps, 'team-a', cm, { dryRun: true, fieldManager: 'me', fieldValidation: 'Strict' });
    const [request] = server.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/team-a/configmaps',
      query: { dryRun: 'All', fieldManager: 'me', fieldValidation: 'Strict' },
      headers: { 'content-type': 'application/json', 'user-agent': expect.stringMatching(/^kw\//) },
    });
    expect(JSON.parse(request?.body ?? '')).toEqual(cm);
  });

  it('replaces with PUT to the object, or to its status subresource', async () => {
    const stored = { ...cm, metadata: { name: 'cfg', resourceVersion: '7' } };
    await client.replace(configMaps, 'team-a', stored);
    await client.replace(
      deployments,
      'team-a',
      { metadata: { name: 'web', resourceVersion: '8' } },
      { subresource: 'status' },
    );
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['PUT', '/api/v1/namespaces/team-a/configmaps/cfg'],
      ['PUT', '/apis/apps/v1/namespaces/team-a/deployments/web/status'],
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual(stored);
  });

  it.each([
    ['merge', { data: { a: '2' } }, 'application/merge-patch+json', {}],
    ['json', [{ op: 'replace', path: '/data/a', value: '2' }], 'application/json-patch+json', {}],
    ['strategic', { data: { a: '2' } }, 'application/strategic-merge-patch+json', {}],
    ['apply', cm, 'application/apply-patch+yaml', { fieldManager: 'me', force: 'true' }],
  ] as const)('sends a %s patch with its content type', async (type, body, contentType, query) => {
    const options = type === 'apply' ? { type, fieldManager: 'me', force: true } : { type };
    await client.patch(configMaps, 'team-a', 'cfg', body, options);
    const [request] = server.requests;
    expect(request).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/namespaces/team-a/configmaps/cfg',
      query,
      headers: { 'content-type': contentType },
    });
    expect(JSON.parse(request?.body ?? '')).toEqual(body);
  });

  it('patches the status subresource', async () => {
    await client.patch(
      deployments,
      'team-a',
      'web',
      { status: { replicas: 1 } },
      { type: 'merge', subresource: 'status' },
    );
    expect(server.requests[0]?.path).toBe('/apis/apps/v1/namespaces/team-a/deployments/web/status');
  });

  it('deletes with a DeleteOptions body: preconditions, propagationPolicy, gracePeriodSeconds, dryRun', async () => {
    await client.delete(configMaps, 'team-a', 'cfg', {
      preconditions: { uid: 'u-1', resourceVersion: '9' },
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      dryRun: true,
    });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'DELETE', path: '/api/v1/namespaces/team-a/configmaps/cfg' });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { uid: 'u-1', resourceVersion: '9' },
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      dryRun: ['All'],
    });
  });

  it('rejects bad write arguments before any request', async () => {
    await expect(client.patch(configMaps, 'team-a', 'cfg', cm, { type: 'apply' })).rejects.toThrow(
      /server-side apply needs fieldManager/,
    );
    await expect(client.patch(configMaps, 'team-a', 'cfg', { a: 1 }, { type: 'json' })).rejects.toThrow(
      /json patch is an array of operations/,
    );
    await expect(client.patch(configMaps, 'team-a', 'cfg', {}, { type: 'merge', force: true })).rejects.toThrow(
      /force only applies to type 'apply'/,
    );
    await expect(client.replace(configMaps, 'team-a', { data: {} } as V1ConfigMap)).rejects.toBeInstanceOf(
      InvalidConfigError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('write errors', () => {
  it('maps 409, 422 and 404 to ConflictError, InvalidError and NotFoundError naming the object', async () => {
    const answers: [number, object][] = [
      [409, status(409, 'Conflict', 'the object has been modified')],
      [
        422,
        status(422, 'Invalid', 'Deployment.apps "web" is invalid', {
          details: {
            causes: [{ field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }],
          },
        }),
      ],
      [404, status(404, 'NotFound', 'configmaps "gone" not found')],
    ];
    server.handle((_req, res) => {
      const [code, body] = answers.shift() ?? [500, {}];
      sendJson(res, code, body);
    });
    const conflict = await client
      .replace(configMaps, 'team-a', { metadata: { name: 'cfg', resourceVersion: '1' } })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ code: 'KW_CONFLICT', verb: 'replace', status: 409 });
    const invalid = await client.create(deployments, 'team-a', { metadata: { name: 'web' } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidError);
    expect((invalid as Error).message).toContain(
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    const missing = await client.delete(configMaps, 'team-a', 'gone').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toContain('ConfigMap "team-a/gone" does not exist (404)');
  });
});

describe('retry of writes on 429', () => {
  /** A clock whose timers fire at once, so a retry waits no real time. */
  const instant: Clock = {
    now: () => 0,
    setTimeout: (callback) => {
      queueMicrotask(callback);
      return 0;
    },
    clearTimeout: () => {},
  };
  let retrying: KubeClient;

  beforeEach(() => {
    retrying = createClient({ kubeConfig: server.kubeConfig(), clock: instant });
    let throttled = 0;
    server.handle((_req, res) => {
      if (throttled++ === 0) sendJson(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '0' });
      else sendJson(res, 200, { metadata: { name: 'cfg' } });
    });
  });

  afterEach(() => retrying.close());

  it.each<[string, (c: KubeClient) => Promise<unknown>]>([
    [
      'replace with a resourceVersion',
      (c) => c.replace(configMaps, 'a', { metadata: { name: 'cfg', resourceVersion: '3' } }),
    ],
    ['apply patch', (c) => c.patch(configMaps, 'a', 'cfg', cm, { type: 'apply', fieldManager: 'me' })],
    ['delete with a uid precondition', (c) => c.delete(configMaps, 'a', 'cfg', { preconditions: { uid: 'u' } })],
  ])('retries a throttled %s', async (_name, write) => {
    await expect(write(retrying)).resolves.toEqual({ metadata: { name: 'cfg' } });
    expect(server.requests).toHaveLength(2);
  });

  it.each<[string, (c: KubeClient) => Promise<unknown>]>([
    ['create', (c) => c.create(configMaps, 'a', cm)],
    ['replace without a resourceVersion', (c) => c.replace(configMaps, 'a', cm)],
    ['merge patch', (c) => c.patch(configMaps, 'a', 'cfg', {}, { type: 'merge' })],
    ['json patch', (c) => c.patch(configMaps, 'a', 'cfg', [], { type: 'json' })],
    ['strategic patch', (c) => c.patch(configMaps, 'a', 'cfg', {}, { type: 'strategic' })],
    ['delete without a precondition', (c) => c.delete(configMaps, 'a', 'cfg')],
  ])('does not retry a throttled %s', async (_name, write) => {
    await expect(write(retrying)).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a write answered 5xx with Retry-After (it may have been applied)', async () => {
    server.handle((_req, res) => sendJson(res, 503, status(503, 'ServiceUnavailable', 'busy'), { 'Retry-After': '0' }));
    await expect(
      retrying.patch(configMaps, 'a', 'cfg', cm, { type: 'apply', fieldManager: 'me' }),
    ).rejects.toMatchObject({ code: 'KW_SERVER_ERROR' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('types', () => {
  it('accepts client-node model types without casts and returns them', () => {
    const deployment: V1Deployment = { metadata: { name: 'web' }, spec: { selector: {}, template: {} } };
    // Never called: the compiler checks the calls, no request is sent.
    const calls = (c: KubeClient) => {
      expectTypeOf(c.create(configMaps, 'a', cm)).toEqualTypeOf<Promise<V1ConfigMap>>();
      expectTypeOf(c.replace(deployments, 'a', deployment)).toEqualTypeOf<Promise<V1Deployment>>();
      expectTypeOf(c.patch<V1Deployment>(deployments, 'a', 'web', {}, { type: 'merge' })).toEqualTypeOf<
        Promise<V1Deployment>
      >();
      expectTypeOf(c.get<V1ConfigMap>(configMaps, 'a', 'cfg')).toEqualTypeOf<Promise<V1ConfigMap>>();
      expectTypeOf(c.delete<V1ConfigMap>(configMaps, 'a', 'cfg')).toEqualTypeOf<Promise<V1ConfigMap | ApiStatus>>();
    };
    expectTypeOf(calls).toBeFunction();
    expectTypeOf(client).toMatchTypeOf<KubeClientShape>();
  });
});
