/**
 * Contender kw-shard: `Watcher` + `MemoryStore` as kw-memory, holding shard `KW_BENCH_SHARD`
 * (`i/n`; unset: everything). `KW_BENCH_SHARD_FILTER=client` makes the client drop `shardSelector`
 * from its requests, so the server sends everything, exactly as a server without
 * `ShardedListAndWatch`, and the watcher filters. Notes carry the bytes the process read during
 * sync (`rchar` of /proc/self/io: sockets, as modules are loaded before) and `status().shard`.
 * Run: KW_BENCH_SHARD=0/3 node --expose-gc kw-shard.ts --kubeconfig P --namespace NS --expect N
 */
import { readFileSync } from 'node:fs';
import { kindByName } from '../kinds.ts';
import { createClient, Indexer, type KubeObject, MemoryStore, Watcher } from '../kw.ts';
import { contenderArgs, runContender } from '../measure.ts';

/** Bytes read by this process so far (`rchar`), or NaN off Linux. */
function bytesRead(): number {
  try {
    const match = /^rchar:\s*(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

const args = contenderArgs();
const shardText = process.env.KW_BENCH_SHARD;
const clientFilter = process.env.KW_BENCH_SHARD_FILTER === 'client';
const [index, count] = (shardText ?? '').split('/').map(Number);

await runContender(
  `kw-shard${shardText === undefined ? '' : `-${clientFilter ? 'client' : 'server'}`}`,
  args,
  async () => {
    const kind = kindByName(args.kind);
    const gvr = { group: kind.group, version: kind.version, resource: kind.resource };
    const client = createClient({ kubeconfigPath: args.kubeconfig });
    const api = clientFilter
      ? {
          identity: client.identity,
          resolve: client.resolve.bind(client),
          get: client.get.bind(client),
          list: ((resource, namespace, { shardSelector: _s, ...options } = {}) =>
            client.list(resource, namespace, options)) as typeof client.list,
          watch: ((resource, namespace, { shardSelector: _s, ...options } = {}) =>
            client.watch(resource, namespace, options)) as typeof client.watch,
        }
      : client;
    const store = new MemoryStore<KubeObject>();
    const watcher = new Watcher<KubeObject>({
      api,
      resource: gvr,
      namespace: args.namespace,
      keys: new Indexer({ indexBy: ['metadata.namespace', 'metadata.name'] }),
      store,
      onChange: () => {},
      ...(shardText === undefined ? {} : { shard: { index: index ?? 0, count: count ?? 1 } }),
    });
    const read0 = bytesRead();
    let bytes = Number.NaN;
    return {
      async sync() {
        await watcher.waitForSync();
        bytes = bytesRead() - read0;
        return store.size();
      },
      notes() {
        const st = watcher.status();
        return { bytesReceived: bytes, shard: st.shard, lists: st.lists, errors: st.errors };
      },
      async stop() {
        await watcher.stop();
        client.close();
      },
    };
  },
);
