/**
 * Sharded replicas as separate PROCESSES (test/e2e/watch-member.ts: a Watcher whose range follows
 * a ShardRing; imports the built packages: run `pnpm build` first), WITH the ShardedListAndWatch
 * gate (a private kube-apiserver: the server filters) and WITHOUT it (the shared cluster: the
 * watchers filter). Churn runs during every transition; after it settles the stores are pairwise
 * disjoint and their union equals a fresh list (names and resourceVersions): with 3 replicas, after
 * a SIGKILL (2 left, within lease duration + sync), after a 4th joins, after a SIGTERM (its Lease
 * deleted).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { adminKubeConfig, faultsAvailable, kubeEnv, useNamespace, usePrivateCluster } from '@kw/kube-local/e2e';
import type { ShardFiltering } from '@kw/types';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LEASES } from '../../src/index';

/** Objects per mode: creating them dominates the file's time on a loaded 2-core machine. */
const OBJECTS = 2_000;
const CHURN_OPS = 60;
const LEASE_MS = 4_000;
const RETRY_MS = 800;
const SETTLE_MS = 90_000;

const here = fileURLToPath(new URL('.', import.meta.url));
const built = ['shard-ring', 'watcher', 'client', 'indexer', 'store-memory'].every((p) =>
  existsSync(join(here, `../../../${p}/dist/index.js`)),
);
const gated = usePrivateCluster({ label: 'sharded-replicas', featureGates: 'ShardedListAndWatch=true' });
const shared = useNamespace('kw-sharded-replicas');

interface Dump {
  synced: boolean;
  shard: { filtering?: ShardFiltering } | null;
  objects: Array<[string, string]>;
}

interface Member {
  identity: string;
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  dump(): Promise<Dump>;
}

let children: Member[] = [];

function spawnMember(kubeconfig: string, namespace: string, identity: string): Member {
  const child = spawn(
    process.execPath,
    [join(here, 'watch-member.ts'), kubeconfig, namespace, 'replicas', identity, String(LEASE_MS), String(RETRY_MS)],
    { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let onReady = (): void => {};
  const waiting: Array<(dump: Dump) => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const parsed = JSON.parse(line) as { event: string } & Dump;
    if (parsed.event === 'ready') onReady();
    if (parsed.event === 'dump') waiting.shift()?.(parsed);
  });
  const member: Member = {
    identity,
    child,
    ready: new Promise((resolve) => {
      onReady = resolve;
    }),
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
    dump: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin?.write('dump\n');
      }),
  };
  children.push(member);
  return member;
}

afterEach(async () => {
  for (const m of children) m.child.kill('SIGKILL');
  await Promise.all(children.map((m) => m.exited));
  children = [];
});

/** name → resourceVersion from a fresh full list. */
async function freshList(core: CoreV1Api, namespace: string): Promise<Map<string, string>> {
  const list = await core.listNamespacedConfigMap({ namespace, labelSelector: 'suite=sharded-replicas' });
  return new Map(list.items.map((cm) => [cm.metadata?.name ?? '', cm.metadata?.resourceVersion ?? '']));
}

/** Undefined when the members' stores are synced, disjoint, filtered as `expected`, and together equal `fresh`. */
async function partitionProblem(
  group: Member[],
  fresh: Map<string, string>,
  expected: ShardFiltering,
): Promise<string | undefined> {
  const union = new Map<string, string>();
  for (const member of group) {
    const dump = await member.dump();
    if (!dump.synced) return `${member.identity} not synced`;
    if (dump.shard?.filtering !== expected) return `${member.identity} filtering ${dump.shard?.filtering}`;
    for (const [name, rv] of dump.objects) {
      if (union.has(name)) return `${name} held twice`;
      union.set(name, rv);
    }
  }
  if (union.size !== fresh.size) return `union ${union.size} != fresh ${fresh.size}`;
  for (const [name, rv] of fresh) if (union.get(name) !== rv) return `${name}: ${union.get(name)} != ${rv}`;
  return undefined;
}

/** Polls until the group partitions a fresh list; returns the ms it took from `since`. */
async function covered(
  core: CoreV1Api,
  namespace: string,
  group: Member[],
  expected: ShardFiltering,
  since: number,
): Promise<number> {
  let problem: string | undefined = 'not checked';
  while (performance.now() - since < SETTLE_MS) {
    problem = await partitionProblem(group, await freshList(core, namespace), expected);
    if (problem === undefined) return Math.round(performance.now() - since);
    await sleep(200);
  }
  throw new Error(`not covered within ${SETTLE_MS} ms: ${problem}`);
}

