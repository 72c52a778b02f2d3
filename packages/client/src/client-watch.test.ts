import type { ServerResponse } from 'node:http';
import { until } from '@kw/test-utils';
import type { KubeObject, WatchEvent } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson, status, watchLine } from '../test/fake-api-server';
import { collect, configMaps, leases } from '../test/fixtures';

import {
  ACCEPT_JSON,
  ACCEPT_METADATA,
  createClient,
  DecodeError,
  GoneError,
  type KubeClient,
  NetworkError,
  TooManyRequestsError,
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

  it('sends shardSelector on a watch', async () => {
    const selector = "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')";
    const iterator = client.watch(configMaps, undefined, { shardSelector: selector })[Symbol.asyncIterator]();
    const next = iterator.next();
    await until(() => stream !== undefined);
    stream?.end();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(server.requests[0]?.query).toEqual({ watch: '1', shardSelector: selector });
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

  it('throws DecodeError for a malformed line, after the events before it, and closes the connection', async () => {
    const batches: unknown[] = [];
    const consuming = (async () => {
      for await (const batch of client.watch(configMaps, 'team-a')) batches.push(batch);
    })();
    await until(() => stream !== undefined);
    stream?.write(`${watchLine('ADDED', cm('a', '1'))}{"type":"ADDED",\n`);
    await expect(consuming).rejects.toBeInstanceOf(DecodeError);
    expect(batches).toEqual([[{ type: 'ADDED', object: cm('a', '1') }]]);
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
