import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { featureGatesOf } from './cluster.ts';
import { apiserverReady, waitUntil } from './health.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { ADMIN_USER } from './pki.ts';
import { freePort } from './ports.ts';
import { spawnDetached, stopProcess } from './processes.ts';
import type { ClusterState } from './state.ts';

/** A second kube-apiserver serving a cluster's etcd; see {@link startExtraApiserver}. */
export interface ExtraApiserver {
  /** Its URL, `https://127.0.0.1:<port>`. */
  server: string;
  /** An admin kubeconfig file pointing at it. */
  adminKubeconfigPath: string;
  /** Stops it and deletes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts one more kube-apiserver on `state`'s etcd, with `featureGates` instead of the cluster's,
 * on a free port and with the cluster's PKI and tokens (the same credentials work). Both apiservers
 * serve the same objects, so a test compares a feature gate on and off without creating its data
 * twice. Starts in seconds (etcd is already up); `label` names its folder in the run folder.
 */
export async function startExtraApiserver(
  state: ClusterState,
  options: { label: string; featureGates: string; timeoutMs?: number },
): Promise<ExtraApiserver> {
  const gates = featureGatesOf(options);
  const dir = join(state.runDir, `extra-apiserver-${process.pid}-${options.label}`);
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const replaced = ['--secure-port=', '--cert-dir=', '--feature-gates='];
  const argv = [
    ...state.apiserver.argv.filter((arg) => !replaced.some((prefix) => arg.startsWith(prefix))),
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    ...(gates === '' ? [] : [`--feature-gates=${gates}`]),
  ];
  const logPath = join(dir, 'kube-apiserver.log');
  await writeFile(logPath, '');
  const server = `https://127.0.0.1:${port}`;
  const pid = spawnDetached(argv, logPath);
  const stop = async (): Promise<void> => {
    await stopProcess(pid, argv[0]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil({
      what: `the extra kube-apiserver (${gates || 'no feature gates'}) /readyz`,
      probe: () => apiserverReady(server, state.caPath, state.adminToken),
      pid,
      logPath,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const adminKubeconfigPath = await writeKubeconfig(
    join(dir, 'admin.kubeconfig'),
    server,
    state.adminToken,
    state.caPath,
    ADMIN_USER,
  );
  return { server, adminKubeconfigPath, stop };
}
