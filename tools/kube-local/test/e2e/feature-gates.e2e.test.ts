/**
 * Feature gates: a test file's private cluster started with `ShardedListAndWatch=true` honours
 * `shardSelector`, while the shared e2e cluster (no gates) ignores it.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { adminKubeConfig, faultsAvailable, kubeEnv, useNamespace, usePrivateCluster } from '../../src/e2e.ts';
import { httpsGet } from '../../src/health.ts';
import { readState } from '../../src/state.ts';
import type { KubeTestEnv } from '../../src/test-env.ts';

const LOWER_HALF = "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')";
const gated = usePrivateCluster({ label: 'gates', featureGates: 'ShardedListAndWatch=true' });
const shared = useNamespace('kube-local-gates');

async function fill(kc: KubeConfig, namespace: string, count: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `cm-${i}` } } }),
    ),
  );
}

async function list(
  env: KubeTestEnv,
  namespace: string,
  shardSelector?: string,
): Promise<{ items: unknown[]; metadata: { shardInfo?: { selector?: string } } }> {
  const query = shardSelector === undefined ? '' : `?shardSelector=${encodeURIComponent(shardSelector)}`;
  const response = await httpsGet(
    `${env.server}/api/v1/namespaces/${namespace}/configmaps${query}`,
    env.caPath ?? '',
    env.adminToken ?? '',
  );
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body);
}

describe.skipIf(!faultsAvailable())('feature gates', () => {
  it('start the private cluster with --feature-gates and record them in its state', async () => {
    const state = await readState(`${gated.env.runDir}/state.json`);
    expect(state?.featureGates).toBe('ShardedListAndWatch=true');
    expect(state?.apiserver.argv).toContain('--feature-gates=ShardedListAndWatch=true');
    expect(gated.env.server).not.toBe(kubeEnv().server);
  });

  it('with ShardedListAndWatch, a LIST honours shardSelector and echoes it in metadata.shardInfo', async () => {
    const kc = gated.kubeConfig();
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'gates' } } });
    await fill(kc, 'gates', 40);
    const half = await list(gated.env, 'gates', LOWER_HALF);
    expect(half.metadata.shardInfo?.selector).toBe(LOWER_HALF);
    expect(half.items.length).toBeGreaterThan(0);
    expect(half.items.length).toBeLessThan(40);
  });

  it('without the gate (the shared e2e cluster), shardSelector is ignored', async () => {
    await fill(adminKubeConfig(), shared.name, 40);
    const all = await list(kubeEnv(), shared.name, LOWER_HALF);
    expect(all.items).toHaveLength(40);
    expect(all.metadata.shardInfo).toBeUndefined();
  });
});
