/**
 * The shard hash against the API server's own: a private kube-apiserver with
 * `ShardedListAndWatch=true` filters objects into ranges, and the expected table is what the
 * SERVER returned for each range, never a value computed by our code.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { httpsGet } from '@kw/kube-local';
import { faultsAvailable, usePrivateCluster } from '@kw/kube-local/e2e';
import type { KubeObject, ShardField, ShardRange } from '@kw/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardHash } from '../../src/shard-hash';
import { createShardFilter, shardRangeOf, shardSelector } from '../../src/shard-selector';

const gated = usePrivateCluster({ label: 'shard-hash', featureGates: 'ShardedListAndWatch=true' });
const run = `r${Date.now().toString(36)}`;
const NAMESPACES = 12;
const PER_NAMESPACE = 25;

interface ListBody {
  items: KubeObject[];
  metadata: { shardInfo?: { selector?: string } };
}

/** LIST of this run's ConfigMaps in all namespaces, with `shardSelector` when given. */
async function serverList(selector?: string): Promise<ListBody> {
  const { server, caPath, adminToken } = gated.env;
  const query = new URLSearchParams({ labelSelector: `kw.dev/e2e-shard=${run}` });
  if (selector !== undefined) query.set('shardSelector', selector);
  const response = await httpsGet(`${server}/api/v1/configmaps?${query}`, caPath ?? '', adminToken ?? '', 30_000);
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body) as ListBody;
}

/** A GET of this run's ConfigMaps in all namespaces with `params` (watch responses are newline-delimited events). */
async function rawGet(params: Record<string, string>): Promise<string> {
  const { server, caPath, adminToken } = gated.env;
  const query = new URLSearchParams({ labelSelector: `kw.dev/e2e-shard=${run}`, ...params });
  const response = await httpsGet(`${server}/api/v1/configmaps?${query}`, caPath ?? '', adminToken ?? '', 30_000);
  expect(response.status, response.body).toBe(200);
  return response.body;
}

/** The objects of a watch response's ADDED/MODIFIED/DELETED events. */
function watchedObjects(body: string): KubeObject[] {
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string; object: KubeObject })
    .filter((event) => event.type !== 'BOOKMARK')
    .map((event) => event.object);
}

/** Which of `count` ranges the server puts each object in, by `field`: value (uid or namespace) → range index. */
async function serverTable(field: ShardField, count: number): Promise<Map<string, number>> {
  const table = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    for (const item of (await serverList(shardSelector(shardRangeOf(index, count, field)))).items) {
      const value = item.metadata?.[field] ?? '';
      expect(table.get(value) ?? index, `${field} ${value} in two ranges`).toBe(index);
      table.set(value, index);
    }
  }
  return table;
}

/** `count` namespace names for this run, `count / ranges` in each of `ranges` equal namespace ranges. */
function spreadNames(count: number, ranges: number): string[] {
  const perRange = Array.from({ length: ranges }, () => [] as string[]);
  for (let i = 0; perRange.some((names) => names.length < count / ranges); i++) {
    const name = `kw-shard-${run}-${i}`;
    const slot = perRange.find((_, index) => inRange(name, shardRangeOf(index, ranges, 'namespace')));
    if (slot !== undefined && slot.length < count / ranges) slot.push(name);
  }
  return perRange.flat();
}

const inRange = (value: string, range: ShardRange): boolean => {
  const h = BigInt(shardHash(value));
  return h >= BigInt(range.start) && h < BigInt(range.end);
};

