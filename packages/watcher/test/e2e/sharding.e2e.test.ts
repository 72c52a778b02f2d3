/**
 * Sharded watchers against the real control plane, WITH the ShardedListAndWatch gate (a private
 * kube-apiserver: the server filters) and WITHOUT it (the shared cluster: the watchers filter
 * with the same hash). Three watchers (a streaming list, a metadata-only watch, a paginated list) hold shards 0/3, 1/3, 2/3 while a bounded writer churns: their stores are pairwise
 * disjoint and their union equals a fresh list (names and resourceVersions); after a member
 * leaves, `setShard` to 2 shares covers everything again, the narrowed-away objects counted as
 * deletes.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { adminKubeConfig, faultsAvailable, useNamespace, usePrivateCluster } from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { pool, until } from '@kw/test-utils';
import type { ChangeStats, KubeObject, ShardFiltering } from '@kw/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardHash, Watcher } from '../../src/index';
import { CONFIGMAPS } from './helpers';

/** Objects per cluster: sized so each mode stays well under a minute on a loaded 2-core machine. */
const OBJECTS = 1_500;
const CHURN = 150;

const gated = usePrivateCluster({ label: 'sharding', featureGates: 'ShardedListAndWatch=true' });
const shared = useNamespace('kw-sharding');

interface Replica {
  watcher: Watcher;
  store: MemoryStore;
  changes: ChangeStats[];
}

/** name → resourceVersion from a fresh full list. */
async function freshList(core: CoreV1Api, namespace: string): Promise<Map<string, string>> {
  const list = await core.listNamespacedConfigMap({ namespace, labelSelector: 'suite=sharding' });
  return new Map(list.items.map((cm) => [cm.metadata?.name ?? '', cm.metadata?.resourceVersion ?? '']));
}

/** name → resourceVersion held by one replica. */
async function held(replica: Replica): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const obj of await replica.store.list()) out.set(obj.metadata?.name ?? '', obj.metadata?.resourceVersion ?? '');
  return out;
}

/** Whether the replicas' stores are pairwise disjoint and together equal `fresh`; a description when not. */
async function partitionProblem(replicas: Replica[], fresh: Map<string, string>): Promise<string | undefined> {
  const union = new Map<string, string>();
  for (const replica of replicas) {
    for (const [name, rv] of await held(replica)) {
      if (union.has(name)) return `${name} held twice`;
      union.set(name, rv);
    }
  }
  if (union.size !== fresh.size) return `union ${union.size} != fresh ${fresh.size}`;
  for (const [name, rv] of fresh) if (union.get(name) !== rv) return `${name}: ${union.get(name)} != ${rv}`;
  return undefined;
}

function startReplica(kc: KubeConfig, namespace: string, index: number, kind: 'streaming' | 'metadata' | 'paginated') {
  const api = createClient({ kubeConfig: kc, qps: Number.POSITIVE_INFINITY });
  const indexer = new Indexer({ indexBy: ['metadata.name'], ignoreFields: ['metadata.managedFields'] });
  const store = new MemoryStore();
  const changes: ChangeStats[] = [];
  const watcher = new Watcher({
    api,
    resource: CONFIGMAPS,
    namespace,
    labelSelector: 'suite=sharding',
    keys: indexer,
    store,
    debounceMs: 20,
    shard: { index, count: 3 },
    ...(kind === 'metadata' ? { metadataOnly: true } : {}),
    ...(kind === 'streaming' ? { listMode: 'streaming' as const } : {}),
    ...(kind === 'paginated' ? { listMode: 'paginated' as const, pageSize: 200 } : {}),
    onChange: (_store, stats) => {
      changes.push(stats);
    },
  });
  return { replica: { watcher, store, changes } as Replica, close: () => api.close() };
}

/** A bounded writer: modifies, creates and deletes `CHURN` objects each, 10 at a time. */
async function churn(core: CoreV1Api, namespace: string): Promise<void> {
  const ids = Array.from({ length: CHURN }, (_, i) => i);
  await pool(ids, 10, async (i) => {
    await core.patchNamespacedConfigMap({
      name: `cm-${i}`,
      namespace,
      body: [{ op: 'add', path: '/data/v', value: '2' }],
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: `new-${i}`, labels: { suite: 'sharding' } }, data: { v: '1' } },
    });
    await core.deleteNamespacedConfigMap({ name: `cm-${OBJECTS - 1 - i}`, namespace });
  });
}

