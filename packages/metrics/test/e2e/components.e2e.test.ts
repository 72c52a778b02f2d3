/**
 * `Metrics` and `probes()` wired into real components in this process, against the real control
 * plane: leader failover flips `leader_election_master_status`, and a watcher whose RBAC grant is
 * revoked turns `/readyz` from 200 to 503.
 */
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { createClient } from '@kw/client';
import { Indexer } from '@kw/indexer';
import {
  adminKubeConfig,
  faultsAvailable,
  kubeConfigVia,
  kubeEnv,
  restrictedKubeConfig,
  startHttpFaultProxy,
  useNamespace,
} from '@kw/kube-local/e2e';
import { createLeaseClient, LeaderElector } from '@kw/leaderelection';
import { MemoryStore } from '@kw/store-memory';
import { Watcher } from '@kw/watcher';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics, probes } from '../../src/index';
import { sample, scrape } from '../scrape';

const POLL = { timeout: 30_000, interval: 100 };
const ns = useNamespace('kw-metrics-c');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The value of one series, 0 when it is not exported (yet). */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  try {
    return sample(await scrape(registry), name, labels).value;
  } catch {
    return 0;
  }
}

describe('Metrics on real components', () => {
  it('flips leader_election_master_status from the stopped leader to its successor', async () => {
    const candidates = ['a', 'b'].map((identity) => {
      const registry = new Registry();
      const metrics = new Metrics({ registry });
      const api = createClient({ kubeConfig: adminKubeConfig(), instrumentation: metrics });
      const elector = new LeaderElector({
        lease: { name: 'metrics-e2e', namespace: ns.name },
        identity,
        leaseClient: createLeaseClient({ api }),
        leaseDurationMs: 3_000,
        renewDeadlineMs: 2_000,
        retryPeriodMs: 500,
        logger: quiet,
        onStartedLeading: () => {},
        instrumentation: metrics,
      });
      return { registry, api, elector };
    });
    const [a, b] = candidates as [(typeof candidates)[0], (typeof candidates)[0]];
    const status = (c: typeof a) => value(c.registry, 'leader_election_master_status', { name: 'metrics-e2e' });
    try {
      a.elector.start();
      await expect.poll(() => status(a), POLL).toBe(1);
      b.elector.start();
      await expect
        .poll(() => value(b.registry, 'rest_client_requests_total', { code: '200', method: 'GET' }), POLL)
        .toBeGreaterThan(0);
      expect(await status(b)).toBe(0);
      await expect
        .poll(
          () => value(a.registry, 'kw_leader_election_renewals_total', { name: 'metrics-e2e', outcome: 'renewed' }),
          POLL,
        )
        .toBeGreaterThan(0);

      await a.elector.stop();
      expect(await status(a)).toBe(0);
      await expect.poll(() => status(b), POLL).toBe(1);
    } finally {
      for (const c of candidates) {
        await c.elector.stop();
        c.api.close();
      }
    }
  });

  it.skipIf(!faultsAvailable() || kubeEnv().restrictedKubeconfigPath === null)(
    'answers /readyz 200 once synced and 503 naming KW_FORBIDDEN after the RoleBinding is deleted',
    async () => {
      const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({
        namespace: ns.name,
        body: {
          metadata: { name: 'read-configmaps' },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
        },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: ns.name,
        body: {
          metadata: { name: 'read-configmaps' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kw-restricted' }],
        },
      });
      await adminKubeConfig()
        .makeApiClient(CoreV1Api)
        .createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'one' } } });
      const proxy = await startHttpFaultProxy();
      const registry = new Registry();
      const metrics = new Metrics({ registry });
      const api = createClient({
        kubeConfig: kubeConfigVia(proxy.url, restrictedKubeConfig()),
        instrumentation: metrics,
      });
      const watcher = new Watcher({
        api,
        resource: { group: '', version: 'v1', resource: 'configmaps' },
        namespace: ns.name,
        keys: new Indexer({ indexBy: ['metadata.name'] }),
        store: new MemoryStore(),
        onChange: () => {},
        instrumentation: metrics,
        logger: quiet,
      });
      const health = probes({ watchers: { configmaps: watcher } });
      try {
        expect(health.readyz().status).toBe(503);
        await watcher.waitForSync();
        expect(health.readyz()).toEqual({ status: 200, body: 'ok\n' });
        expect(await value(registry, 'kw_watcher_synced', { watcher: 'core/v1/configmaps' })).toBe(1);

        await rbac.deleteNamespacedRoleBinding({ name: 'read-configmaps', namespace: ns.name });
        // RBAC is checked when a request starts: cut the open watch (each cut backs off, so at
        // most every 2 s) until a new one is refused.
        let cutAt = 0;
        await expect
          .poll(
            () => {
              if (watcher.status().phase === 'watching' && Date.now() - cutAt > 2_000) {
                cutAt = Date.now();
                proxy.cutAll();
              }
              return health.readyz();
            },
            { ...POLL, timeout: 45_000 },
          )
          .toEqual({ status: 503, body: 'watcher configmaps: failed (KW_FORBIDDEN)\n' });
        expect(
          await value(registry, 'kw_watcher_errors_total', { watcher: 'core/v1/configmaps', code: 'KW_FORBIDDEN' }),
        ).toBeGreaterThan(0);
        expect(await value(registry, 'rest_client_requests_total', { code: '403', method: 'GET' })).toBeGreaterThan(0);
      } finally {
        await watcher.stop();
        api.close();
        await proxy.close();
      }
    },
  );
});
