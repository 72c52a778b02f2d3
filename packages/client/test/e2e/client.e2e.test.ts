/**
 * @kw/client against a real kube-apiserver + etcd (tools/kube-local): discovery, pagination,
 * watch semantics, 410 after compaction, RBAC errors, metadata-only and streaming lists.
 */
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { adminKubeConfig, compactEtcd, kubeEnv, restrictedKubeConfig, useNamespace } from '@kw/kube-local/e2e';
import type { KubeObject, ResolvedResource, WatchEvent } from '@kw/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  ForbiddenError,
  GoneError,
  type KubeClient,
  listAll,
  UnknownResourceError,
} from '../../src/index';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const env = kubeEnv();
const ns = useNamespace('kw-client');
/** ConfigMaps of 4 KiB each: a LIST body of several ~110 KiB groups. */
const bigNs = useNamespace('kw-client-big');
const COUNT = 120;
const BIG_COUNT = 90;
let client: KubeClient;
let configMaps: ResolvedResource;

/** Creates ConfigMaps `make(0)` to `make(count - 1)` in `namespace`, 20 at a time. */
async function createConfigMaps(namespace: string, count: number, make: (i: number) => V1ConfigMap): Promise<void> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  for (let start = 0; start < count; start += 20) {
    const batch = Array.from({ length: Math.min(20, count - start) }, (_, i) => make(start + i));
    await Promise.all(batch.map((body) => core.createNamespacedConfigMap({ namespace, body })));
  }
}