function suite(label: string, expected: ShardFiltering, kubeConfig: () => KubeConfig, namespace: () => string) {
  describe(`sharded watchers, ${label}`, () => {
    let core: CoreV1Api;
    const closers: Array<() => unknown> = [];

    beforeAll(async () => {
      core = kubeConfig().makeApiClient(CoreV1Api);
      const ns = namespace();
      await core.readNamespace({ name: ns }).catch(() => core.createNamespace({ body: { metadata: { name: ns } } }));
      await pool(
        Array.from({ length: OBJECTS }, (_, i) => i),
        20,
        (i) =>
          core.createNamespacedConfigMap({
            namespace: ns,
            body: { metadata: { name: `cm-${i}`, labels: { suite: 'sharding' } }, data: { v: '1' } },
          }),
      );
    }, 180_000);
    afterAll(async () => {
      for (const close of closers.splice(0)) await close();
    });

    it(`three replicas partition the collection (${expected}-side filtering), through churn and a member leaving`, async () => {
      const ns = namespace();
      const started = (['streaming', 'metadata', 'paginated'] as const).map((kind, i) =>
        startReplica(kubeConfig(), ns, i, kind),
      );
      for (const { replica, close } of started) {
        closers.push(async () => {
          await replica.watcher.stop();
          close();
        });
      }
      const replicas = started.map((s) => s.replica);
      await Promise.all(replicas.map((r) => r.watcher.waitForSync()));
      for (const r of replicas) expect(r.watcher.status().shard?.filtering).toBe(expected);
      // Each holds about a third; none holds everything.
      for (const r of replicas) expect((await held(r)).size).toBeLessThan(OBJECTS * 0.45);
      expect(await partitionProblem(replicas, await freshList(core, ns))).toBeUndefined();

      // A lookup goes to the replica whose range holds the object's hash.
      const sample = await core.readNamespacedConfigMap({ name: 'cm-7', namespace: ns });
      const hash = BigInt(shardHash(sample.metadata?.uid ?? ''));
      const owner = replicas.find((r) => {
        const range = r.watcher.status().shard?.range;
        return range !== undefined && hash >= BigInt(range.start) && hash < BigInt(range.end);
      });
      expect((await owner?.store.get(['cm-7']))?.map((o: KubeObject) => o.metadata?.name)).toEqual(['cm-7']);

      await churn(core, ns);
      const settled = await freshList(core, ns);
      expect(settled.size).toBe(OBJECTS);
      await until(async () => ((await partitionProblem(replicas, settled)) === undefined ? true : undefined), {
        what: 'the union to equal a fresh list after churn',
        timeoutMs: 30_000,
      });

      // Replica 2 leaves: the other two take 2 shares; what replica 0 no longer owns is counted as deletes.
      const [first, second, third] = replicas as [Replica, Replica, Replica];
      await third.watcher.stop();
      const firstBefore = (await held(first)).size;
      const secondBefore = await held(second);
      const secondDeletesBefore = second.changes.reduce((n, c) => n + c.deleted, 0);
      first.watcher.setShard({ index: 0, count: 2 });
      second.watcher.setShard({ index: 1, count: 2 });
      const fresh = await freshList(core, ns);
      await until(async () => ((await partitionProblem([first, second], fresh)) === undefined ? true : undefined), {
        what: 'two replicas to cover everything',
        timeoutMs: 60_000,
      });
      // 0/3 = [0, 2^64/3) lies inside 0/2 = [0, 2^63): replica 0 only widened.
      expect((await held(first)).size).toBeGreaterThan(firstBefore);
      // 1/3 → 1/2 = [2^63, 2^64): replica 1 dropped [2^64/3, 2^63), and onChange counted them as deletes.
      const secondAfter = await held(second);
      const dropped = [...secondBefore.keys()].filter((name) => !secondAfter.has(name)).length;
      expect(dropped).toBeGreaterThan(0);
      await until(
        () => (second.changes.reduce((n, c) => n + c.deleted, 0) - secondDeletesBefore >= dropped ? true : undefined),
        { what: 'the narrowing to reach onChange as deletes', timeoutMs: 30_000 },
      );
      expect(second.watcher.status().shard?.range).toEqual({
        field: 'uid',
        start: '0x8000000000000000',
        end: '0x10000000000000000',
      });
    }, 180_000);
  });
}

describe.skipIf(!faultsAvailable())('with the ShardedListAndWatch gate', () => {
  suite(
    'gate on',
    'server',
    () => gated.kubeConfig(),
    () => 'kw-sharding-gated',
  );
});

suite(
  'gate off',
  'client',
  () => adminKubeConfig(),
  () => shared.name,
);
