import {
  added,
  bookmark,
  cm,
  FakeApiError,
  FakeKeys,
  FakeKubeApi,
  FakeStore,
  page,
  type TestObject,
  until,
  type WatchStep,
} from '@kw/test-utils';
import type { KwErrorShape, ListPage } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidRequestError, SingleWatcher, Watcher, type WatcherConfig } from './index';

describe('ListWatch: long batches yield to the event loop (real timers)', () => {
  const N = 50_000;
  const running: Watcher<TestObject>[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.stop()));
  });

  function bigWatch(script: WatchStep[][], lists: ListPage<TestObject>[], listMode: 'paginated' | 'streaming') {
    const api = new FakeKubeApi();
    const store = new FakeStore();
    api.lists.push(...lists);
    api.watches.push(...script);
    const watcher = new Watcher<TestObject>({
      api,
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      keys: new FakeKeys(),
      store,
      onChange: () => {},
      listMode,
    });
    running.push(watcher);
    return { api, store, watcher };
  }

  const objects = Array.from({ length: N }, (_, i) => cm(`cm-${i}`, String(i + 2)));

  it('runs a timer scheduled at the first object of a 50k-event batch before the batch is applied, in order', async () => {
    const { store, watcher } = bigWatch([[objects.map((o) => added(o)), 'hang']], [page([], '1')], 'paginated');
    let storedWhenTimerRan: number | undefined;
    const add = store.add.bind(store);
    vi.spyOn(store, 'add').mockImplementation((obj, keys) => {
      if (store.objects.size === 0) {
        setTimeout(() => {
          storedWhenTimerRan = store.objects.size;
        }, 0);
      }
      return add(obj, keys);
    });
    await watcher.waitForSync();
    await until(() => store.objects.size === N, { what: `${N} objects in the store`, timeoutMs: 20_000 });
    expect(storedWhenTimerRan).toBeGreaterThan(0);
    expect(storedWhenTimerRan).toBeLessThan(N);
    expect(store.ops).toEqual(objects.map((o) => `add default/${o.metadata?.name}`));
    expect(watcher.status()).toMatchObject({ lastResourceVersion: String(N + 1), phase: 'watching' });
  });

  it('yields during a streaming list delivered as one batch, and still syncs at the initial-events-end bookmark', async () => {
    const batch = [...objects.map((o) => added(o)), bookmark(String(N + 1), true)];
    const { store, watcher } = bigWatch([[batch, 'hang']], [], 'streaming');
    let syncedWhenTimerRan: boolean | undefined;
    const add = store.add.bind(store);
    vi.spyOn(store, 'add').mockImplementation((obj, keys) => {
      if (store.objects.size === 0) {
        setTimeout(() => {
          syncedWhenTimerRan = watcher.isSynced();
        }, 0);
      }
      return add(obj, keys);
    });
    await watcher.waitForSync();
    expect(syncedWhenTimerRan).toBe(false);
    expect(store.objects.size).toBe(N);
    expect(watcher.status()).toMatchObject({ lastResourceVersion: String(N + 1), phase: 'watching', lists: 1 });
  });

  it('stops in the middle of a large batch: stop() resolves without applying the rest', async () => {
    const { store, watcher } = bigWatch([[objects.map((o) => added(o)), 'hang']], [page([], '1')], 'paginated');
    let stopping: Promise<void> | undefined;
    const add = store.add.bind(store);
    vi.spyOn(store, 'add').mockImplementation((obj, keys) => {
      if (store.objects.size === 0) {
        setTimeout(() => {
          stopping = watcher.stop();
        }, 0);
      }
      return add(obj, keys);
    });
    await watcher.waitForSync();
    await until(() => stopping !== undefined, { what: 'stop() to start', timeoutMs: 20_000 });
    await stopping;
    const applied = store.objects.size;
    expect(applied).toBeLessThan(N);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.objects.size).toBe(applied);
    expect(watcher.status().phase).toBe('stopped');
  });

  it('yields while applying a large LIST page', async () => {
    const { store, watcher } = bigWatch([['hang']], [page(objects, String(N + 1))], 'paginated');
    let storedWhenTimerRan: number | undefined;
    const add = store.add.bind(store);
    vi.spyOn(store, 'add').mockImplementation((obj, keys) => {
      if (store.objects.size === 0) {
        setTimeout(() => {
          storedWhenTimerRan = store.objects.size;
        }, 0);
      }
      return add(obj, keys);
    });
    await watcher.waitForSync();
    expect(storedWhenTimerRan).toBeGreaterThan(0);
    expect(storedWhenTimerRan).toBeLessThan(N);
    expect(store.objects.size).toBe(N);
  });
});

