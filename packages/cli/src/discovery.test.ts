import { describe, expect, it } from 'vitest';
import { type ApiResourceInfo, type Discovery, resolveResourceRef } from './discovery';
import { UnknownResourceError } from './errors';
import { parseResourceRef } from './resource-ref';

const verbs = ['get', 'list', 'watch'];
const served: Record<string, ApiResourceInfo[]> = {
  '/v1': [
    { name: 'configmaps', singularName: 'configmap', shortNames: ['cm'], kind: 'ConfigMap', namespaced: true, verbs },
    { name: 'events', singularName: 'event', shortNames: ['ev'], kind: 'Event', namespaced: true, verbs },
    { name: 'pods', singularName: 'pod', shortNames: ['po'], kind: 'Pod', namespaced: true, verbs },
    { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] },
  ],
  'apps/v1': [
    {
      name: 'deployments',
      singularName: 'deployment',
      shortNames: ['deploy'],
      kind: 'Deployment',
      namespaced: true,
      verbs,
    },
  ],
  'events.k8s.io/v1': [
    { name: 'events', singularName: 'event', shortNames: ['ev'], kind: 'Event', namespaced: true, verbs },
  ],
  'example.com/v1': [{ name: 'widgets', singularName: 'widget', kind: 'Widget', namespaced: false, verbs }],
  'example.com/v2beta1': [
    { name: 'widgets', singularName: 'widget', kind: 'Widget', namespaced: false, verbs },
    { name: 'gadgets', singularName: 'gadget', kind: 'Gadget', namespaced: false, verbs },
  ],
};

const discovery: Discovery = {
  async groups() {
    return [
      { name: '', versions: ['v1'] },
      { name: 'apps', versions: ['v1'] },
      { name: 'events.k8s.io', versions: ['v1'] },
      { name: 'example.com', versions: ['v1', 'v2beta1'] },
    ];
  },
  async resources(group, version) {
    return served[`${group}/${version}`] ?? [];
  },
};

const resolve = (text: string) => resolveResourceRef(parseResourceRef(text), discovery);

describe('resolveResourceRef', () => {
  it('finds a core resource by plural, singular, short name and kind', async () => {
    for (const text of ['configmaps', 'configmap', 'cm', 'ConfigMap']) {
      await expect(resolve(text)).resolves.toMatchObject({
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespaced: true,
      });
    }
  });

  it('fills in the preferred version of a named group', async () => {
    await expect(resolve('deployments.apps')).resolves.toEqual({
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      verbs,
    });
    await expect(resolve('deploy')).resolves.toMatchObject({ group: 'apps', resource: 'deployments' });
  });

  it('prefers the core group when several groups serve the name', async () => {
    await expect(resolve('events')).resolves.toMatchObject({ group: '', resource: 'events' });
    await expect(resolve('events.events.k8s.io')).resolves.toMatchObject({ group: 'events.k8s.io' });
  });

  it('uses an explicit version, and non-preferred versions when the preferred one lacks the resource', async () => {
    await expect(resolve('widgets.v2beta1.example.com')).resolves.toMatchObject({
      version: 'v2beta1',
      namespaced: false,
    });
    await expect(resolve('widgets.example.com')).resolves.toMatchObject({ version: 'v1' });
    await expect(resolve('gadgets')).resolves.toMatchObject({ group: 'example.com', version: 'v2beta1' });
  });

  it('never matches a subresource', async () => {
    await expect(resolve('log')).rejects.toThrow(UnknownResourceError);
  });

  it.each([
    ['frobs', 'unknown resource "frobs": the server serves no resource named "frobs"'],
    ['deployments.nope.io', 'unknown resource "deployments.nope.io": the server has no API group "nope.io"'],
    ['deployments.v2.apps', 'API group "apps" does not serve version "v2" — it serves v1'],
    ['pods.apps', 'the server serves no resource named "pods" in API group "apps"'],
  ])('rejects %s naming it', async (text, message) => {
    const error = await resolve(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect((error as UnknownResourceError).code).toBe('KW_UNKNOWN_RESOURCE');
    expect((error as Error).message).toContain(message);
  });
});
