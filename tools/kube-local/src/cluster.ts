import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBinaries } from './build.ts';
import { compactEtcdAt } from './etcd.ts';
import { apiserverReady, etcdHealthy, waitUntil } from './health.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { withLock } from './lock.ts';
import { lifecycleLockDir, runDir, statePath } from './paths.ts';
import { ADMIN_USER, ensurePki, RESTRICTED_USER } from './pki.ts';
import { freePort } from './ports.ts';
import { isRunning, spawnDetached, stopProcess } from './processes.ts';
import {
  type ClusterOwner,
  type ClusterState,
  type ProcessState,
  readState,
  removeState,
  writeState,
} from './state.ts';
import { registerUser, releaseUser } from './users.ts';
import { ETCD_VERSION, K8S_VERSION } from './versions.ts';

/** Where progress lines go. */
export type Logger = (line: string) => void;

const stderrLog: Logger = (line) => process.stderr.write(`${line}\n`);

/** Options of {@link up}. */
export interface UpOptions {
  /** Progress output (default: stderr). */
  log?: Logger;
  /** How long to wait for etcd and for /readyz, each (default 60 s). */
  startTimeoutMs?: number;
  /** Keep etcd's data from a previous run instead of starting empty (default false). */
  keepData?: boolean;
  /** Extra kube-apiserver flags, appended last (they win over the defaults). */
  extraApiserverArgs?: string[];
  /** Who starts it (default 'cli'); a 'cli' up also adopts a running 'test-run' cluster so it stays up. */
  owner?: ClusterOwner;
  /** Also register the calling process as a user (see {@link releaseCluster}), atomically with the start/reuse. */
  retain?: boolean;
  /**
   * kube-apiserver feature gates, as its `--feature-gates` flag takes them
   * (`ShardedListAndWatch=true,OtherGate=false`); default `$KW_KUBE_LOCAL_FEATURE_GATES`, else none.
   * A running cluster started with other gates is not reused: `up` fails and says so.
   */
  featureGates?: string;
  /** Run folder of the cluster (default {@link runDir}): another folder is another cluster, on its own ports. */
  runDir?: string;
}

/** Result of {@link up}. */
export interface UpResult {
  /** The running cluster. */
  state: ClusterState;
  /** False when a healthy cluster was already running and was reused. */
  started: boolean;
}

/** Health of the cluster recorded in state.json. */
export interface ClusterStatus {
  /** The recorded state, if any. */
  state: ClusterState | undefined;
  /** Whether the etcd process is alive and healthy. */
  etcd: 'up' | 'unhealthy' | 'down';
  /** Whether kube-apiserver is alive and /readyz is 200. */
  apiserver: 'ready' | 'not-ready' | 'down';
  /** Both up and ready. */
  healthy: boolean;
}

/** Options of the apiserver (re)start functions. */
export interface StartOptions {
  /** Progress output (default: stderr). */
  log?: Logger;
  /** How long to wait for /readyz (default 60 s). */
  startTimeoutMs?: number;
}

/** Reads state.json (of `dir`, default {@link runDir}) and probes both processes. Never starts or stops anything. */
export async function status(dir: string = runDir()): Promise<ClusterStatus> {
  const state = await readState(statePath(dir));
  if (state === undefined) return { state, etcd: 'down', apiserver: 'down', healthy: false };
  const etcdAlive = isRunning(state.etcd.pid, state.etcd.argv[0]);
  const etcd = !etcdAlive ? 'down' : (await etcdHealthy(state.etcdClientUrl)) ? 'up' : 'unhealthy';
  const apiAlive = state.apiserver.pid > 0 && isRunning(state.apiserver.pid, state.apiserver.argv[0]);
  const apiserver = !apiAlive
    ? 'down'
    : (await apiserverReady(state.server, state.caPath, state.adminToken))
      ? 'ready'
      : 'not-ready';
  return { state, etcd, apiserver, healthy: etcd === 'up' && apiserver === 'ready' };
}

/** Returns state.json of the running cluster, or throws telling how to start one. */
export async function requireState(): Promise<ClusterState> {
  const state = await readState();
  if (state === undefined) {
    throw new Error("kube-local: no cluster is running (no state.json); start one with 'pnpm cluster:up'");
  }
  return state;
}

