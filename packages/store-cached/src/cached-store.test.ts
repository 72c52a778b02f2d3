import type { KubeObject, ObjectFetcher } from '@kw/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CACHED_STORE_DEFAULTS,
  CachedStore,
  type CachedStoreOptions,
  InvalidConfigError,
  PartialReadError,
  ReadAbortedError,
} from './index';

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

function secret(name: string, rv = '1', data: Record<string, string> = { v: rv }, namespace = 'ns'): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, resourceVersion: rv }, data };
}

function meta(name: string, rv: string, namespace = 'ns'): Secret {
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: { name, namespace, resourceVersion: rv },
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake API: serves the latest body per identity, counts calls, and optionally holds each call until released. */
function fakeApi(options: { manual?: boolean } = {}) {
  const objects = new Map<string, Secret>();
  const calls: string[] = [];
  const pending: { id: string; settle: Deferred<Secret | undefined> }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch: ObjectFetcher<Secret> = async (namespace, name) => {
    const id = namespace ? `${namespace}/${name}` : name;
    calls.push(id);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (options.manual) {
        const settle = deferred<Secret | undefined>();
        pending.push({ id, settle });
        return await settle.promise;
      }
      return structuredClone(objects.get(id));
    } finally {
      inFlight--;
    }
  };
  return {
    fetch,
    objects,
    calls,
    pending,
    put(obj: Secret) {
      objects.set(`${obj.metadata?.namespace}/${obj.metadata?.name}`, obj);
      return obj;
    },
    /** Releases the oldest held call with the server's current body. */
    release() {
      const next = pending.shift();
      if (!next) throw new Error('no pending fetch');
      next.settle.resolve(structuredClone(objects.get(next.id)));
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

type Api = ReturnType<typeof fakeApi>;

function store(api: Api, options: Partial<CachedStoreOptions<Secret>> = {}) {
  return new CachedStore<Secret>({ fetch: api.fetch, ...options });
}

/** Lets settled fetch promises run their continuations. */
async function flush() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const names = (objs: readonly KubeObject[]) => objs.map((o) => o.metadata?.name);

afterEach(() => {
  vi.useRealTimers();
});

describe('CachedStore configuration', () => {
  it('exposes its defaults in one constant', () => {
    expect(CACHED_STORE_DEFAULTS).toEqual({ ttlMs: 130_000, maxEntries: 1000, concurrency: 8, name: 'cached-store' });
  });

  it.each([
    [{ fetch: undefined }, 'fetch', /^fetch: must be a function/],
    [{ ttlMs: 0 }, 'ttlMs', /^ttlMs: must be a positive integer, got 0$/],
    [{ ttlMs: 1.5 }, 'ttlMs', /^ttlMs: must be a positive integer/],
    [{ maxEntries: -1 }, 'maxEntries', /^maxEntries: must be a positive integer/],
    [{ maxEntries: Number.POSITIVE_INFINITY }, 'maxEntries', /unbounded — set maxBytes/],
    [{ maxBytes: 0 }, 'maxBytes', /^maxBytes: must be a positive integer/],
    [{ concurrency: 0 }, 'concurrency', /^concurrency: must be a positive integer/],
    [{ keyCount: 0 }, 'keyCount', /^keyCount: must be a positive integer/],
    [{ sizeOf: 5 }, 'sizeOf', /^sizeOf: must be a function/],
    [{ clock: {} }, 'clock', /^clock: must have a now\(\) method/],
    [{ signal: 'stop' }, 'signal', /^signal: must be an AbortSignal/],
  ])('rejects invalid options %j, naming the field and the value', (bad, field, message) => {
    const make = () => new CachedStore({ fetch: async () => undefined, ...(bad as object) } as CachedStoreOptions);
    expect(make).toThrow(InvalidConfigError);
    expect(make).toThrow(message);
    expect(make).toThrow(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field, value: (bad as Record<string, unknown>)[field] }),
    );
  });

  it('accepts an unbounded entry count when bytes are bounded', () => {
    expect(() => new CachedStore({ fetch: async () => undefined, maxEntries: Infinity, maxBytes: 10 })).not.toThrow();
  });
});

// Identity, moves, deletes, order, partial keys, rejections and replace() atomicity are proven by
// the shared Store contract (cached-store.contract.test.ts); this file covers the cache and fetching.

describe('CachedStore fetcher and clear', () => {
  it('lists every identity with its resourceVersion without fetching a body', () => {
    const api = fakeApi();
    const s = store(api);
    s.add(secret('a', '1'), ['x']);
    s.add(secret('b', '2'), ['y']);
    s.delete(secret('a', '1'));
    expect(s.resourceVersions()).toEqual([['ns/b', '2']]);
    expect(api.calls).toHaveLength(0);
  });

  it('passes namespace and name to the fetcher, and no namespace for cluster-scoped objects', async () => {
    const fetch = vi.fn<ObjectFetcher>(async (_ns, name) => ({ metadata: { name } }));
    const s = new CachedStore({ fetch });
    s.add({ metadata: { name: 'node-1' } }, ['k']);
    s.add({ metadata: { name: 'p', namespace: 'ns' } }, ['k']);
    await s.list();
    expect(fetch.mock.calls.map((c) => [c[0], c[1]])).toEqual([
      [undefined, 'node-1'],
      ['ns', 'p'],
    ]);
    expect(await s.getById('node-1')).toEqual({ metadata: { name: 'node-1' } });
  });

  it('clears refs and cached bodies', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a')), ['k']);
    await s.list();
    s.clear();
    expect(await s.size()).toBe(0);
    expect(await s.list()).toEqual([]);
    expect(s.stats()).toMatchObject({ entries: 0, bytes: 0, refs: 0 });
    expect(() => s.add(secret('a'), ['k', 'l'])).toThrow(expect.objectContaining({ code: 'KW_KEY_COUNT' }));
  });
});

