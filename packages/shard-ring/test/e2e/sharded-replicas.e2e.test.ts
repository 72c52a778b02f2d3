/**
 * Sharded replicas as separate PROCESSES (test/e2e/watch-member.ts: a Watcher whose range follows
 * a ShardRing; imports the built packages: run `pnpm build` first) on 30,000 ConfigMaps, WITH the
 * ShardedListAndWatch gate (the server filters) and WITHOUT it (the
 * shared cluster: the watchers filter). The gated apiserver is a second one on the shared cluster's
 * etcd, so both modes watch the same objects, created once. Churn runs
 * during every transition; after it settles the stores are pairwise disjoint and their union equals
 * a fresh list (names and resourceVersions): with 3 replicas, after a SIGKILL (2 left, within lease
 * duration + sync), after a 4th joins (4 shares), after a SIGTERM (its Lease deleted). Each phase
 * prints one JSON line with its measured time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { adminKubeConfig, faultsAvailable, kubeEnv, useExtraApiserver, useNamespace } from '@kw/kube-local/e2e';
import { CONFIGMAPS, pool } from '@kw/test-utils';
import type { KubeClient, KubeObject, ShardFiltering } from '@kw/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASES } from '../../src/index';

/** Objects per mode (the proof), created 32 at a time with no client-side rate limit. */
const OBJECTS = 30_000;
const LOAD_IN_FLIGHT = 32;
/** Objects per `batch` label: the clean-up deletes one batch per request (one DELETE of all 30,000 timed out at 60 s on a loaded machine). */
const BATCH = 1_000;
const CHURN_OPS = 60;
/** Short enough that failover is quick, long enough that a replica busy listing 15,000 objects still renews. */
const LEASE_MS = 3_000;
const RETRY_MS = 500;
const SETTLE_MS = 90_000;
const POLL_MS = 100;
const LABEL = 'suite=sharded-replicas';

const here = fileURLToPath(new URL('.', import.meta.url));
const built = ['shard-ring', 'watcher', 'client', 'indexer', 'store-memory'].every((p) =>
  existsSync(join(here, `../../../${p}/dist/index.js`)),
);
const withGate = built && faultsAvailable();
const gated = useExtraApiserver({ label: 'sharded-replicas', featureGates: 'ShardedListAndWatch=true' });
const shared = useNamespace('kw-sharded-replicas');

interface Count {
  synced: boolean;
  shard: { filtering?: ShardFiltering } | null;
  count: number;
}
interface Dump extends Count {
  objects: Array<[string, string]>;
}

interface Member {
  identity: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** Clock time (Date.now() in the member) of its last range change. */
  lastRangeAt: number;
  ask(command: 'count'): Promise<Count>;
  ask(command: 'dump'): Promise<Dump>;
}

function spawnMember(kubeconfig: string, namespace: string, ring: string, identity: string, group: Member[]): Member {
  const child = spawn(
    process.execPath,
    [join(here, 'watch-member.ts'), kubeconfig, namespace, ring, identity, String(LEASE_MS), String(RETRY_MS)],
    { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const waiting: Array<(answer: Dump) => void> = [];
  const member: Member = {
    identity,
    child,
    lastRangeAt: 0,
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
    ask: ((command: 'count' | 'dump') =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin?.write(`${command}\n`);
      })) as Member['ask'],
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const parsed = JSON.parse(line) as { event: string; t: number } & Dump;
    if (parsed.event === 'range') member.lastRangeAt = parsed.t;
    if (parsed.event === 'dump' || parsed.event === 'count') waiting.shift()?.(parsed);
  });
  group.push(member);
  return member;
}

/** Creates `cm-0`…`cm-<OBJECTS-1>` in `namespace`, `LOAD_IN_FLIGHT` at a time. */
async function load(client: KubeClient, namespace: string): Promise<void> {
  const ids = Array.from({ length: OBJECTS }, (_, i) => i);
  await pool(ids, LOAD_IN_FLIGHT, (i) =>
    client.create(CONFIGMAPS, namespace, configMap(`cm-${i}`, Math.floor(i / BATCH))).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'KW_CONFLICT') throw error;
    }),
  );
}

function configMap(name: string, batch: number | 'churn'): KubeObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { suite: 'sharded-replicas', batch: String(batch) } },
    data: { v: '1' },
  };
}

