/**
 * One sharded replica for the e2e test: a `Watcher` into a `MemoryStore` whose range follows a
 * `ShardRing`, run as `node watch-member.ts <kubeconfig> <namespace> <ring> <identity> <leaseMs> <retryMs>`
 * after `pnpm build` (it imports the built packages by name). Watches the namespace's ConfigMaps
 * labelled `suite=sharded-replicas`. Prints JSON lines: `ready`, `range` on every ring change, for
 * each `count` line on stdin `count` (synced, filtering, number of stored objects: cheap to poll),
 * and for each `dump` line `dump` with the same plus `[name, resourceVersion]` of every stored object. SIGTERM stops gracefully (the Lease is deleted); SIGKILL leaves it to expire.
 */
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import { ShardRing } from '@kw/shard-ring';
import { MemoryStore } from '@kw/store-memory';
import { Watcher } from '@kw/watcher';

const [kubeconfigPath, namespace, name, identity, leaseMs, retryMs] = process.argv.slice(2);
if (retryMs === undefined || kubeconfigPath === undefined || namespace === undefined || name === undefined) {
  console.error('usage: node watch-member.ts <kubeconfig> <namespace> <ring> <identity> <leaseMs> <retryMs>');
  process.exit(2);
}
const emit = (event: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, identity, t: Date.now(), ...extra })}\n`);
};
const log = (message: string, fields?: Record<string, unknown>): void => {
  const error = fields?.error;
  emit('log', { message, error: error instanceof Error ? error.message : error });
};
const logger = { debug() {}, info() {}, warn: log, error: log };

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const client = createClient({ kubeConfig, qps: Number.POSITIVE_INFINITY });
const store = new MemoryStore();
let watcher: Watcher | undefined;

const ring = new ShardRing({
  name,
  namespace,
  ...(identity === undefined ? {} : { identity }),
  client,
  leaseDurationMs: Number(leaseMs),
  retryPeriodMs: Number(retryMs),
  logger,
  onChange: (range, members) => {
    emit('range', { range: range ?? null, members });
    if (range === undefined) return;
    if (watcher === undefined) {
      watcher = new Watcher({
        api: client,
        resource: { group: '', version: 'v1', resource: 'configmaps' },
        namespace,
        labelSelector: 'suite=sharded-replicas',
        keys: new Indexer({ indexBy: ['metadata.name'], ignoreFields: ['metadata.managedFields'] }),
        store,
        debounceMs: 50,
        shard: range,
        logger,
        onChange: () => {},
      });
      watcher.start();
    } else {
      watcher.setShard(range);
    }
  },
});
ring.start();
emit('ready');

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  if (command !== 'dump' && command !== 'count') return;
  const status = watcher?.status();
  emit(command, {
    synced: status?.synced ?? false,
    phase: status?.phase,
    shard: status?.shard ?? null,
    count: store.sizeSync(),
    ...(command === 'dump'
      ? { objects: store.listSync().map((o) => [o.metadata?.name, o.metadata?.resourceVersion]) }
      : {}),
  });
});

process.once('SIGTERM', () => {
  void Promise.all([ring.stop(), watcher?.stop()]).then(() => {
    emit('exit');
    process.exit(0);
  });
});