describe('CachedStore cache', () => {
  it('fetches a body on first read and serves it from the cache afterwards', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a')), ['k']);
    const first = await s.getById('ns/a');
    const second = await s.get(['k']);
    expect(first).toEqual(secret('a'));
    expect(second[0]).toBe(first);
    expect(api.calls).toEqual(['ns/a']);
    expect(s.stats()).toMatchObject({ hits: 1, misses: 1, fetches: 1, entries: 1, refs: 1 });
  });

  it('expires a body after ttlMs without reads and refreshes the TTL on each read', async () => {
    vi.useFakeTimers();
    const api = fakeApi();
    const s = store(api, { ttlMs: 1000 });
    s.add(api.put(secret('a')), ['k']);
    await s.list();
    vi.advanceTimersByTime(800);
    await s.list(); // hit: TTL restarts
    vi.advanceTimersByTime(800);
    await s.list(); // still a hit, 1600 ms after the fetch
    expect(api.calls).toHaveLength(1);
    vi.advanceTimersByTime(1001);
    await s.list();
    expect(api.calls).toHaveLength(2);
    expect(s.stats()).toMatchObject({ hits: 2, misses: 2, expirations: 1 });
  });

  it('reports expired bodies as gone from entries and bytes', async () => {
    vi.useFakeTimers();
    const api = fakeApi();
    const s = store(api, { ttlMs: 1000, sizeOf: () => 10 });
    s.add(api.put(secret('a')), ['k']);
    await s.list();
    expect(s.stats()).toMatchObject({ entries: 1, bytes: 10 });
    vi.advanceTimersByTime(1001);
    expect(s.stats()).toMatchObject({ entries: 0, bytes: 0, expirations: 1, refs: 1 });
  });

  it('evicts the least recently used body beyond maxEntries', async () => {
    const api = fakeApi();
    const s = store(api, { maxEntries: 2 });
    for (const name of ['a', 'b', 'c']) s.add(api.put(secret(name)), [name]);
    await s.get(['a']);
    await s.get(['b']);
    await s.get(['a']); // b is now least recently used
    await s.get(['c']); // evicts b
    api.calls.length = 0;
    await s.get(['a']);
    await s.get(['c']);
    expect(api.calls).toEqual([]);
    await s.get(['b']);
    expect(api.calls).toEqual(['ns/b']);
    expect(s.stats()).toMatchObject({ evictions: 2, entries: 2 });
  });

  it('evicts least recently used bodies beyond maxBytes, measured once by sizeOf', async () => {
    const api = fakeApi();
    const sizeOf = vi.fn((obj: Secret) => Number(obj.data?.size));
    const s = store(api, { maxBytes: 100, maxEntries: Infinity, sizeOf });
    for (const [name, size] of [
      ['a', '40'],
      ['b', '40'],
      ['c', '50'],
    ] as const) {
      s.add(api.put(secret(name, '1', { size })), [name]);
    }
    await s.get(['a']);
    await s.get(['b']);
    await s.get(['a']);
    expect(s.stats()).toMatchObject({ bytes: 80, entries: 2 });
    await s.get(['c']); // 130 > 100: evicts b (LRU)
    expect(s.stats()).toMatchObject({ bytes: 90, entries: 2, evictions: 1 });
    api.calls.length = 0;
    await s.get(['a']);
    expect(api.calls).toEqual([]);
    await s.get(['b']);
    expect(api.calls).toEqual(['ns/b']);
    expect(sizeOf).toHaveBeenCalledTimes(4);
  });

  it('returns but does not cache a body larger than maxBytes', async () => {
    const api = fakeApi();
    const s = store(api, { maxBytes: 10, sizeOf: () => 11 });
    s.add(api.put(secret('a')), ['k']);
    expect(names(await s.list())).toEqual(['a']);
    expect(names(await s.list())).toEqual(['a']);
    expect(api.calls).toHaveLength(2);
    expect(s.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('sizes bodies by JSON length by default', async () => {
    const api = fakeApi();
    const s = store(api);
    const body = api.put(secret('a', '1', { big: 'x'.repeat(5000) }));
    s.add(body, ['k']);
    await s.list();
    expect(s.stats().bytes).toBe(JSON.stringify(body).length);
  });

  it('applies filterFields to fetched bodies', async () => {
    const api = fakeApi();
    const s = store(api, { filterFields: ({ data: _data, ...rest }) => rest });
    s.add(api.put(secret('a')), ['k']);
    expect(await s.list()).toEqual([{ apiVersion: 'v1', kind: 'Secret', metadata: secret('a').metadata }]);
  });
});

describe('CachedStore writes and the cache', () => {
  it('replaces a cached body with a full body from update, without fetching', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    await s.list();
    s.update(secret('a', '2', { v: 'new' }), ['k']);
    expect(await s.list()).toEqual([secret('a', '2', { v: 'new' })]);
    expect(api.calls).toHaveLength(1);
  });

  it('does not cache a full body from add or update when the object is not cached', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    s.update(api.put(secret('a', '2')), ['k']);
    expect(s.stats().entries).toBe(0);
    expect(await s.list()).toEqual([secret('a', '2')]);
    expect(api.calls).toEqual(['ns/a']);
  });

  it('drops a cached body when a metadata-only update carries another resourceVersion', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(meta('a', '1'), ['k']);
    api.put(secret('a', '1'));
    await s.list();
    s.update(meta('a', '1'), ['k']);
    await s.list();
    expect(api.calls).toHaveLength(1);
    api.put(secret('a', '2'));
    s.update(meta('a', '2'), ['k']);
    expect(s.stats().entries).toBe(0);
    expect(await s.list()).toEqual([secret('a', '2')]);
    expect(api.calls).toHaveLength(2);
  });

  it('treats an object with nothing but metadata as metadata-only', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    await s.list();
    s.update({ metadata: { name: 'a', namespace: 'ns', resourceVersion: '2' } }, ['k']);
    expect(s.stats().entries).toBe(0);
  });

  it('evicts a cached body on delete, so a re-added object is fetched again', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    await s.list();
    s.delete(secret('a', '1'));
    expect(s.stats()).toMatchObject({ entries: 0, refs: 0, evictions: 0 });
    s.add(api.put(secret('a', '5')), ['k']);
    expect(await s.list()).toEqual([secret('a', '5')]);
    expect(api.calls).toHaveLength(2);
  });
});

