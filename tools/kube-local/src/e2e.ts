import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import * as cluster from './cluster.ts';
import { type ExtraApiserver, startExtraApiserver } from './extra-apiserver.ts';
import { HttpFaultProxy } from './http-fault-proxy.ts';
import { createNamespace, deleteNamespace, uniqueNamespaceName } from './namespace.ts';
import { cacheDir } from './paths.ts';
import type { ClusterState } from './state.ts';
import { type KubeTestEnv, testEnvOf } from './test-env.ts';

export { FaultProxy, type FaultProxyOptions, type FaultProxyStats } from './fault-proxy.ts';
export {
  HttpFaultProxy,
  type HttpFaultProxyOptions,
  type HttpFaultProxyStats,
  type HttpLogEntry,
  type ThrottleOptions,
} from './http-fault-proxy.ts';
export { kubeconfigFor } from './kubeconfig.ts';
export { statusOf } from './namespace.ts';
export type { KubeTestEnv } from './test-env.ts';

/**
 * The cluster under test, as provided by the kube-local vitest global setup. Also points
 * this worker's fault controls (compactEtcd, restartApiserver, ...) at that cluster.
 */
export function kubeEnv(): KubeTestEnv {
  const env = inject('kube');
  if (env === undefined) {
    throw new Error(
      "kube-local: inject('kube') is empty; add '@kw/kube-local/vitest-global-setup' (tools/kube-local/src/vitest-global-setup.ts) to this vitest project's globalSetup",
    );
  }
  if (env.runDir !== null) process.env.KW_KUBE_LOCAL_RUN_DIR = env.runDir;
  return env;
}

/** Whether fault controls (restartApiserver, compactEtcd, stop/startApiserver) can be used. */
export function faultsAvailable(): boolean {
  return kubeEnv().managed;
}

function managed(what: string): void {
  if (!kubeEnv().managed) {
    throw new Error(
      `kube-local: ${what}() needs a kube-local cluster, but the tests run against KW_E2E_KUBECONFIG; guard the test with it.skipIf(!faultsAvailable())`,
    );
  }
}

/** Compacts etcd at its current revision (see cluster.compactEtcd); returns the revision. */
export async function compactEtcd(): Promise<number> {
  managed('compactEtcd');
  return cluster.compactEtcd();
}

/** Kills and restarts kube-apiserver, keeping etcd data; resolves once /readyz is 200. */
export async function restartApiserver(options?: cluster.StartOptions): Promise<ClusterState> {
  managed('restartApiserver');
  return cluster.restartApiserver(options);
}

/** Stops kube-apiserver (etcd keeps running) for outage tests; pair with {@link startApiserver}. */
export async function stopApiserver(): Promise<ClusterState> {
  managed('stopApiserver');
  return cluster.stopApiserver();
}

/** Starts kube-apiserver again after {@link stopApiserver}; resolves once /readyz is 200. */
export async function startApiserver(options?: cluster.StartOptions): Promise<ClusterState> {
  managed('startApiserver');
  return cluster.startApiserver(options);
}

/** A KubeConfig for the admin identity. */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeEnv().adminKubeconfigPath);
  return kc;
}

/** A KubeConfig for the restricted identity (no RBAC grants), or undefined if none is configured. */
export function restrictedKubeConfig(): KubeConfig | undefined {
  const path = kubeEnv().restrictedKubeconfigPath;
  if (path === null) return undefined;
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Copy of `base` (default: the admin KubeConfig) whose clusters point at `url`, e.g. a
 * FaultProxy's. Credentials are unchanged; TLS still verifies the apiserver's certificate
 * (by its original host name when that is not an IP address).
 */
export function kubeConfigVia(url: string, base: KubeConfig = adminKubeConfig()): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: base.clusters.map((c) => {
      const host = new URL(c.server).hostname;
      const isIp = /^[\d.]+$/.test(host) || host.includes(':');
      return { ...c, server: url, ...(c.tlsServerName === undefined && !isIp ? { tlsServerName: host } : {}) };
    }),
    users: base.users,
    contexts: base.contexts,
    currentContext: base.currentContext,
  });
  return kc;
}

/** The apiserver's host and port, e.g. as a FaultProxy target. */
export function apiserverAddress(): { host: string; port: number } {
  const url = new URL(kubeEnv().server);
  return { host: url.hostname, port: Number(url.port || 443) };
}

/**
 * Starts an {@link HttpFaultProxy} in front of the kube-local apiserver, serving its certificate
 * (valid for 127.0.0.1) so `kubeConfigVia(proxy.url)` verifies as usual. Needs a kube-local
 * cluster (guard with `faultsAvailable()`).
 */
