import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';
import { releaseCluster, status, up } from './cluster.ts';
import { reapExtraApiservers } from './extra-apiserver.ts';
import { cacheDir, runDir } from './paths.ts';
import { isRunning, stopProcess } from './processes.ts';
import { readState } from './state.ts';
import { type KubeTestEnv, testEnvOf } from './test-env.ts';

const PRIVATE_PREFIX = 'run-vitest-';

function fromKubeconfig(adminPath: string, restrictedPath: string | undefined): KubeTestEnv {
  const kc = new KubeConfig();
  kc.loadFromFile(adminPath);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`kube-local: KW_E2E_KUBECONFIG=${adminPath} has no current cluster`);
  const tokenOf = (config: KubeConfig): string | null => config.getCurrentUser()?.token ?? null;
  let restrictedToken: string | null = null;
  if (restrictedPath !== undefined) {
    const rkc = new KubeConfig();
    rkc.loadFromFile(restrictedPath);
    restrictedToken = tokenOf(rkc);
  }
  return {
    server: cluster.server,
    adminKubeconfigPath: adminPath,
    restrictedKubeconfigPath: restrictedPath ?? null,
    caPath: cluster.caFile ?? null,
    adminToken: tokenOf(kc),
    restrictedToken,
    managed: false,
    startedByThisRun: false,
    runDir: null,
  };
}

/**
 * Run folder names whose only remains are a lock folder (the run died before creating the folder).
 * Private folders are `run-vitest-<pid>` (the run's cluster) and `run-vitest-<pid>-<label>`
 * (extra clusters a test file started, see `usePrivateCluster`).
 */
function orphanLocks(names: string[]): string[] {
  return names
    .filter((n) => n.startsWith(PRIVATE_PREFIX) && n.endsWith('.lock') && !names.includes(n.slice(0, -5)))
    .map((n) => n.slice(0, -5));
}

/** Stops clusters left behind by test runs that died before their teardown, and removes their folders. */
async function reapAbandonedRuns(log: (line: string) => void): Promise<void> {
  const root = join(cacheDir(), 'kube-local');
  let names: string[] = [];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  for (const name of [...names, ...orphanLocks(names)]) {
    const match = /^run-vitest-(\d+)(-[a-z0-9-]+)?$/.exec(name);
    if (match === null || isRunning(Number(match[1]))) continue;
    const dir = join(root, name);
    await reapExtraApiservers(dir, log);
    const state = await readState(join(dir, 'state.json')).catch(() => undefined);
    for (const proc of state !== undefined ? [state.apiserver, state.etcd] : []) {
      if (proc.pid > 0) await stopProcess(proc.pid, proc.argv[0], 5_000);
    }
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.lock`, { recursive: true, force: true });
    log(`kube-local: removed the cluster of an abandoned test run (${dir})`);
  }
}

/**
 * Vitest globalSetup. Provides `inject('kube')` ({@link KubeTestEnv}) to test files:
 * - `KW_E2E_KUBECONFIG` set: use that cluster (restricted identity from
 *   `KW_E2E_RESTRICTED_KUBECONFIG`); fault controls are unavailable (`managed: false`).
 * - else, if the cluster of state.json (`pnpm cluster:up`, or `$KW_KUBE_LOCAL_RUN_DIR`) is
 *   up and healthy: reuse it and leave it running.
 * - else start a cluster private to this run (its own folder and ports, so parallel runs
 *   and their fault injection never collide), building the binaries on first use, and
 *   stop and delete it in teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const external = process.env.KW_E2E_KUBECONFIG;
  if (external !== undefined && external !== '') {
    const restricted = process.env.KW_E2E_RESTRICTED_KUBECONFIG;
    project.provide('kube', fromKubeconfig(external, restricted === '' ? undefined : restricted));
    return async () => {};
  }
  await reapAbandonedRuns(log);
  const explicitDir = process.env.KW_KUBE_LOCAL_RUN_DIR;
  const shared = await status();
  if (shared.healthy || (explicitDir !== undefined && explicitDir !== '')) {
    // Reuse (or, for an explicit run dir, start) and register this run as a user atomically,
    // so another run's teardown cannot stop it underneath.
    const { state, started } = await up({ log, owner: 'test-run', retain: true });
    if (!started) log(`kube-local: reusing the running cluster at ${state.server}`);
    await reapExtraApiservers(state.runDir, log);
    project.provide('kube', testEnvOf(state, started));
    return async () => {
      await reapExtraApiservers(state.runDir, log);
      await releaseCluster({ log });
    };
  }
  const privateDir = join(cacheDir(), 'kube-local', `${PRIVATE_PREFIX}${process.pid}`);
  process.env.KW_KUBE_LOCAL_RUN_DIR = privateDir; // fault controls in this process and its workers target it
  try {
    const { state } = await up({ log, owner: 'test-run', retain: true });
    project.provide('kube', testEnvOf(state, true));
  } catch (error) {
    await releaseCluster({ log }).catch(() => false);
    await rm(privateDir, { recursive: true, force: true });
    throw error;
  }
  return async () => {
    await reapExtraApiservers(privateDir, log);
    await releaseCluster({ log });
    if (runDir() === privateDir) await rm(privateDir, { recursive: true, force: true });
  };
}