describe('CachedStore fetching', () => {
  it('shares one fetch among concurrent reads of the same missing object', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api);
    s.add(api.put(secret('a')), ['k']);
    const byId = [s.getById('ns/a'), s.getById('ns/a')];
    const lists = [s.get(['k']), s.list(), s.get(['k'])];
    await flush();
    expect(api.calls).toEqual(['ns/a']);
    api.release();
    const first = await byId[0];
    expect(first).toEqual(secret('a'));
    expect(await byId[1]).toBe(first);
    for (const list of await Promise.all(lists)) expect(list).toEqual([first]);
    expect(s.stats()).toMatchObject({ fetches: 1, misses: 5, hits: 0 });
  });

  it('drops an object that is gone (404) from the result without failing the read', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a')), ['k']);
    s.add(secret('gone'), ['k']);
    s.add(api.put(secret('c')), ['k']);
    expect(names(await s.get(['k']))).toEqual(['a', 'c']);
    expect(await s.getById('ns/gone')).toBeUndefined();
    expect(await s.size()).toBe(3);
  });

  it('rejects a failed fetch (get: as a partial read; getById: as is), reports it once, and retries on the next read', async () => {
    const error = Object.assign(new Error('forbidden'), { code: 'KW_FORBIDDEN' as const });
    let fail = true;
    const fetch = vi.fn<ObjectFetcher<Secret>>(async (_ns, name) => {
      await Promise.resolve();
      if (fail) throw error;
      return secret(name);
    });
    const onError = vi.fn();
    const s = new CachedStore<Secret>({ fetch, onError });
    s.add(secret('a'), ['k']);
    const reads = [s.get(['k']), s.getById('ns/a')];
    await expect(reads[0]).rejects.toMatchObject({
      code: 'KW_PARTIAL_READ',
      objects: [],
      failures: [{ id: 'ns/a', error }],
      cause: error,
    });
    await expect(reads[1]).rejects.toBe(error);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(error);
    fail = false;
    expect(await s.list()).toEqual([secret('a')]);
    expect(s.stats()).toMatchObject({ fetches: 2, fetchErrors: 1 });
  });

  it('keeps the read outcome when onError throws', async () => {
    const error = new Error('boom');
    const s = new CachedStore<Secret>({
      fetch: () => Promise.reject(error),
      onError: () => {
        throw new Error('callback');
      },
    });
    s.add(secret('a'), ['k']);
    await expect(s.list()).rejects.toMatchObject({ code: 'KW_PARTIAL_READ', cause: error });
  });

  it('never runs more than `concurrency` fetches at once and still answers every object', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api, { concurrency: 3 });
    for (let i = 0; i < 20; i++) s.add(api.put(secret(`s${i}`)), [`k${i % 2}`]);
    const all = s.list();
    const half = s.get(['k0']);
    for (let released = 0; released < 20; released++) {
      await flush();
      expect(api.pending.length).toBeLessThanOrEqual(3);
      api.release();
    }
    expect(await all).toHaveLength(20);
    expect(await half).toHaveLength(10);
    expect(api.maxInFlight).toBe(3);
    expect(api.calls).toHaveLength(20);
  });

  it('returns but does not cache a body whose object was deleted while it was fetched', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    const read = s.getById('ns/a');
    await flush();
    s.delete(secret('a', '1'));
    api.release();
    expect(await read).toEqual(secret('a', '1'));
    expect(s.stats().entries).toBe(0);
    s.add(api.put(secret('a', '2')), ['k']);
    const again = s.getById('ns/a');
    await flush();
    api.release();
    expect(await again).toEqual(secret('a', '2'));
    expect(api.calls).toHaveLength(2);
  });

  it('does not let a read after delete and re-add join the older fetch', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    const before = s.getById('ns/a');
    await flush();
    s.delete(secret('a', '1'));
    s.add(secret('a', '2'), ['k']);
    const after = s.getById('ns/a');
    await flush();
    expect(api.calls).toHaveLength(2);
    api.release();
    api.put(secret('a', '2'));
    api.release();
    expect(await before).toEqual(secret('a', '1'));
    expect(await after).toEqual(secret('a', '2'));
    expect(s.stats().entries).toBe(1);
    expect(await s.getById('ns/a')).toEqual(secret('a', '2'));
  });

  it('does not cache a fetched body older than a change that arrived during the fetch', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api);
    s.add(meta('a', '1'), ['k']);
    api.put(secret('a', '1'));
    const read = s.getById('ns/a');
    await flush();
    s.update(meta('a', '2'), ['k']);
    api.release(); // still serves rv 1
    expect(await read).toEqual(secret('a', '1'));
    expect(s.stats().entries).toBe(0);
  });

  it('caches a body fetched during a change when it already is that change', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api);
    s.add(meta('a', '1'), ['k']);
    const read = s.getById('ns/a');
    await flush();
    api.put(secret('a', '2'));
    s.update(meta('a', '2'), ['k']);
    api.release();
    expect(await read).toEqual(secret('a', '2'));
    expect(s.stats().entries).toBe(1);
  });
});

