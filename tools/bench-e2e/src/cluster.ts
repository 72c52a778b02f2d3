/**
 * The cluster the benchmark runs against: `KW_E2E_KUBECONFIG` when set, else a dedicated
 * kube-local control plane in its own run folder (separate from the e2e tests' cluster, so
 * loads of 100k objects and CPU-heavy runs never disturb them), started with a larger etcd quota.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the kw repository. */
export const REPO_ROOT: string = fileURLToPath(new URL('../../../', import.meta.url));

/** Default run folder of the benchmark's own kube-local cluster. */
export const BENCH_RUN_DIR: string = join(REPO_ROOT, '.cache', 'bench-e2e', 'run');

/** etcd backend quota of the bench cluster: 8 GiB (etcd's default 2 GiB does not hold the full load set). */
export const ETCD_QUOTA_BYTES = 8 * 1024 ** 3;

/** How to reach the benchmark cluster. */
export interface BenchCluster {
  kubeconfigPath: string;
  /** etcd client URL when the cluster is our kube-local one (for compaction and size). */
  etcdClientUrl: string | undefined;
  /** `kube-local` or `external`. */
  source: 'kube-local' | 'external';
}

/** Points kube-local at the bench run folder (unless the caller chose one) before it is imported. */
function configureKubeLocalEnv(): void {
  if (process.env.KW_KUBE_LOCAL_RUN_DIR === undefined || process.env.KW_KUBE_LOCAL_RUN_DIR === '') {
    process.env.KW_KUBE_LOCAL_RUN_DIR = BENCH_RUN_DIR;
  }
  // etcd reads ETCD_<FLAG> from its environment, which kube-local's spawn passes on.
  process.env.ETCD_QUOTA_BACKEND_BYTES ??= String(ETCD_QUOTA_BYTES);
}

/** Starts (or reuses) the bench cluster, or uses `KW_E2E_KUBECONFIG`. */
export async function ensureCluster(log: (line: string) => void): Promise<BenchCluster> {
  const external = process.env.KW_E2E_KUBECONFIG;
  if (external !== undefined && external !== '') {
    log(`bench-e2e: using the cluster of KW_E2E_KUBECONFIG=${external}`);
    return { kubeconfigPath: external, etcdClientUrl: undefined, source: 'external' };
  }
  configureKubeLocalEnv();
  const kl = await import('../../kube-local/src/cluster.ts');
  const { state, started } = await kl.up({ log, keepData: true });
  log(
    `bench-e2e: kube-local ${started ? 'started' : 'reused'} in ${process.env.KW_KUBE_LOCAL_RUN_DIR} (${state.server})`,
  );
  return { kubeconfigPath: state.adminKubeconfigPath, etcdClientUrl: state.etcdClientUrl, source: 'kube-local' };
}

/** Stops the bench cluster (kube-local only). */
export async function stopCluster(log: (line: string) => void): Promise<void> {
  if (process.env.KW_E2E_KUBECONFIG) return;
  configureKubeLocalEnv();
  const kl = await import('../../kube-local/src/cluster.ts');
  await kl.down({ log });
}

async function etcdCall<T>(url: string, path: string, body: unknown, timeoutMs = 120_000): Promise<T> {
  const res = await fetch(`${url}/v3/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** etcd database size (bytes allocated, bytes in use) and quota alarms. */
export async function etcdStatus(url: string): Promise<{ dbSize: number; dbSizeInUse: number; alarms: string[] }> {
  const s = await etcdCall<{ dbSize?: string; dbSizeInUse?: string }>(url, 'maintenance/status', {});
  const a = await etcdCall<{ alarms?: { alarm?: string }[] }>(url, 'maintenance/alarm', { action: 'GET' });
  return {
    dbSize: Number(s.dbSize ?? 0),
    dbSizeInUse: Number(s.dbSizeInUse ?? 0),
    alarms: (a.alarms ?? []).map((x) => x.alarm ?? '?'),
  };
}

/** Compacts etcd at its current revision and defragments it, so history from loads and churn does not accumulate. */
export async function compactAndDefrag(url: string, log: (line: string) => void): Promise<void> {
  const r = await etcdCall<{ header?: { revision?: string } }>(url, 'kv/range', {
    key: Buffer.from('/bench-e2e/probe').toString('base64'),
    count_only: true,
  });
  const revision = r.header?.revision;
  if (revision === undefined) return;
  try {
    await etcdCall(url, 'kv/compaction', { revision, physical: true });
  } catch (err) {
    if (!String(err).includes('compacted')) throw err; // nothing written since the last compaction
  }
  await etcdCall(url, 'maintenance/defragment', {}, 600_000);
  const s = await etcdStatus(url);
  log(
    `bench-e2e: etcd compacted at revision ${revision} and defragmented: db ${(s.dbSize / 1e6).toFixed(0)} MB (${(s.dbSizeInUse / 1e6).toFixed(0)} MB in use)${s.alarms.length > 0 ? ` ALARMS: ${s.alarms.join(',')}` : ''}`,
  );
}

/**
 * Sets the nice value of every thread of the bench cluster's etcd and kube-apiserver (kube-local
 * only): the loader runs them at 15 so other work on the machine keeps its share; runs measure at 0.
 */
export function reniceCluster(nice: number): void {
  if (process.env.KW_E2E_KUBECONFIG) return;
  configureKubeLocalEnv();
  let state: { etcd?: { pid?: number }; apiserver?: { pid?: number } };
  try {
    state = JSON.parse(readFileSync(join(process.env.KW_KUBE_LOCAL_RUN_DIR as string, 'state.json'), 'utf8'));
  } catch {
    return;
  }
  for (const pid of [state.etcd?.pid, state.apiserver?.pid]) {
    if (pid === undefined || pid <= 0) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), nice);
      } catch {
        // thread gone, or not permitted
      }
    }
  }
}
