/**
 * Loader: makes namespace `kwb-<kind>-<count>` hold exactly objects 0..count-1 of a kind,
 * idempotently (creates the missing ones, deletes extras), over HTTP/2 with bounded concurrency.
 *
 *   node tools/bench-e2e/src/load.ts [--kinds configmaps,pods,endpointslices] [--sizes 10000,50000,100000]
 *                                    [--million] [--concurrency 48]
 */
import { parseArgs } from 'node:util';
import { compactAndDefrag, ensureCluster, etcdStatus } from './cluster.ts';
import { type BenchKind, indexOf, kindByName, namespaceFor, small } from './kinds.ts';
import { type Endpoint, endpointFrom, H2, HttpError } from './kube.ts';

const META_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** What one load did. */
export interface LoadReport {
  kind: string;
  namespace: string;
  target: number;
  existing: number;
  created: number;
  deleted: number;
  seconds: number;
  /** Objects written per second (creates + deletes). */
  rate: number;
}

/** Creates the namespace when missing. */
export async function ensureNamespace(h2: H2, ns: string): Promise<void> {
  try {
    await h2.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  } catch (err) {
    if (!(err instanceof HttpError && err.status === 409)) throw err;
  }
}

/** Names of the objects in a collection (metadata-only paginated list). */
export async function listNames(h2: H2, path: string): Promise<string[]> {
  const names: string[] = [];
  let cont: string | undefined;
  do {
    const q = new URLSearchParams({ limit: '5000' });
    if (cont !== undefined) q.set('continue', cont);
    const { body } = await h2.request('GET', `${path}?${q}`, undefined, undefined, META_LIST);
    const list = body as { items: { metadata: { name: string } }[] | null; metadata: { continue?: string } };
    for (const it of list.items ?? []) names.push(it.metadata.name);
    cont = list.metadata.continue || undefined;
  } while (cont !== undefined);
  return names;
}

/** Runs `task` for each item with at most `concurrency` in flight. */
async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Creates object `i` (and its status, for kinds that have one); an existing object counts as done. */
async function createOne(h2: H2, kind: BenchKind, ns: string, i: number): Promise<void> {
  const path = kind.collectionPath(ns);
  try {
    await h2.request('POST', `${path}?fieldManager=${encodeURIComponent(kind.createManager)}`, kind.body(i, ns));
  } catch (err) {
    if (!(err instanceof HttpError && err.status === 409)) throw err;
  }
  if (kind.status !== undefined) {
    const { manager, patch } = kind.status(i, ns);
    await h2.request(
      'PATCH',
      `${path}/${kind.objectName(i)}/status?fieldManager=${encodeURIComponent(manager)}`,
      patch,
      'application/strategic-merge-patch+json',
    );
  }
}

/** Makes `kwb-<kind>-<target>` hold exactly objects 0..target-1. */
export async function loadKind(
  ep: Endpoint,
  kind: BenchKind,
  target: number,
  options: { concurrency?: number; log?: (line: string) => void } = {},
): Promise<LoadReport> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const concurrency = options.concurrency ?? 48;
  const ns = namespaceFor(kind.name, target);
  const h2 = new H2(ep, concurrency);
  const started = performance.now();
  try {
    await ensureNamespace(h2, ns);
    const path = kind.collectionPath(ns);
    const names = await listNames(h2, path);
    const have = new Set<number>();
    const extra: string[] = [];
    for (const n of names) {
      const i = indexOf(n);
      if (i >= 0 && i < target && n === kind.objectName(i)) have.add(i);
      else extra.push(n);
    }
    const missing: number[] = [];
    for (let i = 0; i < target; i++) if (!have.has(i)) missing.push(i);
    log(`load ${ns}: ${have.size} present, ${missing.length} to create, ${extra.length} to delete`);
    let done = 0;
    const total = missing.length + extra.length;
    let lastT = performance.now();
    let lastDone = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const rate = ((done - lastDone) * 1000) / (now - lastT);
      const avg = (done * 1000) / (now - started);
      const eta = avg > 0 ? (total - done) / avg : Number.NaN;
      log(`load ${ns}: ${done}/${total} (${rate.toFixed(0)}/s now, ${avg.toFixed(0)}/s avg, eta ${eta.toFixed(0)} s)`);
      lastT = now;
      lastDone = done;
    }, 5000);
    try {
      await pool(missing, concurrency, async (i) => {
        await createOne(h2, kind, ns, i);
        done++;
      });
      await pool(extra, concurrency, async (name) => {
        try {
          await h2.request('DELETE', `${path}/${name}`);
        } catch (err) {
          if (!(err instanceof HttpError && err.status === 404)) throw err;
        }
        done++;
      });
    } finally {
      clearInterval(timer);
    }
    const seconds = (performance.now() - started) / 1000;
    const report = {
      kind: kind.name,
      namespace: ns,
      target,
      existing: have.size,
      created: missing.length,
      deleted: extra.length,
      seconds,
      rate: total / seconds,
    };
    if (total > 0) log(`load ${ns}: done in ${seconds.toFixed(1)} s (${report.rate.toFixed(0)} objects/s)`);
    return report;
  } finally {
    h2.close();
  }
}

/** Size in bytes of one object as the server returns it (GET, JSON). */
export async function sampleObjectBytes(ep: Endpoint, kind: BenchKind, ns: string): Promise<number> {
  const h2 = new H2(ep, 1);
  try {
    const { body } = await h2.request('GET', `${kind.collectionPath(ns)}/${kind.objectName(0)}`);
    return JSON.stringify(body).length;
  } finally {
    h2.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string', default: 'configmaps' },
      sizes: { type: 'string', default: '10000,50000,100000' },
      million: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '48' },
    },
  });
  const log = (l: string): void => {
    process.stderr.write(`${l}\n`);
  };
  const cluster = await ensureCluster(log);
  const ep = await endpointFrom(cluster.kubeconfigPath);
  const plan: [BenchKind, number][] = [];
  for (const k of values.kinds.split(',').filter(Boolean)) {
    for (const s of values.sizes.split(',').filter(Boolean)) plan.push([kindByName(k), Number(s)]);
  }
  if (values.million) plan.push([small, 1_000_000]);
  for (const [kind, size] of plan) {
    const r = await loadKind(ep, kind, size, { concurrency: Number(values.concurrency), log });
    const bytes = await sampleObjectBytes(ep, kind, r.namespace);
    console.log(JSON.stringify({ ...r, objectBytes: bytes }));
  }
  if (cluster.etcdClientUrl !== undefined) {
    await compactAndDefrag(cluster.etcdClientUrl, log);
    const s = await etcdStatus(cluster.etcdClientUrl);
    console.log(JSON.stringify({ etcdDbBytes: s.dbSize, etcdDbInUseBytes: s.dbSizeInUse, alarms: s.alarms }));
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
