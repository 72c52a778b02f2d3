import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Binaries } from './build.ts';
import { statePath } from './paths.ts';

/** One control-plane process as recorded in state.json. */
export interface ProcessState {
  /** Process id (also its process-group id). */
  pid: number;
  /** Full argv, argv[0] being the binary; restarts reuse it verbatim. */
  argv: string[];
  /** File receiving stdout and stderr. */
  logPath: string;
}

/** Who started a cluster; see {@link ClusterState.owner}. */
export type ClusterOwner = 'cli' | 'test-run';

/** Everything another process needs to use or control a running kube-local cluster. */
export interface ClusterState {
  /** Format version of this file. */
  stateVersion: 1;
  /** kube-apiserver version, e.g. v1.37.2. */
  k8sVersion: string;
  /** etcd version, e.g. v3.7.0. */
  etcdVersion: string;
  /** Run folder holding everything below. */
  runDir: string;
  /** https URL of the apiserver. */
  server: string;
  /** Secure port of the apiserver on 127.0.0.1. */
  apiserverPort: number;
  /** etcd client URL (plain http on 127.0.0.1; also serves the v3 JSON gateway). */
  etcdClientUrl: string;
  /** etcd client port. */
  etcdClientPort: number;
  /** etcd peer port. */
  etcdPeerPort: number;
  /** CA that signed the apiserver serving certificate. */
  caPath: string;
  /** Bearer token of the admin identity (group system:masters). */
  adminToken: string;
  /** Bearer token of the restricted identity (no RBAC grants). */
  restrictedToken: string;
  /** kubeconfig of the admin identity. */
  adminKubeconfigPath: string;
  /** kubeconfig of the restricted identity. */
  restrictedKubeconfigPath: string;
  /** Binaries in use. */
  binaries: Binaries;
  /** etcd process. */
  etcd: ProcessState;
  /** kube-apiserver process; pid is 0 while stopped by stopApiserver(). */
  apiserver: ProcessState;
  /** ISO time the cluster was started. */
  startedAt: string;
  /**
   * Who started it: 'cli' clusters stay up until `down`; 'test-run' clusters are stopped
   * by the teardown of the last test run using them.
   */
  owner: ClusterOwner;
  /** kube-apiserver `--feature-gates` value it was started with (`''` or absent: none). */
  featureGates?: string;
}

/** Reads state.json, or returns undefined when there is none. */
export async function readState(path = statePath()): Promise<ClusterState | undefined> {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(await readFile(path, 'utf8')) as ClusterState;
  if (parsed.stateVersion !== 1)
    throw new Error(`kube-local: ${path} has unknown stateVersion; run 'down' and 'up' again`);
  return parsed;
}

/** Writes state.json atomically (temporary file + rename), so readers never see half a file. */
export async function writeState(state: ClusterState, path = statePath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** Deletes state.json if present. */
export async function removeState(path = statePath()): Promise<void> {
  await rm(path, { force: true });
}