/** A bounded writer: `CHURN_OPS` each of modify, create and delete, 5 at a time. */
async function churn(core: CoreV1Api, namespace: string, round: number): Promise<void> {
  const ids = Array.from({ length: CHURN_OPS }, (_, i) => round * CHURN_OPS + i);
  const lanes = Array.from({ length: 5 }, async (_, lane) => {
    for (let k = lane; k < ids.length; k += 5) {
      const i = ids[k] as number;
      await core.patchNamespacedConfigMap({
        name: `cm-${i}`,
        namespace,
        body: [{ op: 'add', path: '/data/round', value: String(round) }],
      });
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `new-${i}`, labels: { suite: 'sharded-replicas' } }, data: { v: '1' } },
      });
      await core.deleteNamespacedConfigMap({ name: `cm-${OBJECTS - 1 - i}`, namespace });
    }
  });
  await Promise.all(lanes);
}

function suite(
  label: string,
  expected: ShardFiltering,
  kc: () => KubeConfig,
  kubeconfigPath: () => string,
  ns: () => string,
) {
  describe(label, () => {
    let core: CoreV1Api;
    beforeAll(async () => {
      core = kc().makeApiClient(CoreV1Api);
      await core
        .readNamespace({ name: ns() })
        .catch(() => core.createNamespace({ body: { metadata: { name: ns() } } }));
      const lanes = Array.from({ length: 20 }, async (_, lane) => {
        for (let i = lane; i < OBJECTS; i += 20) {
          await core.createNamespacedConfigMap({
            namespace: ns(),
            body: { metadata: { name: `cm-${i}`, labels: { suite: 'sharded-replicas' } }, data: { v: '1' } },
          });
        }
      });
      await Promise.all(lanes);
    }, 240_000);

    it(`3 replicas partition ${OBJECTS} ConfigMaps (${expected} filtering); SIGKILL, join and SIGTERM keep them covered through churn`, async () => {
      const namespace = ns();
      const spawnOne = (id: string) => spawnMember(kubeconfigPath(), namespace, id);
      const [a, b, c] = ['a', 'b', 'c'].map(spawnOne) as [Member, Member, Member];
      let since = performance.now();
      await churn(core, namespace, 0);
      const start = await covered(core, namespace, [a, b, c], expected, since);

      c.child.kill('SIGKILL');
      since = performance.now();
      await c.exited;
      await churn(core, namespace, 1);
      const failover = await covered(core, namespace, [a, b], expected, since);

      const d = spawnOne('d');
      since = performance.now();
      await churn(core, namespace, 2);
      const join4 = await covered(core, namespace, [a, b, d], expected, since);
      // A 4th member makes 4 shares once c's Lease is gone: start one more and check all four.
      const e = spawnOne('e');
      since = performance.now();
      const four = await covered(core, namespace, [a, b, d, e], expected, since);
      const sizes = await Promise.all([a, b, d, e].map(async (m) => (await m.dump()).objects.length));
      for (const size of sizes) expect(size).toBeLessThan(OBJECTS * 0.45);

      b.child.kill('SIGTERM');
      since = performance.now();
      await b.exited;
      await churn(core, namespace, 3);
      const handover = await covered(core, namespace, [a, d, e], expected, since);
      const leases = await createClient({ kubeConfig: kc() }).list(LEASES, namespace, {
        labelSelector: 'kw.dev/shard-ring=replicas',
      });
      expect(leases.items.map((l) => l.metadata?.name)).not.toContain('replicas-b');
      console.log(
        `sharded replicas (${expected} filtering, ${OBJECTS} objects, lease ${LEASE_MS} ms, retry ${RETRY_MS} ms, ${CHURN_OPS}×3 churn ops per step): ` +
          `3 covered ${start} ms after start, 2 covered ${failover} ms after SIGKILL, ${join4} ms after a join, ` +
          `4 shares ${four} ms after a 4th, 3 covered ${handover} ms after SIGTERM; shares ${sizes.join('/')}`,
      );
    }, 300_000);
  });
}

describe.skipIf(!built || !faultsAvailable())('sharded replicas as processes, with the gate (needs pnpm build)', () => {
  suite(
    'ShardedListAndWatch on',
    'server',
    () => gated.kubeConfig(),
    () => gated.env.adminKubeconfigPath,
    () => 'kw-sharded-replicas',
  );
});

describe.skipIf(!built)('sharded replicas as processes, without the gate (needs pnpm build)', () => {
  suite(
    'ShardedListAndWatch off',
    'client',
    () => adminKubeConfig(),
    () => kubeEnv().adminKubeconfigPath,
    () => shared.name,
  );
});
