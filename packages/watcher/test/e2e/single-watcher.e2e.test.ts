import { useNamespace } from '@kw/kube-local/e2e';
import { until, useCleanup } from '@kw/test-utils';
import type { SingleChange } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { SingleWatcher } from '../../src/index';
import { CONFIGMAPS, client, configMap, core } from './helpers';

const ns = useNamespace('kw-single');
const cleanup = useCleanup();

describe('SingleWatcher on a real API server', () => {
  it('sees create, update, delete and re-create of one object, ignoring its neighbours', async () => {
    const kube = client();
    const changes: string[] = [];
    let synced: unknown = 'not called';
    const watcher = new SingleWatcher({
      api: kube,
      resource: CONFIGMAPS,
      namespace: ns.name,
      name: 'single',
      onChange: (obj, change: SingleChange) => {
        changes.push(`${change}:${(obj as { data?: Record<string, string> }).data?.v ?? ''}`);
      },
      onSyncComplete: (obj) => {
        synced = obj;
      },
    });
    cleanup.push(async () => {
      await watcher.stop();
      kube.close();
    });
    await watcher.waitForSync();
    expect(synced).toBeUndefined();

    const api = core();
    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap('neighbour', {}, { v: 'n' }) });
    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap('single', {}, { v: '1' }) });
    await until(() => changes.length >= 1, { what: 'added', timeoutMs: 30_000 });
    await api.replaceNamespacedConfigMap({
      name: 'single',
      namespace: ns.name,
      body: configMap('single', {}, { v: '2' }),
    });
    await until(() => changes.length >= 2, { what: 'modified', timeoutMs: 30_000 });
    await api.deleteNamespacedConfigMap({ name: 'single', namespace: ns.name });
    await until(() => changes.length >= 3, { what: 'deleted', timeoutMs: 30_000 });
    await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap('single', {}, { v: '3' }) });
    await until(() => changes.length >= 4, { what: 're-created', timeoutMs: 30_000 });
    expect(changes).toEqual(['added:1', 'modified:2', 'deleted:2', 'added:3']);
    expect(watcher.object?.metadata?.name).toBe('single');
  });

  it('passes an existing object to onSyncComplete, then to onChange as added, then later changes', async () => {
    const kube = client();
    await core().createNamespacedConfigMap({ namespace: ns.name, body: configMap('existing', {}, { v: 'x' }) });
    const order: string[] = [];
    const watcher = new SingleWatcher({
      api: kube,
      resource: CONFIGMAPS,
      namespace: ns.name,
      name: 'existing',
      onChange: (obj, change) => {
        order.push(`${change}:${(obj as { data?: Record<string, string> }).data?.v}`);
      },
      onSyncComplete: (obj) => {
        order.push(`sync:${(obj as { data?: Record<string, string> } | undefined)?.data?.v}`);
      },
    });
    cleanup.push(async () => {
      await watcher.stop();
      kube.close();
    });
    await watcher.waitForSync();
    await until(() => order.length >= 2, { what: 'the initial object', timeoutMs: 30_000 });
    await core().replaceNamespacedConfigMap({
      name: 'existing',
      namespace: ns.name,
      body: configMap('existing', {}, { v: 'y' }),
    });
    await until(() => order.length >= 3, { what: 'the update', timeoutMs: 30_000 });
    expect(order).toEqual(['sync:x', 'added:x', 'modified:y']);
  });

  it('keeps the watch current while onChange never settles', async () => {
    const kube = client();
    await core().createNamespacedConfigMap({ namespace: ns.name, body: configMap('stuck', {}, { v: '0' }) });
    const calls: string[] = [];
    const watcher = new SingleWatcher({
      api: kube,
      resource: CONFIGMAPS,
      namespace: ns.name,
      name: 'stuck',
      onChange: (obj, change) => {
        calls.push(`${change}:${(obj as { data?: Record<string, string> }).data?.v}`);
        return new Promise<void>(() => {});
      },
    });
    cleanup.push(async () => {
      await watcher.stop();
      kube.close();
    });
    await watcher.waitForSync();
    for (const v of ['1', '2', '3']) {
      await core().replaceNamespacedConfigMap({
        name: 'stuck',
        namespace: ns.name,
        body: configMap('stuck', {}, { v }),
      });
    }
    await until(() => (watcher.object as { data?: Record<string, string> } | undefined)?.data?.v === '3', {
      what: 'the latest version',
      timeoutMs: 30_000,
    });
    expect(calls).toEqual(['added:0']);
    expect(watcher.status()).toMatchObject({ phase: 'watching', events: { modified: 3 } });
  });

  it('rejects waitForSync when a namespaced resource is watched without a namespace', async () => {
    const kube = client();
    const watcher = new SingleWatcher({ api: kube, resource: CONFIGMAPS, name: 'x', onChange: () => {} });
    cleanup.push(async () => {
      await watcher.stop();
      kube.close();
    });
    await expect(watcher.waitForSync()).rejects.toMatchObject({ code: 'KW_INVALID_CONFIG', field: 'namespace' });
  });
});