export async function startHttpFaultProxy(options: { seed?: number } = {}): Promise<HttpFaultProxy> {
  managed('startHttpFaultProxy');
  const runDir = kubeEnv().runDir;
  if (runDir === null)
    throw new Error('kube-local: startHttpFaultProxy() needs the run folder of a kube-local cluster');
  const pki = join(runDir, 'pki');
  const [cert, key, ca] = await Promise.all(
    ['server.crt', 'server.key', 'ca.crt'].map((file) => readFile(join(pki, file))),
  );
  return HttpFaultProxy.start({
    target: apiserverAddress(),
    cert: cert as Buffer,
    key: key as Buffer,
    ca: ca as Buffer,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
}

/** Handle returned by {@link useNamespace}; `name` is readable once beforeAll ran. */
export interface TestNamespace {
  /** Namespace name (throws before beforeAll). */
  readonly name: string;
}

/**
 * Registers beforeAll/afterAll hooks that create a unique namespace `<prefix>-<suffix>`
 * for the current test file (or describe block) and delete it, with the common objects in
 * it, afterwards.
 */
export function useNamespace(prefix: string): TestNamespace {
  let name: string | undefined;
  beforeAll(async () => {
    const candidate = uniqueNamespaceName(prefix);
    await createNamespace(adminKubeConfig(), candidate);
    name = candidate;
  });
  afterAll(async () => {
    if (name !== undefined) await deleteNamespace(adminKubeConfig(), name, kubeEnv().managed);
  });
  return {
    get name(): string {
      if (name === undefined) throw new Error('kube-local: useNamespace(...).name read before beforeAll created it');
      return name;
    },
  };
}

/** Handle returned by {@link usePrivateCluster}; readable once its beforeAll ran. */
export interface PrivateCluster {
  /** How to reach it (throws before beforeAll started it). */
  readonly env: KubeTestEnv;
  /** A KubeConfig for its admin identity. */
  kubeConfig(): KubeConfig;
}

/**
 * Registers beforeAll/afterAll hooks that start a second kube-local cluster private to this test
 * file (its own run folder `run-vitest-<pid>-<label>`, ports and etcd), e.g. with feature gates the
 * shared e2e cluster runs without, and stop and delete it afterwards. A cold start takes 10–30 s.
 * Needs a kube-local setup: against `KW_E2E_KUBECONFIG` it starts nothing, so guard the tests with
 * `faultsAvailable()`. Fault controls of this module keep targeting the shared cluster.
 */
export function usePrivateCluster(options: { label: string; featureGates: string }): PrivateCluster {
  if (!/^[a-z0-9-]+$/.test(options.label)) {
    throw new Error(`kube-local: usePrivateCluster label "${options.label}" must be lowercase letters, digits and -`);
  }
  let env: KubeTestEnv | undefined;
  const dir = join(cacheDir(), 'kube-local', `run-vitest-${process.pid}-${options.label}`);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  beforeAll(async () => {
    if (!kubeEnv().managed) return; // KW_E2E_KUBECONFIG: no kube-local here; the guarded tests skip
    const { state } = await cluster.up({ log, owner: 'test-run', runDir: dir, featureGates: options.featureGates });
    env = testEnvOf(state, true);
  });
  afterAll(async () => {
    await cluster.down({ log, runDir: dir });
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get env(): KubeTestEnv {
      if (env === undefined) {
        throw new Error(
          'kube-local: usePrivateCluster(...).env read before beforeAll started it (or against KW_E2E_KUBECONFIG, where it starts nothing: guard with faultsAvailable())',
        );
      }
      return env;
    },
    kubeConfig(): KubeConfig {
      const kc = new KubeConfig();
      kc.loadFromFile(this.env.adminKubeconfigPath);
      return kc;
    },
  };
}

/** Handle returned by {@link useExtraApiserver}; readable once its beforeAll ran. */
export interface ExtraApiserverHandle {
  /** An admin kubeconfig file for it (throws before beforeAll started it). */
  readonly adminKubeconfigPath: string;
  /** A KubeConfig for its admin identity. */
  kubeConfig(): KubeConfig;
}

/**
 * Registers beforeAll/afterAll hooks that start a second kube-apiserver on the shared cluster's
 * etcd with `featureGates` (e.g. `ShardedListAndWatch=true`), and stop it afterwards. It serves the
 * same objects as the shared apiserver, so a file tests a gate on and off over data it created once;
 * it starts in seconds, against `usePrivateCluster`'s cold start. Needs a kube-local cluster: guard
 * the tests with `faultsAvailable()`. A restart of the shared apiserver does not touch it.
 */
export function useExtraApiserver(options: { label: string; featureGates: string }): ExtraApiserverHandle {
  if (!/^[a-z0-9-]+$/.test(options.label)) {
    throw new Error(`kube-local: useExtraApiserver label "${options.label}" must be lowercase letters, digits and -`);
  }
  let extra: ExtraApiserver | undefined;
  beforeAll(async () => {
    if (!kubeEnv().managed) return; // KW_E2E_KUBECONFIG: no kube-local here; the guarded tests skip
    extra = await startExtraApiserver(await cluster.requireState(), options);
    process.stderr.write(
      `kube-local: extra kube-apiserver with feature gates ${options.featureGates} ready at ${extra.server}\n`,
    );
  });
  afterAll(async () => {
    await extra?.stop();
  });
  return {
    get adminKubeconfigPath(): string {
      if (extra === undefined) {
        throw new Error(
          'kube-local: useExtraApiserver(...).adminKubeconfigPath read before beforeAll started it (or against KW_E2E_KUBECONFIG: guard with faultsAvailable())',
        );
      }
      return extra.adminKubeconfigPath;
    },
    kubeConfig(): KubeConfig {
      const kc = new KubeConfig();
      kc.loadFromFile(this.adminKubeconfigPath);
      return kc;
    },
  };
}
