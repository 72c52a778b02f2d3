/**
 * One leader-election candidate process for the e2e test, run as
 * `node candidate.ts <kubeconfig> <namespace> <lease> <identity>` after `pnpm build`
 * (it imports the built package by its own name). Prints JSON lines to stdout:
 * `{ event, identity, t }` with `t = Date.now()`, for `ready`, `started`, `stopped`,
 * `leader` (with `leader`), `log` (warnings) and `exit`. SIGTERM stops gracefully (releases).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { createLeaseClient, LeaderElector } from '@kw/leaderelection';

const [kubeconfigPath, namespace, name, identity] = process.argv.slice(2);
if (kubeconfigPath === undefined || namespace === undefined || name === undefined || identity === undefined) {
  console.error('usage: node candidate.ts <kubeconfig> <namespace> <lease> <identity>');
  process.exit(2);
}

const emit = (event: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, identity, t: Date.now(), ...extra })}\n`);
};
const log =
  (level: string) =>
  (message: string, fields?: Record<string, unknown>): void => {
    const error = fields?.error;
    emit('log', { level, message, error: error instanceof Error ? error.message : undefined });
  };

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const elector = new LeaderElector({
  lease: { name, namespace },
  identity,
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_000,
  retryPeriodMs: 500,
  leaseClient: createLeaseClient({ api: createClient({ kubeConfig }) }),
  onStartedLeading: () => emit('started'),
  onStoppedLeading: () => emit('stopped'),
  onNewLeader: (leader) => emit('leader', { leader }),
  logger: { debug() {}, info() {}, warn: log('warn'), error: log('error') },
});

process.on('SIGTERM', () => {
  elector.stop().then(
    () => {
      emit('exit');
      process.exit(0);
    },
    () => process.exit(1),
  );
});
elector.start();
emit('ready');
