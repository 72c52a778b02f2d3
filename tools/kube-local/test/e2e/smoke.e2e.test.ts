/**
 * Smoke tests proving kube-local runs a real control plane: every assertion depends on
 * behaviour of kube-apiserver + etcd that a mock would not reproduce by accident.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  KubeConfig as KubeConfigClass,
  Watch,
} from '@kubernetes/client-node';
import { until } from '@kw/test-utils';
import { describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  apiserverAddress,
  compactEtcd,
  FaultProxy,
  kubeConfigVia,
  kubeconfigFor,
  kubeEnv,
  restartApiserver,
  restrictedKubeConfig,
  statusOf,
  useNamespace,
} from '../../src/e2e.ts';
import { status } from '../../src/index.ts';

interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    code?: number;
    reason?: string;
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  };
}

interface OpenWatch {
  events: WatchEvent[];
  /** Resolves with the done() argument once the watch ends. */
  ended: Promise<unknown>;
  stop: () => void;
}

async function openWatch(kc: KubeConfig, path: string, query: Record<string, string | boolean>): Promise<OpenWatch> {
  const events: WatchEvent[] = [];
  let resolveEnded: (value: unknown) => void = () => {};
  const ended = new Promise<unknown>((r) => {
    resolveEnded = r;
  });
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (err) => resolveEnded(err ?? 'closed'),
  );
  return { events, ended, stop: () => controller.abort() };
}

const env = kubeEnv();
const ns = useNamespace('kube-local-smoke');

