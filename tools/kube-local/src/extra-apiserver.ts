import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { featureGatesOf } from './cluster.ts';
import { apiserverReady, waitUntil } from './health.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { ADMIN_USER } from './pki.ts';
import { freePort } from './ports.ts';
import { isRunning, spawnDetached, stopProcess } from './processes.ts';
import type { ClusterState } from './state.ts';

const PID_FILE = 'pid.json';
const FOLDER = /^extra-apiserver-(\d+)-[a-z0-9-]+$/;

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
  await writeFile(join(dir, PID_FILE), JSON.stringify({ pid, command: argv[0] }));
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

/**
 * Stops the extra kube-apiservers in `runDir` whose starting process (the pid in their folder's
 * name, a vitest worker) is gone, and deletes their folders: a run killed before its `afterAll`
 * leaves them serving a dead etcd otherwise. Returns how many it stopped.
 */
export async function reapExtraApiservers(runDir: string, log: (line: string) => void): Promise<number> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const name of names) {
    const owner = FOLDER.exec(name)?.[1];
    if (owner === undefined || isRunning(Number(owner))) continue;
    const dir = join(runDir, name);
    const recorded = await readFile(join(dir, PID_FILE), 'utf8').then(
      (text) => JSON.parse(text) as { pid: number; command: string },
      () => undefined,
    );
    if (recorded !== undefined && isRunning(recorded.pid, recorded.command)) {
      await stopProcess(recorded.pid, recorded.command, 5_000);
      stopped++;
    }
    await rm(dir, { recursive: true, force: true });
    log(`kube-local: stopped an extra kube-apiserver left by a dead test worker (${dir})`);
  }
  return stopped;
}
