import type { GetOptions, KubeApi, KubeObject, ResolvedResource } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { createFetcher } from './index';

const configMaps: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['get'],
};

/** A `get` that records its calls and answers from `answer`. */
function fakeApi(answer: (name: string) => Promise<KubeObject>) {
  const calls: { namespace: string | undefined; name: string; options: GetOptions | undefined }[] = [];
  const api: Pick<KubeApi, 'get'> = {
    get: async <T extends KubeObject>(
      _r: ResolvedResource,
      namespace: string | undefined,
      name: string,
      options?: GetOptions,
    ): Promise<T> => {
      calls.push({ namespace, name, options });
      return (await answer(name)) as T;
    },
  };
  return { api, calls };
}

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('createFetcher', () => {
  it('resolves the object, undefined for KW_NOT_FOUND, and rejects with any other error', async () => {
    const { api } = fakeApi(async (name) => {
      if (name === 'missing') throw coded('KW_NOT_FOUND');
      if (name === 'secret') throw coded('KW_FORBIDDEN');
      return { metadata: { name } };
    });
    const fetch = createFetcher(api, configMaps);
    expect(await fetch('a', 'cfg')).toEqual({ metadata: { name: 'cfg' } });
    expect(await fetch('a', 'missing')).toBeUndefined();
    await expect(fetch('a', 'secret')).rejects.toMatchObject({ code: 'KW_FORBIDDEN' });
  });

  it('passes the signal and metadataOnly to get', async () => {
    const { api, calls } = fakeApi(async (name) => ({ metadata: { name } }));
    const signal = new AbortController().signal;
    await createFetcher(api, configMaps, { metadataOnly: true })('a', 'x', signal);
    await createFetcher(api, configMaps)(undefined, 'y');
    expect(calls).toEqual([
      { namespace: 'a', name: 'x', options: { metadataOnly: true, signal } },
      { namespace: undefined, name: 'y', options: { metadataOnly: false } },
    ]);
  });
});
