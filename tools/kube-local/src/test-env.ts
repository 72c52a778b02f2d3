import type { ClusterState } from './state.ts';

/**
 * What the vitest global setup hands to test files (JSON-serializable): how to reach
 * the cluster the e2e tests run against.
 */
export interface KubeTestEnv {
  /** https URL of the apiserver. */
  server: string;
  /** kubeconfig of an identity allowed to do everything. */
  adminKubeconfigPath: string;
  /** kubeconfig of an identity without RBAC grants (403 on list), or null if none is known. */
  restrictedKubeconfigPath: string | null;
  /** CA of the apiserver serving certificate, or null when the kubeconfig embeds it / is external. */
  caPath: string | null;
  /** Admin bearer token, or null when the admin kubeconfig uses another method. */
  adminToken: string | null;
  /** Restricted bearer token, or null. */
  restrictedToken: string | null;
  /** True for a kube-local cluster: fault controls (restart, compaction, outage) work. */
  managed: boolean;
  /** True when this test run started the cluster and its teardown stops it. */
  startedByThisRun: boolean;
  /** kube-local run folder of the cluster (where its state.json is), or null if external. */
  runDir: string | null;
}

/** The {@link KubeTestEnv} of a kube-local cluster. */
export function testEnvOf(state: ClusterState, startedByThisRun: boolean): KubeTestEnv {
  return {
    server: state.server,
    adminKubeconfigPath: state.adminKubeconfigPath,
    restrictedKubeconfigPath: state.restrictedKubeconfigPath,
    caPath: state.caPath,
    adminToken: state.adminToken,
    restrictedToken: state.restrictedToken,
    managed: true,
    startedByThisRun,
    runDir: state.runDir,
  };
}

declare module 'vitest' {
  interface ProvidedContext {
    /** Cluster under test, set by @kw/kube-local/vitest-global-setup. */
    kube: KubeTestEnv;
  }
}
