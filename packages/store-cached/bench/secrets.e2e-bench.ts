/**
 * Memory, network and lookup latency of MemoryStore vs CachedStore (full and metadata-only
 * watch) over 2,000 Secrets of ~50 KB, against a real control plane. Not a test: a node script.
 *
 *   pnpm run build   # the script imports the built @kw/* packages
 *   node --expose-gc packages/store-cached/bench/secrets.e2e-bench.ts
 *
 * Cluster: `KW_E2E_KUBECONFIG` if set, else kube-local (a healthy one is reused, otherwise one is
 * started and stopped again). Each scenario runs in its own child process, so heaps do not mix.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { createClient, createFetcher } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { down, up } from '@kw/kube-local';
import { CachedStore } from '@kw/store-cached';
import { MemoryStore } from '@kw/store-memory';
import type { ObjectFetcher, Store } from '@kw/types';
import { Watcher } from '@kw/watcher';

const COUNT = 2000;
const GROUPS = 20;
const PAYLOAD_BYTES = 37_500; // 50 000 base64 characters
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const SCENARIOS = ['MemoryStore', 'CachedStore', 'CachedStore, metadata-only watch'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Result {
  scenario: Scenario;
  syncMs: number;
  heapAfterSyncMB: number;
  syncReceivedMB: number;
  hitP50us: number;
  hitP99us: number;
  missP50ms: number | undefined;
  missP99ms: number | undefined;
  lookupsReceivedMB: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const heapMB = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** HTTP bytes (headers and bodies, after TLS) read by every socket this process opened. */
function countReceivedBytes(): () => number {
  const sockets = new Set<Socket>();
  subscribe('net.client.socket', (message) => {
    sockets.add((message as { socket: Socket }).socket);
  });
  return () => [...sockets].reduce((sum, s) => sum + s.bytesRead, 0);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const nameOf = (i: number) => `s-${String(i).padStart(4, '0')}`;

async function runScenario(scenario: Scenario, namespace: string, kubeconfigPath: string): Promise<Result> {
  const received = countReceivedBytes();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const client = createClient({ kubeConfig, qps: Number.POSITIVE_INFINITY });
  const secrets = await client.resolve(SECRETS);
  const fetch: ObjectFetcher<V1Secret> = createFetcher<V1Secret>(client, secrets);
  const indexer = new Indexer<V1Secret>({
    indexBy: ['metadata.labels.group', 'metadata.name'],
    ignoreFields: ['metadata.managedFields'],
  });
  const metadataOnly = scenario === 'CachedStore, metadata-only watch';
  const store: Store<V1Secret> =
    scenario === 'MemoryStore'
      ? new MemoryStore<V1Secret>()
      : new CachedStore<V1Secret>({ fetch, filterFields: (o) => indexer.filterFields(o) });
  const baseline = heapMB();
  const bytesBefore = received();
  const started = performance.now();
  const watcher = new Watcher<V1Secret>({
    api: client,
    resource: SECRETS,
    namespace,
    keys: indexer,
    store,
    metadataOnly,
    onChange: () => {},
  });
  watcher.start();
  await watcher.waitForSync();
  const syncMs = performance.now() - started;
  const syncReceived = received() - bytesBefore;
  const heapAfterSyncMB = heapMB() - baseline;
  if ((await store.size()) !== COUNT) throw new Error(`store holds ${await store.size()} objects, expected ${COUNT}`);

  const lookupsBefore = received();
  // Misses: 200 distinct objects read once each (CachedStore only: MemoryStore never misses).
  const missMs: number[] = [];
  if (scenario !== 'MemoryStore') {
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const [obj] = await store.get([`g${i % GROUPS}`, nameOf(i)]);
      missMs.push(performance.now() - t);
      if (obj?.data?.payload === undefined) throw new Error(`${nameOf(i)} came back without its body`);
    }
  }
  // Hits: the same 200 objects, 50 rounds.
  const hitUs: number[] = [];
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await store.get([`g${i % GROUPS}`, nameOf(i)]);
      hitUs.push((performance.now() - t) * 1000);
    }
  }
  await watcher.stop();
  hitUs.sort((a, b) => a - b);
  missMs.sort((a, b) => a - b);
  return {
    scenario,
    syncMs: round(syncMs, 0),
    heapAfterSyncMB: round(heapAfterSyncMB),
    syncReceivedMB: round(syncReceived / 2 ** 20),
    hitP50us: round(percentile(hitUs, 0.5), 2),
    hitP99us: round(percentile(hitUs, 0.99), 2),
    missP50ms: missMs.length ? round(percentile(missMs, 0.5), 2) : undefined,
    missP99ms: missMs.length ? round(percentile(missMs, 0.99), 2) : undefined,
    lookupsReceivedMB: round((received() - lookupsBefore) / 2 ** 20, 2),
  };
}

async function main(): Promise<void> {
  const [mode, scenario, childNamespace, kubeconfigPath] = process.argv.slice(2);
  if (mode === '--child') {
    const result = await runScenario(scenario as Scenario, childNamespace!, kubeconfigPath!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  }

  const external = process.env.KW_E2E_KUBECONFIG;
  const cluster = external ? undefined : await up();
  const adminPath = external || cluster!.state.adminKubeconfigPath;
  const kc = new KubeConfig();
  kc.loadFromFile(adminPath);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `kw-bench-secrets-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    process.stderr.write(`creating ${COUNT} Secrets of ~50 KB in ${namespace}...\n`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < COUNT) {
          const i = next++;
          const body: V1Secret = {
            metadata: { name: nameOf(i), labels: { group: `g${i % GROUPS}` } },
            data: { payload: randomBytes(PAYLOAD_BYTES).toString('base64') },
          };
          await core.createNamespacedSecret({ namespace, body });
        }
      }),
    );
    const results: Result[] = [];
    for (const s of SCENARIOS) {
      process.stderr.write(`${s}...\n`);
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, import.meta.filename, '--child', s, namespace, adminPath],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 2 ** 20 },
      );
      results.push(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
    }
    const ms = (n: number | undefined) => (n === undefined ? '—' : String(n));
    console.log(`\n${COUNT} Secrets × ~50 KB, node ${process.version}\n`);
    console.log(
      '| store | heap after sync (MB) | received during sync (MB) | sync (ms) | hit p50 / p99 (µs) | miss p50 / p99 (ms) | received by 200 misses (MB) |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.scenario} | ${r.heapAfterSyncMB} | ${r.syncReceivedMB} | ${r.syncMs} | ${r.hitP50us} / ${r.hitP99us} | ${ms(r.missP50ms)} / ${ms(r.missP99ms)} | ${r.lookupsReceivedMB} |`,
      );
    }
  } finally {
    await core.deleteCollectionNamespacedSecret({ namespace }).catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await core
      .replaceNamespaceFinalize({ name: namespace, body: { metadata: { name: namespace }, spec: { finalizers: [] } } })
      .catch(() => undefined);
    if (cluster?.started) await down();
  }
}

await main();
