/**
 * The sharding benchmark (issue 17): on a kube-local control plane started with
 * `ShardedListAndWatch=true` (its own run folder), one unsharded watcher vs each of 3
 * server-sharded replicas vs 3 client-filtered replicas (the client strips `shardSelector`, so the
 * server sends everything as one without the gate would). Per replica: sync time, peak RSS, bytes
 * received, CPU. Writes bench/results/sharding-<size>.json and sharding.md.
 *
 *   pnpm build && pnpm bench:e2e:sharding --size 30000
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './cluster.ts';
import { kindByName, namespaceFor } from './kinds.ts';
import { endpointFrom } from './kube.ts';
import { loadKind } from './load.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '30000' },
    'node-flags': { type: 'string', default: '' },
    'cluster-down': { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
/** Extra flags for every contender process, e.g. `--max-semi-space-size=16` (V8's young generation). */
const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

process.env.KW_KUBE_LOCAL_RUN_DIR ??= join(REPO_ROOT, '.cache', 'bench-e2e', 'shard-run');
const kl = await import('../../kube-local/src/cluster.ts');
const { state } = await kl.up({ log, keepData: true, featureGates: 'ShardedListAndWatch=true' });
const kind = kindByName('configmaps');
await loadKind(await endpointFrom(state.adminKubeconfigPath), kind, size, { log });
const namespace = namespaceFor(kind.name, size);

interface Run {
  name: string;
  shard: string | undefined;
  filter: 'server' | 'client' | undefined;
  result: Record<string, unknown>;
}

/** One contender process; resolves its result line. */
function runOne(shard: string | undefined, filter: 'server' | 'client' | undefined): Promise<Record<string, unknown>> {
  const env = { ...process.env };
  delete env.KW_BENCH_SHARD;
  delete env.KW_BENCH_SHARD_FILTER;
  if (shard !== undefined) env.KW_BENCH_SHARD = shard;
  if (filter !== undefined) env.KW_BENCH_SHARD_FILTER = filter;
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...nodeFlags,
      join(REPO_ROOT, 'tools/bench-e2e/src/contenders/kw-shard.ts'),
      '--kubeconfig',
      state.adminKubeconfigPath,
      '--namespace',
      namespace,
      '--expect',
      String(size),
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve) =>
    child.once('exit', () => resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>)),
  );
}

const plan: Array<Omit<Run, 'result'>> = [
  { name: 'unsharded', shard: undefined, filter: undefined },
  ...[0, 1, 2].map((i) => ({ name: `server ${i}/3`, shard: `${i}/3`, filter: 'server' as const })),
  ...[0, 1, 2].map((i) => ({ name: `client ${i}/3`, shard: `${i}/3`, filter: 'client' as const })),
];
const runs: Run[] = [];
for (const step of plan) {
  log(`sharding bench: ${step.name}`);
  runs.push({ ...step, result: await runOne(step.shard, step.filter) });
}

const figures = runs.map((run) => {
  const sync = run.result.sync as Record<string, number> | undefined;
  const notes = run.result.notes as { bytesReceived?: number; shard?: { filtering?: string } } | undefined;
  return {
    name: run.name,
    objects: sync?.count ?? Number.NaN,
    syncSeconds: sync?.syncSeconds ?? Number.NaN,
    peakRssMb: sync?.peakRssMb ?? Number.NaN,
    startRssMb: sync?.startRssMb ?? Number.NaN,
    bytesMb: (notes?.bytesReceived ?? Number.NaN) / 1024 / 1024,
    cpuSeconds: sync?.cpuSeconds ?? Number.NaN,
    heapAfterGcMb: sync?.heapAfterGcMb ?? Number.NaN,
    filtering: notes?.shard?.filtering ?? '-',
    error: run.result.error,
  };
});
const base = figures[0];
const ratio = (a: number, b: number | undefined): string => (b === undefined ? '' : `${(a / b).toFixed(2)}×`);
const lines = [
  '# Sharding benchmark',
  '',
  `${size.toLocaleString('en')} ConfigMaps (~2.9 KB each) in one namespace, kube-apiserver v1.37.2 with`,
  '`ShardedListAndWatch=true` on kube-local; each replica a fresh Node process running `Watcher` +',
  '`MemoryStore` (defaults). Client-filtered replicas strip `shardSelector` from',
  'their requests, so the server sends everything, as one without the gate. One run each, one after',
  `another, on a 2-core machine (${new Date().toISOString().slice(0, 16)}Z). Bytes: \`rchar\` of /proc/self/io during sync.`,
  `Node flags: ${nodeFlags.length === 0 ? 'none (V8 defaults)' : nodeFlags.map((f) => `\`${f}\``).join(' ')}.`,
  '',
  '| replica | filtering | objects | sync s | peak RSS MB | heap after GC MB | bytes MB | CPU s | RSS vs unsharded | RSS above start vs unsharded | bytes vs unsharded |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...figures.map(
    (f) =>
      `| ${f.name} | ${f.filtering} | ${f.objects} | ${f.syncSeconds.toFixed(1)} | ${f.peakRssMb.toFixed(0)} | ${f.heapAfterGcMb.toFixed(0)} | ${f.bytesMb.toFixed(1)} | ${f.cpuSeconds.toFixed(1)} | ${ratio(f.peakRssMb, base?.peakRssMb)} | ${ratio(f.peakRssMb - f.startRssMb, base === undefined ? undefined : base.peakRssMb - base.startRssMb)} | ${ratio(f.bytesMb, base?.bytesMb)} |`,
  ),
  '',
  'Target for server-side shards: each ≤ 0.4× the unsharded peak RSS and bytes received. Peak RSS',
  `includes the process's fixed cost (start RSS ~${(base?.startRssMb ?? Number.NaN).toFixed(0)} MB: Node, type stripping of the contender, kw).`,
  ...figures.filter((f) => f.error !== undefined).map((f) => `- ${f.name} failed: ${String(f.error)}`),
  '',
];
const dir = join(REPO_ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const suffix =
  nodeFlags.length === 0
    ? ''
    : `-${nodeFlags
        .join('')
        .replace(/[^a-z0-9]+/gi, '-')
        .replace(/^-|-$/g, '')}`;
writeFileSync(join(dir, `sharding-${size}${suffix}.json`), `${JSON.stringify({ size, nodeFlags, runs }, null, 2)}\n`);
writeFileSync(join(dir, `sharding-${size}${suffix}.md`), lines.join('\n'));
process.stdout.write(lines.join('\n'));
if (values['cluster-down']) await kl.down({ log });