describe('ListWatch: a request the server rejects fails the watcher instead of hanging waitForSync', () => {
  const RESOURCE = { group: '', version: 'v1', resource: 'configmaps' };
  const stoppable: Array<{ stop(): Promise<void> }> = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await Promise.all(stoppable.splice(0).map((w) => w.stop()));
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  function watcherOn(api: FakeKubeApi, config: Partial<WatcherConfig<TestObject>>) {
    const onError = vi.fn<(err: KwErrorShape) => void>();
    const watcher = new Watcher<TestObject>({
      api,
      resource: RESOURCE,
      keys: new FakeKeys(),
      store: new FakeStore(),
      onChange: () => {},
      onError,
      ...config,
    });
    stoppable.push(watcher);
    return { watcher, onError };
  }

  it('auto mode: a 400 on the first LIST page stops the watcher', async () => {
    const api = new FakeKubeApi();
    api.lists.push(new FakeApiError('KW_BAD_REQUEST', 400, 'list', undefined, 'unable to parse requirement'));
    const { watcher, onError } = watcherOn(api, { labelSelector: 'app in (', listMode: 'auto' });
    const synced = watcher.waitForSync();
    const error = await synced.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).code).toBe('KW_BAD_REQUEST');
    expect((error as Error).message).toContain('labelSelector "app in ("');
    expect((error as Error).message).toContain('unable to parse requirement');
    expect(watcher.status().phase).toBe('failed');
    expect(onError.mock.calls.map(([e]) => e)).toEqual([error]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect([api.callsOf('watch').length, api.callsOf('list').length]).toEqual([0, 1]);
    await expect(watcher.waitForSync()).rejects.toBe(error);
  });

  it('a 422 on a paginated LIST fails with KW_INVALID', async () => {
    const api = new FakeKubeApi();
    api.lists.push(new FakeApiError('KW_INVALID', 422));
    const { watcher } = watcherOn(api, { fieldSelector: 'spec.foo=bar', listMode: 'paginated' });
    const error = await watcher.waitForSync().catch((e: unknown) => e);
    expect((error as InvalidRequestError).code).toBe('KW_INVALID');
    expect((error as InvalidRequestError).value).toEqual({ fieldSelector: 'spec.foo=bar' });
  });

  it('a 408 on a streaming list is a timeout: retried as a streaming list after backoff, not a rejection', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const api = new FakeKubeApi();
    api.watches.push([new FakeApiError('KW_BAD_REQUEST', 408, 'watch')], [[bookmark('5', true)], 'hang']);
    const { watcher } = watcherOn(api, { listMode: 'streaming' });
    const synced = watcher.waitForSync();
    await vi.advanceTimersByTimeAsync(1000);
    await synced;
    expect(api.callsOf('watch').map((c) => c.options.sendInitialEvents)).toEqual([true, true]);
    expect(api.callsOf('list')).toHaveLength(0);
  });

  it('SingleWatcher: a field selector the server rejects fails it, naming the selector sent', async () => {
    const api = new FakeKubeApi();
    api.lists.push(new FakeApiError('KW_BAD_REQUEST', 400, 'list', undefined, 'is not a known field selector'));
    const onError = vi.fn<(err: KwErrorShape) => void>();
    const watcher = new SingleWatcher<TestObject>({
      api,
      resource: RESOURCE,
      namespace: 'default',
      name: 'cfg',
      fieldSelector: 'spec.foo=bar',
      onChange: () => {},
      onError,
    });
    stoppable.push(watcher);
    const error = await watcher.waitForSync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain('fieldSelector "metadata.name=cfg,spec.foo=bar"');
    expect((error as Error).message).toContain('is not a known field selector');
    expect(watcher.status().phase).toBe('failed');
    expect(onError).toHaveBeenCalledExactlyOnceWith(error);
  });
});

describe("ListWatch: the design's 'all' spellings", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("takes namespace '' as all namespaces and empty selectors as none", async () => {
    const api = new FakeKubeApi();
    api.lists.push(page([cm('a', '1')], '1'));
    const watcher = new Watcher<TestObject>({
      api,
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      namespace: '',
      labelSelector: '',
      fieldSelector: '',
      keys: new FakeKeys(),
      store: new FakeStore(),
      onChange: () => {},
      listMode: 'paginated',
    });
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    for (const call of [...api.callsOf('list'), ...api.callsOf('watch')]) {
      expect(call.namespace).toBeUndefined();
      expect(call.options).not.toHaveProperty('labelSelector');
      expect(call.options).not.toHaveProperty('fieldSelector');
    }
    await watcher.stop();
  });

  it("SingleWatcher: an empty fieldSelector adds nothing to the name selector; namespace '' is a cluster-scoped object's", async () => {
    const api = new FakeKubeApi();
    api.resolveResult = {
      group: '',
      version: 'v1',
      resource: 'namespaces',
      kind: 'Namespace',
      namespaced: false,
      verbs: ['list', 'watch'],
    };
    api.lists.push(page([], '1'));
    const watcher = new SingleWatcher<TestObject>({
      api,
      resource: { group: '', version: 'v1', resource: 'namespaces' },
      namespace: '',
      name: 'default',
      fieldSelector: '',
      onChange: () => {},
    });
    await watcher.waitForSync();
    expect(watcher.namespace).toBeUndefined();
    expect(api.callsOf('list')[0]).toMatchObject({
      namespace: undefined,
      options: { fieldSelector: 'metadata.name=default' },
    });
    await watcher.stop();
  });
});