/**
 * Starts etcd and kube-apiserver on free loopback ports (building them on first use),
 * waits for /readyz, writes kubeconfigs and state.json. When a cluster is recorded already:
 * reuses it if healthy, waits for it if it is starting, restarts just the apiserver if only
 * that is down (etcd data kept), and otherwise replaces it. Serialized across processes.
 */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const log = options.log ?? stderrLog;
  const dir = options.runDir ?? runDir();
  return withLock(
    lifecycleLockDir(dir),
    async () => {
      const result = await upLocked(options, dir, log);
      if (options.retain === true) await registerUser(dir);
      return result;
    },
    {
      onWait: (pid) => log(`kube-local: waiting for another kube-local operation (pid ${pid})...`),
    },
  );
}

/** The feature gates asked for: the option, else `$KW_KUBE_LOCAL_FEATURE_GATES`, else none (`''`). */
export function featureGatesOf(options: Pick<UpOptions, 'featureGates'> = {}): string {
  const gates = options.featureGates ?? process.env.KW_KUBE_LOCAL_FEATURE_GATES ?? '';
  if (gates !== '' && !/^[A-Za-z0-9]+=(true|false)(,[A-Za-z0-9]+=(true|false))*$/.test(gates)) {
    throw new Error(
      `kube-local: feature gates "${gates}" are not a comma-separated list of Name=true|false, e.g. ShardedListAndWatch=true`,
    );
  }
  return gates;
}