describe('kube-local smoke (real kube-apiserver + etcd)', () => {
  it('creates a ConfigMap and sees it in a list, a watch and a watch-list stream', async () => {
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const before = await core.listNamespacedConfigMap({ namespace: ns.name });
    const watch = await openWatch(kc, `/api/v1/namespaces/${ns.name}/configmaps`, {
      resourceVersion: before.metadata?.resourceVersion ?? '',
      allowWatchBookmarks: true,
    });
    try {
      const created = await core.createNamespacedConfigMap({
        namespace: ns.name,
        body: { metadata: { name: 'smoke' }, data: { k: 'v' } },
      });
      expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(Number(before.metadata?.resourceVersion));
      const list = await core.listNamespacedConfigMap({ namespace: ns.name });
      expect(list.items.map((i) => i.metadata?.name)).toContain('smoke');
      const added = await until(
        () => watch.events.find((e) => e.type === 'ADDED' && e.object.metadata?.name === 'smoke'),
        { what: 'ADDED event' },
      );
      expect(added.object.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    } finally {
      watch.stop();
    }
    // Watch-list (sendInitialEvents): the current state, then a bookmark marking its end.
    const streamed = await openWatch(kc, `/api/v1/namespaces/${ns.name}/configmaps`, {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    try {
      const end = await until(
        () =>
          streamed.events.find(
            (e) => e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true',
          ),
        { what: 'initial-events-end bookmark' },
      );
      expect(streamed.events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata?.name)).toEqual(['smoke']);
      expect(Number(end.object.metadata?.resourceVersion)).toBeGreaterThan(0);
    } finally {
      streamed.stop();
    }
  });

  it.skipIf(!env.managed)('a watch from a resourceVersion compacted away in etcd gets 410 Gone', async () => {
    // Events are not watch-cached by kube-apiserver, so their watches read etcd directly.
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const event = (name: string) => ({
      metadata: { name },
      involvedObject: { kind: 'ConfigMap', namespace: ns.name, name: 'smoke', apiVersion: 'v1' },
      reason: 'Smoke',
      message: name,
      type: 'Normal',
    });
    const first = await core.createNamespacedEvent({ namespace: ns.name, body: event('first') });
    await core.createNamespacedEvent({ namespace: ns.name, body: event('second') });
    const oldRv = first.metadata?.resourceVersion ?? '';
    const path = `/api/v1/namespaces/${ns.name}/events`;
    // Before compaction the same resourceVersion is fine: it replays 'second'.
    const ok = await openWatch(kc, path, { resourceVersion: oldRv });
    try {
      await until(() => ok.events.find((e) => e.type === 'ADDED' && e.object.metadata?.name === 'second'), {
        what: 'replayed event',
      });
    } finally {
      ok.stop();
    }
    // The watch starts at oldRv + 1; one more write makes that revision strictly older than the compaction point.
    await core.createNamespacedEvent({ namespace: ns.name, body: event('third') });
    const revision = await compactEtcd();
    expect(revision).toBeGreaterThan(Number(oldRv) + 1);
    const gone = await openWatch(kc, path, { resourceVersion: oldRv });
    try {
      // 410 arrives either as an ERROR event on a 200 stream or as the HTTP status.
      await Promise.race([
        until(() => gone.events.find((e) => e.type === 'ERROR'), { what: '410 ERROR event' }),
        gone.ended,
      ]);
      const errorEvent = gone.events.find((e) => e.type === 'ERROR');
      const outcome =
        errorEvent !== undefined ? errorEvent.object.code : ((await gone.ended) as { statusCode?: number }).statusCode;
      expect(outcome).toBe(410);
    } finally {
      gone.stop();
    }
  });

  it.skipIf(env.restrictedKubeconfigPath === null)('the restricted identity gets 403 Forbidden on a list', async () => {
    const kc = restrictedKubeConfig() as KubeConfig;
    const core = kc.makeApiClient(CoreV1Api);
    const error = await core.listNamespacedConfigMap({ namespace: ns.name }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(statusOf(error)).toBe(403);
    expect(JSON.stringify((error as { body?: unknown }).body)).toContain('kw-restricted');
  });

  it('an update with a stale resourceVersion gets 409 Conflict', async () => {
    const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await coordination.createNamespacedLease({
      namespace: ns.name,
      body: { metadata: { name: 'smoke-lease' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    const updated = await coordination.replaceNamespacedLease({
      name: 'smoke-lease',
      namespace: ns.name,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
    });
    expect(updated.metadata?.resourceVersion).not.toBe(lease.metadata?.resourceVersion);
    const error = await coordination
      .replaceNamespacedLease({
        name: 'smoke-lease',
        namespace: ns.name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(statusOf(error)).toBe(409);
    const current = await coordination.readNamespacedLease({ name: 'smoke-lease', namespace: ns.name });
    expect(current.spec?.holderIdentity).toBe('b');
  });

  it.skipIf(!env.managed)(
    'after restartApiserver() a new list still sees the ConfigMap, and pre-restart resourceVersions are 410 Gone',
    async () => {
      const kc = adminKubeConfig();
      const core = kc.makeApiClient(CoreV1Api);
      const survivor = await core.createNamespacedConfigMap({
        namespace: ns.name,
        body: { metadata: { name: 'survivor' }, data: { k: 'v' } },
      });
      // One more write, so survivor's resourceVersion is strictly older than the revision the new cache starts at.
      await core.replaceNamespacedConfigMap({
        name: 'survivor',
        namespace: ns.name,
        body: { ...survivor, data: { k: 'v2' } },
      });
      const oldPid = (await status()).state?.apiserver.pid;
      const restarted = await restartApiserver();
      expect(restarted.apiserver.pid).toBeGreaterThan(0);
      expect(restarted.apiserver.pid).not.toBe(oldPid);
      const after = await core.listNamespacedConfigMap({ namespace: ns.name });
      expect(after.items.map((i) => i.metadata?.name)).toContain('survivor');
      // The new watch cache starts at the current revision: older resourceVersions are gone.
      const watch = await openWatch(kc, `/api/v1/namespaces/${ns.name}/configmaps`, {
        resourceVersion: survivor.metadata?.resourceVersion ?? '',
      });
      try {
        const error = await until(() => watch.events.find((e) => e.type === 'ERROR'), { what: '410 ERROR event' });
        expect(error.object.code).toBe(410);
      } finally {
        watch.stop();
      }
    },
  );

  it('cutting connections through a FaultProxy ends an open watch', async () => {
    const proxy = await FaultProxy.start({ target: apiserverAddress() });
    try {
      // kubeconfigFor() needs a token and CA file (kube-local has both); kubeConfigVia() works for any cluster.
      let kc = kubeConfigVia(proxy.url);
      if (env.adminToken !== null && env.caPath !== null) {
        kc = new KubeConfigClass();
        kc.loadFromString(kubeconfigFor(proxy.url, env.adminToken, env.caPath));
      }
      const watch = await openWatch(kc, `/api/v1/namespaces/${ns.name}/configmaps`, {
        sendInitialEvents: true,
        resourceVersionMatch: 'NotOlderThan',
        allowWatchBookmarks: true,
      });
      await until(() => watch.events.find((e) => e.type === 'BOOKMARK'), {
        what: 'watch established through the proxy',
      });
      expect(proxy.stats.active).toBeGreaterThanOrEqual(1);
      let ended = false;
      void watch.ended.then(() => {
        ended = true;
      });
      await sleep(200);
      expect(ended).toBe(false);
      expect(proxy.cutAll()).toBeGreaterThanOrEqual(1);
      await Promise.race([
        watch.ended,
        sleep(5_000).then(() => {
          throw new Error('watch did not end within 5 s of cutAll()');
        }),
      ]);
      expect(proxy.stats.cut).toBeGreaterThanOrEqual(1);
      watch.stop();
    } finally {
      await proxy.close();
    }
  });
});