describe.skipIf(!faultsAvailable())('shard hash and selector against kube-apiserver with ShardedListAndWatch', () => {
  // Names picked so every one of the 4 namespace ranges holds some (names differing only in their
  // last characters can all hash into one quarter); whether each sits where the server puts it is
  // still judged against the server's own filtering below.
  const namespaces = spreadNames(NAMESPACES, 4);
  let all: KubeObject[] = [];

  beforeAll(async () => {
    const core = gated.kubeConfig().makeApiClient(CoreV1Api);
    await Promise.all(namespaces.map((name) => core.createNamespace({ body: { metadata: { name } } })));
    for (const namespace of namespaces) {
      await Promise.all(
        Array.from({ length: PER_NAMESPACE }, (_, i) =>
          core.createNamespacedConfigMap({
            namespace,
            body: { metadata: { name: `cm-${i}`, labels: { 'kw.dev/e2e-shard': run } }, data: { i: String(i) } },
          }),
        ),
      );
    }
    all = (await serverList()).items;
    expect(all).toHaveLength(NAMESPACES * PER_NAMESPACE);
  });

  afterAll(async () => {
    const core = gated.kubeConfig().makeApiClient(CoreV1Api);
    for (const namespace of namespaces) {
      await core.deleteCollectionNamespacedConfigMap({ namespace }).catch(() => {});
      await core.deleteNamespace({ name: namespace }).catch(() => {});
    }
  });

  it('hashes every uid into the range the server filters it into', async () => {
    const table = await serverTable('uid', 8);
    expect(table.size).toBe(all.length); // the server's 8 ranges partition the objects
    expect(new Set(table.values()).size).toBe(8);
    const disagreements = [...table].filter(([uid, index]) => !inRange(uid, shardRangeOf(index, 8)));
    expect(disagreements).toEqual([]);
    for (const item of all) {
      const index = table.get(item.metadata?.uid ?? '') ?? -1;
      expect(createShardFilter(shardRangeOf(index, 8))(item)).toBe(true);
    }
  });

  it('hashes every namespace into the range the server filters it into', async () => {
    const table = await serverTable('namespace', 4);
    expect([...table.keys()].sort()).toEqual([...namespaces].sort());
    expect(new Set(table.values()).size).toBeGreaterThan(1);
    const disagreements = [...table].filter(
      ([namespace, index]) => !inRange(namespace, shardRangeOf(index, 4, 'namespace')),
    );
    expect(disagreements).toEqual([]);
  });

  it('answers several ||-ed ranges with their union and echoes the selector', async () => {
    const ranges = [shardRangeOf(0, 4), shardRangeOf(2, 4)];
    const selector = shardSelector(ranges);
    const body = await serverList(selector);
    expect(body.metadata.shardInfo?.selector).toBe(selector);
    const keep = createShardFilter(ranges);
    const expected = all.filter(keep).map((item) => item.metadata?.uid);
    expect(body.items.map((item) => item.metadata?.uid).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
  });

  it('filters a paginated LIST, a streaming list and a WATCH by the same selector', async () => {
    const range = shardRangeOf(1, 3);
    const selector = shardSelector(range);
    const keep = createShardFilter(range);
    const expected = all.filter(keep).map((item) => item.metadata?.uid);

    const paged: KubeObject[] = [];
    let token = '';
    do {
      const page = JSON.parse(
        await rawGet({ shardSelector: selector, limit: '40', ...(token === '' ? {} : { continue: token }) }),
      ) as ListBody & { metadata: { continue?: string } };
      paged.push(...page.items);
      token = page.metadata.continue ?? '';
    } while (token !== '');
    expect(paged.map((item) => item.metadata?.uid).sort()).toEqual([...expected].sort());

    const streamed = watchedObjects(
      await rawGet({
        shardSelector: selector,
        watch: '1',
        sendInitialEvents: 'true',
        resourceVersionMatch: 'NotOlderThan',
        allowWatchBookmarks: 'true',
        timeoutSeconds: '2',
      }),
    );
    expect(streamed.map((item) => item.metadata?.uid).sort()).toEqual([...expected].sort());

    const from = JSON.parse(await rawGet({ limit: '1' })) as { metadata: { resourceVersion: string } };
    const watching = rawGet({
      shardSelector: selector,
      watch: '1',
      resourceVersion: from.metadata.resourceVersion,
      timeoutSeconds: '3',
    });
    const core = gated.kubeConfig().makeApiClient(CoreV1Api);
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        core.createNamespacedConfigMap({
          namespace: namespaces[0] ?? '',
          body: { metadata: { name: `late-${i}`, labels: { 'kw.dev/e2e-shard': run } } },
        }),
      ),
    );
    const events = watchedObjects(await watching);
    const createdInRange = created.filter((cm) => keep(cm as KubeObject)).map((cm) => cm.metadata?.uid);
    expect(createdInRange.length).toBeGreaterThan(0);
    expect(createdInRange.length).toBeLessThan(created.length);
    expect(events.map((item) => item.metadata?.uid).sort()).toEqual(createdInRange.sort());
  });
});