async function upLocked(options: UpOptions, dir: string, log: Logger): Promise<UpResult> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const owner = options.owner ?? 'cli';
  const featureGates = featureGatesOf(options);
  const path = statePath(dir);
  const reuse = async (state: ClusterState): Promise<UpResult> => {
    if ((state.featureGates ?? '') !== featureGates) {
      throw new Error(
        `kube-local: the cluster in ${dir} runs with feature gates "${state.featureGates ?? ''}", not "${featureGates}"; stop it first ('pnpm cluster:down') or use another run folder (KW_KUBE_LOCAL_RUN_DIR)`,
      );
    }
    if (owner === 'cli' && state.owner !== 'cli') {
      state.owner = 'cli';
      await writeState(state, path);
    }
    return { state, started: false };
  };
  const current = await status(dir);
  if (current.healthy && current.state !== undefined) return reuse(current.state);
  if (current.state !== undefined && current.etcd === 'up') {
    const state = current.state;
    if (current.apiserver === 'down') {
      log('kube-local: etcd is up but kube-apiserver is not; starting kube-apiserver');
      return reuse(await startApiserverLocked(state, timeoutMs, log, path));
    }
    try {
      await waitForApiserver(state, timeoutMs); // alive but not ready yet: give it time
      return reuse(state);
    } catch {
      log('kube-local: kube-apiserver did not become ready; replacing the cluster');
    }
  }
  if (current.state !== undefined) {
    log('kube-local: found a cluster that is not healthy; stopping it first');
    await downLocked(log, 10_000, dir);
  }
  const binaries = await ensureBinaries({ log });
  await mkdir(dir, { recursive: true });
  const pki = await ensurePki(join(dir, 'pki'));
  const ports = await distinctFreePorts(3);
  const [etcdClientPort, etcdPeerPort, apiserverPort] = ports as [number, number, number];
  const etcdClientUrl = `http://127.0.0.1:${etcdClientPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const dataDir = join(dir, 'etcd-data');
  if (options.keepData !== true) await rm(dataDir, { recursive: true, force: true });

  const started = Date.now();
  const etcdLog = join(dir, 'etcd.log');
  await writeFile(etcdLog, '');
  const etcdArgv = [
    binaries.etcd,
    '--name=kube-local',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${etcdClientUrl}`,
    `--advertise-client-urls=${etcdClientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=kube-local=${peerUrl}`,
    '--initial-cluster-state=new',
    '--log-level=warn',
    '--unsafe-no-fsync', // throwaway test data: trade durability for speed
  ];
  const etcd: ProcessState = { pid: spawnDetached(etcdArgv, etcdLog), argv: etcdArgv, logPath: etcdLog };
  const apiserverLog = join(dir, 'kube-apiserver.log');
  const apiserverArgv = [
    binaries.kubeApiserver,
    `--etcd-servers=${etcdClientUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiserverPort}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.serverCertPath}`,
    `--tls-private-key-file=${pki.serverKeyPath}`,
    `--token-auth-file=${pki.tokenFilePath}`,
    '--authorization-mode=RBAC',
    `--service-account-key-file=${pki.saPubPath}`,
    `--service-account-signing-key-file=${pki.saKeyPath}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.96.0.0/16',
    // No controller-manager creates default service accounts, so let pods be created without one.
    '--disable-admission-plugins=ServiceAccount',
    // 127.0.0.1 may not be published as the kubernetes Service endpoint; there is no kubelet/proxy anyway.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
    ...(featureGates === '' ? [] : [`--feature-gates=${featureGates}`]),
    ...(options.extraApiserverArgs ?? []),
  ];
  const state: ClusterState = {
    stateVersion: 1,
    k8sVersion: K8S_VERSION,
    etcdVersion: ETCD_VERSION,
    runDir: dir,
    server: `https://127.0.0.1:${apiserverPort}`,
    apiserverPort,
    etcdClientUrl,
    etcdClientPort,
    etcdPeerPort,
    caPath: pki.caPath,
    adminToken: pki.adminToken,
    restrictedToken: pki.restrictedToken,
    adminKubeconfigPath: join(dir, 'admin.kubeconfig'),
    restrictedKubeconfigPath: join(dir, 'restricted.kubeconfig'),
    binaries,
    etcd,
    apiserver: { pid: 0, argv: apiserverArgv, logPath: apiserverLog },
    startedAt: new Date().toISOString(),
    owner,
    featureGates,
  };
  await writeState(state, path); // recorded before waiting, so 'down' can clean up a failed start
  try {
    await waitUntil({
      what: `etcd ${ETCD_VERSION}`,
      probe: () => etcdHealthy(etcdClientUrl),
      pid: etcd.pid,
      logPath: etcdLog,
      timeoutMs,
    });
    await writeFile(apiserverLog, '');
    state.apiserver.pid = spawnDetached(apiserverArgv, apiserverLog);
    await writeState(state, path);
    await waitForApiserver(state, timeoutMs);
  } catch (error) {
    await downLocked(() => {}, 10_000, dir);
    throw error;
  }
  await writeKubeconfig(state.adminKubeconfigPath, state.server, pki.adminToken, pki.caPath, ADMIN_USER);
  await writeKubeconfig(state.restrictedKubeconfigPath, state.server, pki.restrictedToken, pki.caPath, RESTRICTED_USER);
  const gates = featureGates === '' ? '' : ` with feature gates ${featureGates}`;
  log(`kube-local: kube-apiserver ${K8S_VERSION}${gates} ready at ${state.server} in ${Date.now() - started} ms`);
  return { state, started: true };
}

/** Result of {@link down}. */
export interface DownResult {
  /** Whether any recorded process was still alive. */
  wasRunning: boolean;
}

/**
 * Stops kube-apiserver then etcd (SIGTERM, SIGKILL after `graceMs`), waits until both pids
 * are gone and removes state.json. Certificates, tokens and logs stay in the run folder.
 */
export async function down(options: { log?: Logger; graceMs?: number; runDir?: string } = {}): Promise<DownResult> {
  const log = options.log ?? stderrLog;
  const dir = options.runDir ?? runDir();
  return withLock(lifecycleLockDir(dir), () => downLocked(log, options.graceMs ?? 10_000, dir));
}

async function downLocked(log: Logger, graceMs: number, dir: string = runDir()): Promise<DownResult> {
  const state = await readState(statePath(dir));
  if (state === undefined) return { wasRunning: false };
  let wasRunning = false;
  for (const [name, proc] of [
    ['kube-apiserver', state.apiserver],
    ['etcd', state.etcd],
  ] as const) {
    if (proc.pid > 0 && isRunning(proc.pid, proc.argv[0])) {
      wasRunning = true;
      const killed = await stopProcess(proc.pid, proc.argv[0], graceMs);
      log(`kube-local: stopped ${name} (pid ${proc.pid}${killed ? ', needed SIGKILL' : ''})`);
    }
  }
  await removeState(statePath(dir));
  return { wasRunning };
}

