import type { FetchOutcome, Instrumentation, KubeObject } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { CachedStore, type InvalidConfigError } from './index';

function secret(name: string, rv = '1'): KubeObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'ns', resourceVersion: rv },
    data: { v: rv },
  };
}

/** Records every cache hook call; the clock moves 5 ms per fetch. */
function recorder() {
  const calls: { hits: [string, number][]; misses: [string, number][]; fetches: [string, number, FetchOutcome][] } = {
    hits: [],
    misses: [],
    fetches: [],
  };
  const sizes: [string, number, number][] = [];
  const hooks: Instrumentation = {
    cacheHit: (store, count) => calls.hits.push([store, count]),
    cacheMiss: (store, count) => calls.misses.push([store, count]),
    cacheFetch: (store, seconds, outcome) => calls.fetches.push([store, seconds, outcome]),
    cacheSize: (store, entries, bytes) => sizes.push([store, entries, bytes]),
  };
  return { calls, sizes, hooks };
}

describe('CachedStore instrumentation', () => {
  it('reports hits and misses per read, each fetch with its seconds and outcome, and the cache size', async () => {
    let now = 0;
    const bodies = new Map([['ns/a', secret('a')]]);
    const { calls, sizes, hooks } = recorder();
    const store = new CachedStore({
      name: 'secrets',
      instrumentation: hooks,
      clock: { now: () => now },
      sizeOf: () => 100,
      fetch: async (ns, name) => {
        now += 5;
        return bodies.get(`${ns}/${name}`);
      },
    });
    store.update(secret('a'), ['ns']);
    store.update(secret('gone'), ['ns']);
    expect(await store.getById('ns/a')).toEqual(secret('a'));
    expect(await store.getById('ns/gone')).toBeUndefined();
    expect(await store.list()).toEqual([secret('a')]);
    expect(calls).toEqual({
      hits: [['secrets', 1]],
      misses: [
        ['secrets', 1],
        ['secrets', 1],
        ['secrets', 1],
      ],
      fetches: [
        ['secrets', 0.005, 'found'],
        ['secrets', 0.005, 'not-found'],
        ['secrets', 0.005, 'not-found'],
      ],
    });
    expect(sizes.at(-1)).toEqual(['secrets', 1, 100]);
    store.delete(secret('a'));
    expect(sizes.at(-1)).toEqual(['secrets', 0, 0]);
  });

  it('reports a failed fetch as outcome error under the default store name', async () => {
    const { calls, hooks } = recorder();
    const store = new CachedStore<KubeObject>({
      instrumentation: hooks,
      clock: { now: () => 0 },
      fetch: async () => {
        throw new Error('boom');
      },
    });
    store.update(secret('a'), ['ns']);
    await expect(store.list()).rejects.toMatchObject({ code: 'KW_PARTIAL_READ' });
    expect(calls.fetches).toEqual([['cached-store', 0, 'error']]);
  });

  it('rejects an empty name and a non-object instrumentation, naming the field', () => {
    const fetch = async () => undefined;
    expect(() => new CachedStore({ fetch, name: '' })).toThrow(
      expect.objectContaining({ field: 'name', value: '' }) as InvalidConfigError,
    );
    expect(() => new CachedStore({ fetch, instrumentation: 1 as never })).toThrow(
      expect.objectContaining({ field: 'instrumentation', value: 1 }) as InvalidConfigError,
    );
  });
});