/** name → resourceVersion from a fresh full (metadata-only, unpaginated: one snapshot) list. */
async function freshList(client: KubeClient, namespace: string): Promise<Map<string, string>> {
  const list = await client.list(CONFIGMAPS, namespace, { labelSelector: LABEL, metadataOnly: true });
  return new Map(list.items.map((cm) => [cm.metadata?.name ?? '', cm.metadata?.resourceVersion ?? '']));
}

/** Undefined when the members' stores are synced, disjoint, filtered as `expected`, and together equal `fresh`. */
async function partitionProblem(
  group: Member[],
  fresh: Map<string, string>,
  expected: ShardFiltering,
): Promise<string | undefined> {
  // Cheap first: counts only, until they add up.
  const counts = await Promise.all(group.map((m) => m.ask('count')));
  for (const [i, c] of counts.entries()) {
    if (!c.synced) return `${group[i]?.identity} not synced`;
    if (c.shard?.filtering !== expected) return `${group[i]?.identity} filtering ${c.shard?.filtering}`;
  }
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  if (total !== fresh.size) return `stores hold ${total} != fresh ${fresh.size}`;
  const union = new Map<string, string>();
  for (const member of group) {
    const dump = await member.ask('dump');
    for (const [name, rv] of dump.objects) {
      if (union.has(name)) return `${name} held twice`;
      union.set(name, rv);
    }
  }
  if (union.size !== fresh.size) return `union ${union.size} != fresh ${fresh.size}`;
  for (const [name, rv] of fresh) if (union.get(name) !== rv) return `${name}: ${union.get(name)} != ${rv}`;
  return undefined;
}

/** Polls until the group partitions a fresh list; returns the ms it took from `since` (Date.now()). */
async function covered(
  client: KubeClient,
  namespace: string,
  group: Member[],
  expected: ShardFiltering,
  since: number,
): Promise<number> {
  let problem: string | undefined = 'not checked';
  while (Date.now() - since < SETTLE_MS) {
    problem = await partitionProblem(group, await freshList(client, namespace), expected);
    if (problem === undefined) return Date.now() - since;
    await sleep(POLL_MS);
  }
  throw new Error(`not covered within ${SETTLE_MS} ms: ${problem}`);
}

/** A bounded writer: `CHURN_OPS` each of modify, create and delete, 5 at a time; resolves its duration in ms. */
async function churn(client: KubeClient, namespace: string, round: number): Promise<number> {
  const started = Date.now();
  const ids = Array.from({ length: CHURN_OPS }, (_, i) => round * CHURN_OPS + i);
  await pool(ids, 5, async (i) => {
    await client.patch(CONFIGMAPS, namespace, `cm-${i}`, [{ op: 'add', path: '/data/round', value: String(round) }], {
      type: 'json',
    });
    await client.create(CONFIGMAPS, namespace, configMap(`new-${i}`, 'churn'));
    await client.delete(CONFIGMAPS, namespace, `cm-${OBJECTS - 1 - i}`);
  });
  return Date.now() - started;
}

/** Runs churn while `group` recovers from an event at `since`; both must finish. */
async function phase(
  client: KubeClient,
  namespace: string,
  group: Member[],
  expected: ShardFiltering,
  since: number,
  round: number,
): Promise<{ churnMs: number; coveredMs: number }> {
  const churnMs = await churn(client, namespace, round);
  const coveredMs = await covered(client, namespace, group, expected, since);
  return { churnMs, coveredMs };
}

/**
 * One mode's scenario in the shared namespace: its own ring (Leases of the other mode's killed
 * members must not count), its own churn rounds from `firstRound` (names never reused).
 */
