#!/usr/bin/env node
/**
 * kube-local command line: `node tools/kube-local/src/cli.ts <command>`.
 * Exit codes: 0 success; 1 failure; 2 usage error; 3 `status` found no running cluster.
 */
import { ensureBinaries } from './build.ts';
import { compactEtcd, down, restartApiserver, startApiserver, status, stopApiserver, up } from './cluster.ts';
import type { ClusterState } from './state.ts';

const USAGE = `usage: node tools/kube-local/src/cli.ts <command> [flags]

commands:
  up [--keep-data] [--feature-gates=Name=true,...]
                       start etcd + kube-apiserver on loopback (builds them on first use);
                       a no-op when a healthy cluster is already up; feature gates default
                       to $KW_KUBE_LOCAL_FEATURE_GATES (e.g. ShardedListAndWatch=true)
  down                 stop both processes (SIGTERM, then SIGKILL after 10 s)
  status               print health; exit 0 healthy, 1 unhealthy, 3 not running
  build [--force]      build and cache kube-apiserver and etcd
  env                  print shell exports (KUBECONFIG, ...) for the running cluster
  restart-apiserver    kill and restart kube-apiserver, keeping etcd data
  stop-apiserver       stop kube-apiserver only (outage)
  start-apiserver      start kube-apiserver again
  compact              compact etcd at its current revision
`;

function describe(state: ClusterState): string {
  return [
    `server:              ${state.server}`,
    `kube-apiserver:      ${state.k8sVersion} pid ${state.apiserver.pid}  log ${state.apiserver.logPath}`,
    `feature gates:       ${state.featureGates || '(defaults)'}`,
    `etcd:                ${state.etcdVersion} pid ${state.etcd.pid}  ${state.etcdClientUrl}  log ${state.etcd.logPath}`,
    `admin kubeconfig:    ${state.adminKubeconfigPath}`,
    `restricted kubeconfig: ${state.restrictedKubeconfigPath}`,
    `CA:                  ${state.caPath}`,
    `try: KUBECONFIG=${state.adminKubeconfigPath} kubectl get ns`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...flags] = argv;
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  switch (command) {
    case 'up': {
      const gates = flags.find((flag) => flag.startsWith('--feature-gates='))?.slice('--feature-gates='.length);
      const result = await up({
        log,
        keepData: flags.includes('--keep-data'),
        ...(gates === undefined ? {} : { featureGates: gates }),
      });
      console.log(result.started ? 'kube-local: cluster is up' : 'kube-local: cluster was already up and healthy');
      console.log(describe(result.state));
      return 0;
    }
    case 'down': {
      const result = await down({ log });
      console.log(result.wasRunning ? 'kube-local: cluster stopped' : 'kube-local: no cluster was running');
      return 0;
    }
    case 'status': {
      const s = await status();
      if (s.state === undefined) {
        console.log('kube-local: not running');
        return 3;
      }
      console.log(`kube-local: ${s.healthy ? 'healthy' : 'UNHEALTHY'}  etcd ${s.etcd}, kube-apiserver ${s.apiserver}`);
      console.log(describe(s.state));
      return s.healthy ? 0 : 1;
    }
    case 'build': {
      const started = Date.now();
      const bins = await ensureBinaries({ log, force: flags.includes('--force') });
      console.log(
        `kube-apiserver: ${bins.kubeApiserver}\netcd:           ${bins.etcd}\n(${Math.round((Date.now() - started) / 1000)} s)`,
      );
      return 0;
    }
    case 'env': {
      const s = await status();
      if (s.state === undefined) {
        log("kube-local: not running; start it with 'pnpm cluster:up'");
        return 3;
      }
      console.log(`export KUBECONFIG=${s.state.adminKubeconfigPath}`);
      console.log(`export KW_E2E_KUBECONFIG=${s.state.adminKubeconfigPath}`);
      console.log(`export KW_E2E_RESTRICTED_KUBECONFIG=${s.state.restrictedKubeconfigPath}`);
      return 0;
    }
    case 'restart-apiserver':
      await restartApiserver({ log });
      console.log('kube-local: kube-apiserver restarted');
      return 0;
    case 'stop-apiserver':
      await stopApiserver();
      console.log('kube-local: kube-apiserver stopped (etcd still running)');
      return 0;
    case 'start-apiserver':
      await startApiserver({ log });
      console.log('kube-local: kube-apiserver running');
      return 0;
    case 'compact':
      console.log(`kube-local: compacted etcd at revision ${await compactEtcd()}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`kube-local: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
