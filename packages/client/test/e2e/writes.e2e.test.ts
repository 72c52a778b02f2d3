/**
 * @kw/client writes against a real kube-apiserver + etcd (tools/kube-local): create, replace,
 * the four patch types, server-side apply conflicts, 422 causes, delete preconditions, the status
 * subresource, dryRun, 404s and createFetcher.
 */
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { kubeEnv, useNamespace } from '@kw/kube-local/e2e';
import type { ResolvedResource } from '@kw/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  createClient,
  createFetcher,
  InvalidError,
  type KubeClient,
  NotFoundError,
} from '../../src/index';

const env = kubeEnv();
const ns = useNamespace('kw-writes');
let client: KubeClient;
let configMaps: ResolvedResource;
let deployments: ResolvedResource;

const configMap = (name: string, data: Record<string, string> = {}): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

const deployment = (name: string, replicas: number): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
    },
  },
});

beforeAll(async () => {
  client = createClient({ kubeconfigPath: env.adminKubeconfigPath });
  configMaps = await client.resolve({ group: '', version: 'v1', resource: 'configmaps' });
  deployments = await client.resolve({ group: 'apps', version: 'v1', resource: 'deployments' });
});

afterAll(() => {
  client?.close();
});

describe('@kw/client writes on a real control plane', () => {
  it('creates an object and returns the stored one with a uid and resourceVersion', async () => {
    const created = await client.create(configMaps, ns.name, configMap('created', { a: '1' }));
    expect(created.metadata?.uid).toMatch(/./);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.data).toEqual({ a: '1' });
    expect((await client.get<V1ConfigMap>(configMaps, ns.name, 'created')).data).toEqual({ a: '1' });
  });

  it('replaces with the current resourceVersion, then fails with ConflictError on the stale one', async () => {
    const first = await client.create(configMaps, ns.name, configMap('replaced', { v: '1' }));
    const second = await client.replace(configMaps, ns.name, { ...first, data: { v: '2' } });
    expect(second.data).toEqual({ v: '2' });
    expect(second.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
    const stale = await client.replace(configMaps, ns.name, { ...first, data: { v: '3' } }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale).toMatchObject({ code: 'KW_CONFLICT', status: 409, verb: 'replace' });
    expect((stale as Error).message).toContain('the object has been modified');
    // The retry the README shows: read the fresh object, apply the change again.
    const fresh = await client.get<V1ConfigMap>(configMaps, ns.name, 'replaced');
    const retried = await client.replace(configMaps, ns.name, { ...fresh, data: { v: '3' } });
    expect(retried.data).toEqual({ v: '3' });
  });

  it('applies merge, JSON, strategic and apply patches', async () => {
    await client.create(configMaps, ns.name, configMap('patched', { a: '1', b: '1' }));
    const merged = await client.patch<V1ConfigMap>(
      configMaps,
      ns.name,
      'patched',
      { data: { a: '2', b: null } },
      {
        type: 'merge',
      },
    );
    expect(merged.data).toEqual({ a: '2' });
    const json = await client.patch<V1ConfigMap>(
      configMaps,
      ns.name,
      'patched',
      [
        { op: 'test', path: '/data/a', value: '2' },
        { op: 'add', path: '/data/c', value: '3' },
      ],
      { type: 'json' },
    );
    expect(json.data).toEqual({ a: '2', c: '3' });
    const strategic = await client.patch<V1ConfigMap>(
      configMaps,
      ns.name,
      'patched',
      { metadata: { labels: { tier: 'x' } }, data: { d: '4' } },
      { type: 'strategic' },
    );
    expect(strategic.data).toEqual({ a: '2', c: '3', d: '4' });
    expect(strategic.metadata?.labels).toEqual({ tier: 'x' });
    const applied = await client.patch<V1ConfigMap>(configMaps, ns.name, 'applied', configMap('applied', { e: '5' }), {
      type: 'apply',
      fieldManager: 'kw-e2e',
    });
    expect(applied.data).toEqual({ e: '5' });
    expect(applied.metadata).toMatchObject({ name: 'applied' });
    const managers = (applied.metadata as { managedFields?: { manager?: string; operation?: string }[] }).managedFields;
    expect(managers?.map((m) => [m.manager, m.operation])).toEqual([['kw-e2e', 'Apply']]);
  });

  it('names the fields and the manager of a server-side apply conflict, then takes them over with force', async () => {
    const name = 'contested';
    await client.patch(configMaps, ns.name, name, configMap(name, { color: 'red', size: 'm' }), {
      type: 'apply',
      fieldManager: 'alice',
    });
    const conflict = await client
      .patch(configMaps, ns.name, name, configMap(name, { color: 'blue', size: 'l' }), {
        type: 'apply',
        fieldManager: 'bob',
      })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    const message = (conflict as Error).message;
    expect(message).toContain('on 2 field(s)');
    expect(message).toContain('.data.color (conflict with "alice"');
    expect(message).toContain('.data.size (conflict with "alice"');
    expect(message).toContain('force: true');
    const forced = await client.patch<V1ConfigMap>(
      configMaps,
      ns.name,
      name,
      configMap(name, { color: 'blue', size: 'l' }),
      {
        type: 'apply',
        fieldManager: 'bob',
        force: true,
      },
    );
    expect(forced.data).toEqual({ color: 'blue', size: 'l' });
  });

  it('rejects an invalid object with InvalidError (422) naming the field and the rule', async () => {
    const error = await client.create(deployments, ns.name, deployment('negative', -1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect(error).toMatchObject({ code: 'KW_INVALID', status: 422, verb: 'create' });
    expect((error as Error).message).toContain('spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('refuses a delete whose uid precondition no longer matches, and keeps the object', async () => {
    const old = await client.create(configMaps, ns.name, configMap('recreated'));
    await client.delete(configMaps, ns.name, 'recreated', { gracePeriodSeconds: 0 });
    const current = await client.create(configMaps, ns.name, configMap('recreated'));
    expect(current.metadata?.uid).not.toBe(old.metadata?.uid);
    const error = await client
      .delete(configMaps, ns.name, 'recreated', { preconditions: { uid: old.metadata?.uid ?? '' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain('Precondition failed: UID in precondition');
    expect((await client.get(configMaps, ns.name, 'recreated')).metadata?.uid).toBe(current.metadata?.uid);
    await client.delete(configMaps, ns.name, 'recreated', { preconditions: { uid: current.metadata?.uid ?? '' } });
    await expect(client.get(configMaps, ns.name, 'recreated')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('writes the status subresource with replace and patch, leaving the spec alone', async () => {
    const created = await client.create(deployments, ns.name, deployment('with-status', 0));
    const replaced = await client.replace(
      deployments,
      ns.name,
      {
        ...created,
        spec: { ...created.spec, replicas: 5 },
        status: { observedGeneration: 1, replicas: 0 },
      } as V1Deployment,
      { subresource: 'status' },
    );
    expect(replaced.status?.observedGeneration).toBe(1);
    expect(replaced.spec?.replicas).toBe(0); // a status write ignores the spec
    const patched = await client.patch<V1Deployment>(
      deployments,
      ns.name,
      'with-status',
      { status: { observedGeneration: 2 } },
      { type: 'merge', subresource: 'status' },
    );
    expect(patched.status?.observedGeneration).toBe(2);
    // The main resource ignores a status change.
    const main = await client.patch<V1Deployment>(
      deployments,
      ns.name,
      'with-status',
      { status: { observedGeneration: 9 } },
      {
        type: 'merge',
      },
    );
    expect(main.status?.observedGeneration).toBe(2);
  });

  it('dryRun validates and persists nothing', async () => {
    const dry = await client.create(configMaps, ns.name, configMap('dry', { a: '1' }), { dryRun: true });
    expect(dry.metadata?.name).toBe('dry');
    await expect(client.get(configMaps, ns.name, 'dry')).rejects.toBeInstanceOf(NotFoundError);
    const kept = await client.create(configMaps, ns.name, configMap('kept', { a: '1' }));
    await client.patch(configMaps, ns.name, 'kept', { data: { a: '2' } }, { type: 'merge', dryRun: true });
    await client.delete(configMaps, ns.name, 'kept', { dryRun: true });
    const after = await client.get<V1ConfigMap>(configMaps, ns.name, 'kept');
    expect(after.data).toEqual({ a: '1' });
    expect(after.metadata?.resourceVersion).toBe(kept.metadata?.resourceVersion);
  });

  it('names the missing object in NotFoundError, and createFetcher resolves undefined for it', async () => {
    const error = await client.get(configMaps, ns.name, 'missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(`ConfigMap "${ns.name}/missing" does not exist (404)`);
    const patchMissing = await client
      .patch(configMaps, ns.name, 'missing', { data: {} }, { type: 'merge' })
      .catch((e: unknown) => e);
    expect((patchMissing as Error).message).toContain(`ConfigMap "${ns.name}/missing" does not exist (404)`);

    const fetch = createFetcher<V1ConfigMap>(client, configMaps);
    expect(await fetch(ns.name, 'missing')).toBeUndefined();
    await client.create(configMaps, ns.name, configMap('fetched', { f: '1' }));
    expect((await fetch(ns.name, 'fetched'))?.data).toEqual({ f: '1' });
    const metadataOnly = createFetcher(client, configMaps, { metadataOnly: true });
    expect(await metadataOnly(ns.name, 'fetched')).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'fetched' },
    });
  });
});