function suite(
  label: string,
  expected: ShardFiltering,
  ring: string,
  firstRound: number,
  kc: () => KubeConfig,
  kubeconfigPath: () => string,
) {
  it(`${label}: 3 replicas partition ${OBJECTS} ConfigMaps (${expected} filtering); SIGKILL, join and SIGTERM keep them covered through churn`, async () => {
    const client = createClient({ kubeConfig: kc(), qps: Number.POSITIVE_INFINITY });
    const namespace = shared.name;
    const group: Member[] = [];
    const log = (phaseName: string, fields: Record<string, unknown>): void =>
      console.log(
        JSON.stringify({
          test: 'sharded-replicas',
          filtering: expected,
          objects: OBJECTS,
          phase: phaseName,
          ...fields,
        }),
      );
    const rangeMs = (members: Member[], since: number): number =>
      Math.max(...members.map((m) => m.lastRangeAt)) - since;
    try {
      const spawnOne = (id: string) => spawnMember(kubeconfigPath(), namespace, ring, id, group);
      let since = Date.now();
      const [a, b, c] = ['a', 'b', 'c'].map(spawnOne) as [Member, Member, Member];
      const start = await phase(client, namespace, [a, b, c], expected, since, firstRound);
      log('start', { replicas: 3, syncMs: start.coveredMs, churnMs: start.churnMs });

      since = Date.now();
      c.child.kill('SIGKILL');
      await c.exited;
      const failover = await phase(client, namespace, [a, b], expected, since, firstRound + 1);
      log('sigkill', {
        replicas: 2,
        leaseMs: LEASE_MS,
        retryMs: RETRY_MS,
        rangeChangeMs: rangeMs([a, b], since),
        failoverMs: failover.coveredMs,
        churnMs: failover.churnMs,
      });
      expect(failover.coveredMs).toBeGreaterThan(0);

      // c's Lease expires but lingers until collected; a new member joins the live ones.
      since = Date.now();
      const d = spawnOne('d');
      const join3 = await phase(client, namespace, [a, b, d], expected, since, firstRound + 2);
      log('join', {
        replicas: 3,
        rangeChangeMs: rangeMs([a, b, d], since),
        rebalanceMs: join3.coveredMs,
        churnMs: join3.churnMs,
      });

      since = Date.now();
      const e = spawnOne('e');
      const four = await covered(client, namespace, [a, b, d, e], expected, since);
      const sizes = await Promise.all([a, b, d, e].map(async (m) => (await m.ask('count')).count));
      log('join-4', { replicas: 4, rangeChangeMs: rangeMs([a, b, d, e], since), rebalanceMs: four, shares: sizes });
      for (const size of sizes) expect(size).toBeLessThan(OBJECTS * 0.35);

      since = Date.now();
      b.child.kill('SIGTERM');
      await b.exited;
      const handover = await phase(client, namespace, [a, d, e], expected, since, firstRound + 3);
      log('sigterm', {
        replicas: 3,
        rangeChangeMs: rangeMs([a, d, e], since),
        takeoverMs: handover.coveredMs,
        churnMs: handover.churnMs,
      });
      // Released, not expired: the others widened within a few retry periods, well before a lease duration.
      expect(rangeMs([a, d, e], since)).toBeLessThan(LEASE_MS);
      const leases = await client.list(LEASES, namespace, { labelSelector: `kw.dev/shard-ring=${ring}` });
      expect(leases.items.map((l) => l.metadata?.name)).not.toContain(`${ring}-b`);
    } finally {
      for (const m of group) m.child.kill('SIGKILL');
      await Promise.all(group.map((m) => m.exited));
    }
  }, 300_000);
}

describe.skipIf(!built)('sharded replicas as processes (needs pnpm build)', () => {
  beforeAll(async () => {
    const started = Date.now();
    await load(createClient({ kubeConfig: adminKubeConfig(), qps: Number.POSITIVE_INFINITY }), shared.name);
    console.log(
      JSON.stringify({ test: 'sharded-replicas', phase: 'load', objects: OBJECTS, loadMs: Date.now() - started }),
    );
  }, 300_000);

  // Before useNamespace deletes the namespace: its one DELETE of everything is too big here.
  afterAll(async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const batches = Array.from({ length: Math.ceil(OBJECTS / BATCH) }, (_, b) => b);
    await pool(batches, 4, (b) =>
      core.deleteCollectionNamespacedConfigMap({ namespace: shared.name, labelSelector: `batch=${b}` }),
    );
  }, 300_000);

  describe.skipIf(!withGate)('with the ShardedListAndWatch gate (a second apiserver on the same etcd)', () => {
    suite(
      'gate on',
      'server',
      'gated',
      0,
      () => gated.kubeConfig(),
      () => gated.adminKubeconfigPath,
    );
  });

  describe('without the gate', () => {
    suite(
      'gate off',
      'client',
      'ungated',
      4,
      () => adminKubeConfig(),
      () => kubeEnv().adminKubeconfigPath,
    );
  });
});