/** Consumes a watch until `done(events)` holds; then breaks (destroying the socket). */
async function watchUntil<T extends KubeObject>(
  iterable: AsyncIterable<WatchEvent<T>[]>,
  done: (events: WatchEvent<T>[]) => boolean,
  onOpen?: () => Promise<void>,
): Promise<WatchEvent<T>[]> {
  const events: WatchEvent<T>[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  const first = iterator.next();
  await onOpen?.();
  let result = await first;
  while (!result.done) {
    events.push(...result.value);
    if (done(events)) break;
    result = await iterator.next();
  }
  await iterator.return?.();
  return events;
}

beforeAll(async () => {
  client = createClient({ kubeconfigPath: env.adminKubeconfigPath });
  configMaps = await client.resolve({ group: '', version: 'v1', resource: 'configmaps' });
  await createConfigMaps(ns.name, COUNT, (i) => ({
    metadata: { name: `cm-${String(i).padStart(3, '0')}`, labels: { set: 'bulk' } },
    data: { k: 'v' },
  }));
});

afterAll(() => {
  client?.close();
});

describe('@kw/client on a real control plane', () => {
  it('resolves configmaps and leases.coordination.k8s.io through discovery', async () => {
    expect(configMaps).toMatchObject({
      group: '',
      version: 'v1',
      resource: 'configmaps',
      kind: 'ConfigMap',
      namespaced: true,
    });
    expect(configMaps.verbs).toEqual(expect.arrayContaining(['list', 'watch', 'get']));
    const leases = await client.resolve({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' });
    expect(leases).toMatchObject({ kind: 'Lease', namespaced: true });
  });

  it('rejects an unknown resource with a suggestion and an unknown group-version', async () => {
    await expect(client.resolve({ group: '', version: 'v1', resource: 'configmap' })).rejects.toThrow(
      /did you mean "configmaps"/,
    );
    const error = await client
      .resolve({ group: 'apps', version: 'v9', resource: 'deployments' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect((error as Error).message).toContain('group "apps" serves: v1');
  });

  it('resolves names as kubectl does through aggregated discovery', async () => {
    const fresh = createClient({ kubeconfigPath: env.adminKubeconfigPath });
    try {
      expect(await fresh.resolveName('cm')).toEqual(configMaps);
      expect(await fresh.resolveName('Deployment')).toMatchObject({ group: 'apps', version: 'v1', namespaced: true });
      expect(await fresh.resolveName('ingresses.v1.networking.k8s.io')).toMatchObject({ kind: 'Ingress' });
      expect(await fresh.resolveName('events')).toMatchObject({ group: '', resource: 'events' });
      expect(await fresh.resolveName('leases.coordination.k8s.io')).toMatchObject({ version: 'v1', kind: 'Lease' });
      expect(await fresh.resolveName('no')).toMatchObject({ resource: 'nodes', namespaced: false });
      await expect(fresh.resolveName('deploymnets')).rejects.toThrow(/did you mean "deployments.apps"/);
      await expect(fresh.resolveName('widgets.example.com')).rejects.toThrow(UnknownResourceError);
    } finally {
      fresh.close();
    }
  });

  it('pages through the configmaps with limit and continue', async () => {
    const pages = [];
    // No selector: the server omits remainingItemCount for selector lists.
    for await (const page of listAll(client, configMaps, ns.name, { limit: 50 })) pages.push(page);
    expect(pages.map((p) => p.items.length)).toEqual([50, 50, 20]);
    expect(pages[0]?.remainingItemCount).toBe(70);
    expect(pages[2]?.continue).toBeUndefined();
    const names = pages.flatMap((p) => p.items.map((i) => i.metadata?.name));
    expect(new Set(names).size).toBe(COUNT);
  });

  it('parses each listed item (one JSON.parse per item) to the object a GET returns', async () => {
    const page = await client.list<ConfigMap>(configMaps, ns.name, { limit: 7 });
    expect(page.items).toHaveLength(7);
    expect(page.continue).toEqual(expect.any(String));
    for (const item of page.items) {
      const { kind, apiVersion, ...got } = await client.get<ConfigMap>(configMaps, ns.name, item.metadata?.name ?? '');
      expect([kind, apiVersion]).toEqual(['ConfigMap', 'v1']);
      expect(item).toEqual(got);
    }
  });

  it('parses a LIST body of several item groups to the objects a GET returns, in order', async () => {
    await createConfigMaps(bigNs.name, BIG_COUNT, (i) => ({
      metadata: { name: `big-${String(i).padStart(3, '0')}` },
      data: { v: `${'x'.repeat(4096)} "}]{ ${i}` },
    }));
    const page = await client.list<ConfigMap>(configMaps, bigNs.name);
    expect(page.bytes).toBeGreaterThan(3 * 110 * 1024);
    expect(page.items.map((i) => i.metadata?.name)).toEqual(
      Array.from({ length: BIG_COUNT }, (_, i) => `big-${String(i).padStart(3, '0')}`),
    );
    for (const item of page.items) {
      const { kind, apiVersion, ...got } = await client.get<ConfigMap>(
        configMaps,
        bigNs.name,
        item.metadata?.name ?? '',
      );
      expect([kind, apiVersion]).toEqual(['ConfigMap', 'v1']);
      expect(item).toEqual(got);
    }
  });

  it('lists metadata only: PartialObjectMetadata without data', async () => {
    const page = await client.list<ConfigMap>(configMaps, ns.name, { metadataOnly: true, limit: 5 });
    expect(page.items).toHaveLength(5);
    for (const item of page.items) {
      expect(item.kind).toBe('PartialObjectMetadata');
      expect(item.data).toBeUndefined();
      expect(item.metadata?.name).toMatch(/^cm-/);
    }
  });

  it('gets one object', async () => {
    const cm = await client.get<ConfigMap>(configMaps, ns.name, 'cm-000');
    expect(cm.data).toEqual({ k: 'v' });
  });

  it('watches ADDED, MODIFIED and DELETED from a list resourceVersion', async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const { resourceVersion } = await client.list(configMaps, ns.name, { limit: 1 });
    const events = await watchUntil<ConfigMap>(
      client.watch<ConfigMap>(configMaps, ns.name, { resourceVersion, allowWatchBookmarks: true }),
      (seen) => seen.some((e) => e.type === 'DELETED'),
      async () => {
        await core.createNamespacedConfigMap({
          namespace: ns.name,
          body: { metadata: { name: 'watched' }, data: { n: '1' } },
        });
        await core.patchNamespacedConfigMap({
          namespace: ns.name,
          name: 'watched',
          body: [{ op: 'replace', path: '/data/n', value: '2' }],
        });
        await core.deleteNamespacedConfigMap({ namespace: ns.name, name: 'watched' });
      },
    );
    const watched = events.filter(
      (e) => e.type !== 'BOOKMARK' && (e.object as KubeObject).metadata?.name === 'watched',
    );
    expect(watched.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect((watched[1]?.object as ConfigMap | undefined)?.data).toEqual({ n: '2' });
  });

  it('streams the initial state with sendInitialEvents, ending with an initial-events-end bookmark', async () => {
    const events = await watchUntil(
      client.watch(configMaps, ns.name, {
        sendInitialEvents: true,
        resourceVersionMatch: 'NotOlderThan',
        allowWatchBookmarks: true,
        labelSelector: 'set=bulk',
      }),
      (seen) => seen.some((e) => e.type === 'BOOKMARK'),
    );
    const end = events.at(-1);
    expect(end?.type).toBe('BOOKMARK');
    expect((end?.object as KubeObject | undefined)?.metadata?.annotations?.['k8s.io/initial-events-end']).toBe('true');
    expect(events.filter((e) => e.type === 'ADDED')).toHaveLength(COUNT);
  });

  it('streams metadata-only watch events without data', async () => {
    const events = await watchUntil<ConfigMap>(
      client.watch<ConfigMap>(configMaps, ns.name, {
        sendInitialEvents: true,
        resourceVersionMatch: 'NotOlderThan',
        allowWatchBookmarks: true,
        metadataOnly: true,
      }),
      (seen) => seen.some((e) => e.type === 'BOOKMARK'),
    );
    const added = events.filter((e) => e.type === 'ADDED');
    expect(added.length).toBeGreaterThanOrEqual(COUNT);
    expect(
      added.every((e) => e.object.kind === 'PartialObjectMetadata' && (e.object as ConfigMap).data === undefined),
    ).toBe(true);
  });

  it.skipIf(!env.managed)(
    'a watch from a compacted resourceVersion throws the 410 ERROR event as GoneError',
    async () => {
      // Events bypass the watch cache, so the watch reads etcd directly (see the kube-local smoke test).
      const events = await client.resolve({ group: '', version: 'v1', resource: 'events' });
      const core = adminKubeConfig().makeApiClient(CoreV1Api);
      const body = (name: string) => ({
        metadata: { name },
        involvedObject: { kind: 'ConfigMap', namespace: ns.name, name: 'cm-000', apiVersion: 'v1' },
        reason: 'Test',
        message: name,
        type: 'Normal',
      });
      const first = await core.createNamespacedEvent({ namespace: ns.name, body: body('first') });
      await core.createNamespacedEvent({ namespace: ns.name, body: body('second') });
      await core.createNamespacedEvent({ namespace: ns.name, body: body('third') });
      const oldRv = first.metadata?.resourceVersion ?? '';
      await compactEtcd();

      let thrown: unknown;
      const received: WatchEvent[] = [];
      try {
        for await (const batch of client.watch(events, ns.name, { resourceVersion: oldRv })) received.push(...batch);
      } catch (error) {
        thrown = error;
      }
      // kube-apiserver answers 200 and sends the 410 as an ERROR event; watch() throws it as a typed error.
      expect(received).toEqual([]);
      expect(thrown).toBeInstanceOf(GoneError);
      expect(thrown).toMatchObject({ code: 'KW_GONE', verb: 'watch', status: 410, apiStatus: { reason: 'Expired' } });
    },
  );

  it.skipIf(!env.managed)('a list continue token from before a compaction gets GoneError', async () => {
    // Events bypass the watch cache (configmap pages are served from cache snapshots and survive compaction).
    const events = await client.resolve({ group: '', version: 'v1', resource: 'events' });
    const first = await client.list(events, ns.name, { limit: 1 });
    expect(first.continue).toBeDefined();
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'bump' } } });
    await compactEtcd();
    const error = await client
      .list(events, ns.name, { limit: 1, continue: first.continue ?? '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect(error).toMatchObject({ status: 410, verb: 'list', resource: 'events' });
    expect((error as GoneError).apiStatus?.reason).toBe('Expired');
  });

  it.skipIf(env.restrictedKubeconfigPath === null)(
    'the restricted identity gets ForbiddenError naming verb, resource, namespace and user',
    async () => {
      const restricted = createClient({ kubeConfig: restrictedKubeConfig() ?? adminKubeConfig() });
      try {
        expect(restricted.identity).toBe('kw-restricted');
        const error = await restricted.list(configMaps, ns.name).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ForbiddenError);
        expect(error).toMatchObject({
          code: 'KW_FORBIDDEN',
          status: 403,
          verb: 'list',
          resource: 'configmaps',
          namespace: ns.name,
        });
        expect((error as Error).message).toContain(
          `"kw-restricted" may not list configmaps in namespace "${ns.name}" (403)`,
        );
        expect((error as ForbiddenError).apiStatus?.message).toContain('cannot list resource "configmaps"');
        const watchError = await (async () => {
          for await (const _ of restricted.watch(configMaps, ns.name)) break;
        })().catch((e: unknown) => e);
        expect(watchError).toBeInstanceOf(ForbiddenError);
        expect((watchError as ForbiddenError).verb).toBe('watch');
      } finally {
        restricted.close();
      }
    },
  );
});
