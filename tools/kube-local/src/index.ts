/**
 * @kw/kube-local: a real kube-apiserver + etcd on loopback for kw's e2e tests and demo.
 * Test-file helpers that need vitest live in ./e2e.ts; the vitest global setup in
 * ./vitest-global-setup.ts.
 */
export { type Binaries, type BuildOptions, binaryPaths, ensureBinaries } from './build.ts';
export {
  type ClusterStatus,
  compactEtcd,
  type DownResult,
  down,
  type Logger,
  releaseCluster,
  requireState,
  restartApiserver,
  type StartOptions,
  startApiserver,
  status,
  stopApiserver,
  type UpOptions,
  type UpResult,
  up,
} from './cluster.ts';
export { compactEtcdAt, etcdRevision } from './etcd.ts';
export { FaultProxy, type FaultProxyOptions, type FaultProxyStats } from './fault-proxy.ts';
export { apiserverReady, httpsGet } from './health.ts';
export {
  HttpFaultProxy,
  type HttpFaultProxyOptions,
  type HttpFaultProxyStats,
  type HttpLogEntry,
  type ThrottleOptions,
} from './http-fault-proxy.ts';
export { kubeconfigFor, writeKubeconfig } from './kubeconfig.ts';
export { binDir, cacheDir, runDir, statePath } from './paths.ts';
export { ADMIN_USER, RESTRICTED_USER } from './pki.ts';
export { type ClusterState, type ProcessState, readState } from './state.ts';
export type { KubeTestEnv } from './test-env.ts';
export { BIN_TAG, ETCD_VERSION, K8S_VERSION } from './versions.ts';