/**
 * Undoes `up({ retain: true })`: unregisters the calling process; if no other live process uses the cluster and it was
 * started by a test run (owner 'test-run'), stops it. Returns whether it stopped it.
 */
export async function releaseCluster(options: { log?: Logger } = {}): Promise<boolean> {
  const log = options.log ?? stderrLog;
  return withLock(lifecycleLockDir(), async () => {
    const others = await releaseUser(runDir());
    const state = await readState();
    if (state === undefined || state.owner !== 'test-run') return false;
    if (others.length > 0) {
      log(`kube-local: leaving the cluster up for other test runs (pids ${others.join(', ')})`);
      return false;
    }
    await downLocked(log, 10_000);
    return true;
  });
}

/** Compacts etcd of the running cluster at its current revision; returns that revision. */
export async function compactEtcd(): Promise<number> {
  const state = await requireState();
  return compactEtcdAt(state.etcdClientUrl);
}

/** Stops kube-apiserver only (etcd keeps running), for outage tests. */
export async function stopApiserver(options: { graceMs?: number } = {}): Promise<ClusterState> {
  return withLock(lifecycleLockDir(), async () => stopApiserverLocked(await requireState(), options.graceMs ?? 10_000));
}

/**
 * Starts kube-apiserver again with its recorded argv and port, against the same etcd data,
 * and waits for /readyz. A no-op when it is already running.
 */
export async function startApiserver(options: StartOptions = {}): Promise<ClusterState> {
  return withLock(lifecycleLockDir(), async () =>
    startApiserverLocked(await requireState(), options.startTimeoutMs ?? 60_000, options.log),
  );
}

/** Kills kube-apiserver and starts it again (same argv, port and etcd data); waits for /readyz. */
export async function restartApiserver(options: StartOptions & { graceMs?: number } = {}): Promise<ClusterState> {
  return withLock(lifecycleLockDir(), async () => {
    const state = await stopApiserverLocked(await requireState(), options.graceMs ?? 10_000);
    return startApiserverLocked(state, options.startTimeoutMs ?? 60_000, options.log);
  });
}

async function stopApiserverLocked(state: ClusterState, graceMs: number): Promise<ClusterState> {
  if (state.apiserver.pid > 0) await stopProcess(state.apiserver.pid, state.apiserver.argv[0], graceMs);
  state.apiserver.pid = 0;
  await writeState(state);
  return state;
}

async function startApiserverLocked(
  state: ClusterState,
  timeoutMs: number,
  log: Logger | undefined,
  path: string = statePath(),
): Promise<ClusterState> {
  if (!isRunning(state.etcd.pid, state.etcd.argv[0])) {
    throw new Error(
      "kube-local: etcd is not running, cannot start kube-apiserver; run 'pnpm cluster:down' then 'pnpm cluster:up'",
    );
  }
  if (state.apiserver.pid > 0 && isRunning(state.apiserver.pid, state.apiserver.argv[0])) return state;
  const started = Date.now();
  await writeFile(state.apiserver.logPath, `\n--- kube-local: restart at ${new Date().toISOString()} ---\n`, {
    flag: 'a',
  });
  state.apiserver.pid = spawnDetached(state.apiserver.argv, state.apiserver.logPath);
  await writeState(state, path);
  await waitForApiserver(state, timeoutMs);
  log?.(`kube-local: kube-apiserver ready again in ${Date.now() - started} ms`);
  return state;
}

async function waitForApiserver(state: ClusterState, timeoutMs: number): Promise<void> {
  await waitUntil({
    what: `kube-apiserver ${K8S_VERSION} /readyz`,
    probe: () => apiserverReady(state.server, state.caPath, state.adminToken),
    pid: state.apiserver.pid,
    logPath: state.apiserver.logPath,
    timeoutMs,
  });
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