describe('CachedStore replace and the cache', () => {
  it('applies upserts to cached bodies as update does, and evicts deleted ones, in one call', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a', '1')), ['k']);
    s.add(api.put(secret('b', '1')), ['k']);
    s.add(meta('c', '1'), ['k']);
    api.put(secret('c', '1'));
    await s.list();
    expect(s.stats().entries).toBe(3);
    s.replace({
      upserts: [
        { obj: secret('a', '2', { v: 'full' }), keys: ['k'] },
        { obj: meta('c', '2'), keys: ['moved'] },
      ],
      deletes: [meta('b', '1')],
    });
    expect(s.stats()).toMatchObject({ entries: 1, refs: 2 });
    expect(await s.getById('ns/a')).toEqual(secret('a', '2', { v: 'full' }));
    expect(api.calls).toEqual(['ns/a', 'ns/b', 'ns/c']);
    api.put(secret('c', '2'));
    expect(names(await s.get(['moved']))).toEqual(['c']);
    expect(api.calls).toHaveLength(4);
  });

  it('does not cache a body whose fetch started before replace() changed or deleted the object', async () => {
    const api = fakeApi({ manual: true });
    const s = store(api);
    s.add(meta('a', '1'), ['k']);
    s.add(meta('b', '1'), ['k']);
    api.put(secret('a', '1'));
    api.put(secret('b', '1'));
    const read = s.list();
    await flush();
    s.replace({ upserts: [{ obj: meta('a', '2'), keys: ['k'] }], deletes: [meta('b', '1')] });
    api.release();
    api.release();
    expect(names(await read)).toEqual(['a', 'b']);
    expect(s.stats()).toMatchObject({ entries: 0, refs: 1 });
  });
});

