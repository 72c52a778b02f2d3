/**
 * One ring member process for the e2e test, run as
 * `node member.ts <kubeconfig> <namespace> <ring> <identity> <leaseMs> <retryMs>` after `pnpm build`
 * (it imports the built packages by name). Prints JSON lines `{ event, identity, t, ... }`:
 * `ready` once started, `range` (with `range`, `members`) on every change, `log` on warnings, `exit`. SIGTERM stops
 * gracefully (deletes the Lease); SIGKILL leaves it to expire.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { ShardRing } from '@kw/shard-ring';

const [kubeconfigPath, namespace, name, identity, leaseMs, retryMs] = process.argv.slice(2);
if (
  kubeconfigPath === undefined ||
  namespace === undefined ||
  name === undefined ||
  identity === undefined ||
  leaseMs === undefined ||
  retryMs === undefined
) {
  console.error('usage: node member.ts <kubeconfig> <namespace> <ring> <identity> <leaseMs> <retryMs>');
  process.exit(2);
}

const emit = (event: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, identity, t: Date.now(), ...extra })}\n`);
};
const log = (message: string, fields?: Record<string, unknown>): void => {
  const error = fields?.error;
  emit('log', { message, error: error instanceof Error ? error.message : undefined });
};

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const ring = new ShardRing({
  name,
  namespace,
  identity,
  client: createClient({ kubeConfig, qps: Number.POSITIVE_INFINITY }),
  leaseDurationMs: Number(leaseMs),
  retryPeriodMs: Number(retryMs),
  logger: { debug() {}, info() {}, warn: log, error: log },
  onChange: (range, members) => emit('range', { range: range ?? null, members }),
});
ring.start();
emit('ready');
process.once('SIGTERM', () => {
  void ring.stop().then(() => {
    emit('exit');
    process.exit(0);
  });
});