describe('CachedStore under load: partial reads and cancellation', () => {
  it('rejects a list with some failed fetches as PartialReadError holding every object read, in order', async () => {
    const denied = Object.assign(new Error('secrets "b" is forbidden'), { code: 'KW_FORBIDDEN' as const });
    const fetch = vi.fn<ObjectFetcher<Secret>>(async (_ns, name) => {
      if (name === 'b' || name === 'd') throw denied;
      return name === 'gone' ? undefined : secret(name);
    });
    const onError = vi.fn();
    const s = new CachedStore<Secret>({ fetch, onError });
    for (const name of ['a', 'b', 'c', 'gone', 'd', 'e']) s.add(secret(name), ['k']);
    const error = await s.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PartialReadError);
    const partial = error as PartialReadError<Secret>;
    expect(partial.code).toBe('KW_PARTIAL_READ');
    expect(names(partial.objects)).toEqual(['a', 'c', 'e']);
    expect(partial.failures).toEqual([
      { id: 'ns/b', error: denied },
      { id: 'ns/d', error: denied },
    ]);
    expect(partial.value).toEqual(['ns/b', 'ns/d']);
    expect(partial.cause).toBe(denied);
    expect(partial.message).toMatch(/^list\(\): 2 of 5 bodies could not be fetched \(first: ns\/b KW_FORBIDDEN/);
    expect(onError).toHaveBeenCalledTimes(2);
    // The bodies that were read are cached: a retry fetches only the failed ones.
    fetch.mockClear();
    await expect(s.get(['k'])).rejects.toBeInstanceOf(PartialReadError);
    expect(fetch.mock.calls.map((c) => c[1])).toEqual(['b', 'gone', 'd']);
  });

  it('hands every fetch an AbortSignal, which the store signal aborts; reads in progress reject with KW_ABORTED', async () => {
    const api = fakeApi({ manual: true });
    const signals: AbortSignal[] = [];
    const controller = new AbortController();
    const s = new CachedStore<Secret>({
      fetch: (ns, name, signal) => {
        signals.push(signal!);
        return api.fetch(ns, name, signal);
      },
      signal: controller.signal,
      concurrency: 2,
    });
    for (const name of ['a', 'b', 'c']) s.add(api.put(secret(name)), ['k']);
    const read = s.list();
    await flush();
    expect(signals).toHaveLength(2);
    expect(signals.every((signal) => signal instanceof AbortSignal && !signal.aborted)).toBe(true);
    controller.abort(new Error('store closed'));
    await expect(read).rejects.toMatchObject({ code: 'KW_ABORTED', cause: new Error('store closed') });
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    await expect(s.get(['k'])).rejects.toBeInstanceOf(ReadAbortedError);
    api.release();
    api.release();
    await flush();
    // The queued third fetch never started, and aborted fetches are not counted as errors.
    expect(api.calls).toEqual(['ns/a', 'ns/b']);
    expect(s.stats()).toMatchObject({ fetches: 2, fetchErrors: 0 });
  });

  it('cancels a read with its own signal, aborting only the fetches no other read waits for', async () => {
    const api = fakeApi({ manual: true });
    const signals = new Map<string, AbortSignal>();
    const s = new CachedStore<Secret>({
      fetch: (ns, name, signal) => {
        signals.set(name, signal!);
        return api.fetch(ns, name, signal);
      },
    });
    s.add(api.put(secret('a')), ['a']);
    s.add(api.put(secret('b')), ['b']);
    const controller = new AbortController();
    const cancelled = s.list({ signal: controller.signal });
    const other = s.get(['b']);
    await flush();
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'KW_ABORTED' });
    expect(signals.get('a')?.aborted).toBe(true);
    expect(signals.get('b')?.aborted).toBe(false);
    // The cancelled fetch left the in-flight table: the next read of it fetches anew.
    const again = s.getById('ns/a');
    await flush();
    expect(api.calls).toEqual(['ns/a', 'ns/b', 'ns/a']);
    for (let i = 0; i < 3; i++) api.release();
    expect(names(await other)).toEqual(['b']);
    expect(await again).toEqual(secret('a'));
  });

  it('rejects at once a read whose signal is already aborted, fetching nothing', async () => {
    const api = fakeApi();
    const s = store(api);
    s.add(api.put(secret('a')), ['k']);
    await expect(s.getById('ns/a', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(ReadAbortedError);
    expect(api.calls).toEqual([]);
  });
});
