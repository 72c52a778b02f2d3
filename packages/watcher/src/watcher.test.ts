import {
  added,
  bookmark,
  CONFIGMAPS,
  cm,
  deleted,
  errorEvent,
  FakeApiError,
  FakeKeys,
  FakeKubeApi,
  FakeStore,
  modified,
  page,
  type TestObject,
  tick,
  useFakeTimers,
} from '@kw/test-utils';
import type { ChangeStats, KwErrorShape } from '@kw/types';
import { describe, expect, it, vi } from 'vitest';
import {
  type ChangeEvent,
  InvalidConfigError,
  KeyExtractionError,
  WATCHER_DEFAULTS,
  Watcher,
  type WatcherConfig,
  WatcherCrashedError,
} from './index';

const RESOURCE = { group: '', version: 'v1', resource: 'configmaps' };
const running = useFakeTimers<Watcher<TestObject>>();

function setup(overrides: Partial<WatcherConfig<TestObject>> = {}) {
  const api = new FakeKubeApi();
  const store = new FakeStore();
  const onChange = vi.fn<(store: unknown, stats: ChangeStats) => void>();
  const onError = vi.fn<(err: KwErrorShape) => void>();
  const onSyncComplete = vi.fn();
  const watcher = new Watcher<TestObject>({
    api,
    resource: RESOURCE,
    keys: new FakeKeys(),
    store,
    onChange,
    onError,
    onSyncComplete,
    listMode: 'paginated',
    ...overrides,
  });
  running.push(watcher);
  return { api, store, onChange, onError, onSyncComplete, watcher };
}

const codes = (onError: ReturnType<typeof vi.fn>) => onError.mock.calls.map(([e]) => (e as KwErrorShape).code);

describe('Watcher: initial state', () => {
  it('requests the first page while discovery runs, and takes it once discovery agrees', async () => {
    const { api, store, watcher } = setup({ listMode: 'auto' });
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const resolve = api.resolve.bind(api);
    vi.spyOn(api, 'resolve').mockImplementation(async () => {
      const resolved = await resolve(); // recorded as the fake records it
      await answered;
      return resolved;
    });
    api.lists.push(page([cm('a', '1')], '10'));
    watcher.start();
    await api.waitForCalls('resolve', 1);
    await api.waitForCalls('list', 1); // before discovery has answered
    expect(watcher.isSynced()).toBe(false);
    answer();
    await watcher.waitForSync();
    expect(api.callsOf('list')).toHaveLength(1);
    expect(api.callsOf('list')[0]?.signal?.aborted).toBe(false);
    // LIST items lack kind and apiVersion: filled from discovery's answer, not the request's stand-in.
    expect((await store.getById('default/a' as never))?.kind).toBe('ConfigMap');
  });

  it('drops the page requested beside discovery when discovery resolves another resource', async () => {
    const { api, store, watcher } = setup({ listMode: 'auto' });
    api.resolveResult = { ...CONFIGMAPS, version: 'v2' }; // a KubeApi that resolved differently than asked
    api.lists.push(page([cm('early', '1')], '10'), page([cm('b', '2')], '11'));
    await watcher.waitForSync();
    expect(api.callsOf('list').map((c) => c.signal?.aborted)).toEqual([true, false]);
    expect(store.versions()).toEqual({ 'default/b': '2' });
  });

  it('requests nothing beside discovery for a streaming list', async () => {
    const { api, watcher } = setup({ listMode: 'streaming' });
    api.watches.push(['hang']);
    watcher.start();
    await api.waitForCalls('watch', 1);
    expect(api.calls.map((c) => c.verb)).toEqual(['resolve', 'watch']);
  });

  it('lists every page following continue tokens, then watches from the list resourceVersion', async () => {
    const { api, store, watcher, onSyncComplete } = setup({ pageSize: 2 });
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '10', 'tok1'), page([cm('c', '3')], '10'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);

    expect(api.callsOf('list').map((c) => c.options)).toEqual([{ limit: 2 }, { limit: 2, continue: 'tok1' }]);
    const watch = api.callsOf('watch')[0]?.options;
    expect(watch).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true });
    expect(watch?.sendInitialEvents).toBeUndefined();
    expect(watch?.timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(watch?.timeoutSeconds).toBeLessThan(600);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2', 'default/c': '3' });
    expect(onSyncComplete).toHaveBeenCalledExactlyOnceWith(store, 3);
    expect(watcher.isSynced()).toBe(true);
    expect(watcher.status()).toMatchObject({ phase: 'watching', lists: 1, listPages: 2, watches: 1, relists: 0 });
  });

  it('sizes later pages to pageBytes at the last page’s object size, never below pageSize', async () => {
    const { api, store, watcher } = setup({ pageSize: 2, pageBytes: 1000 });
    api.lists.push(
      { ...page([cm('a', '1'), cm('b', '2')], '10', 'tok1'), bytes: 200 }, // 100 B per object: 10 fit in 1,000
      { ...page([cm('c', '3'), cm('d', '4'), cm('e', '5'), cm('f', '6')], '10', 'tok2'), bytes: 2000 }, // 500 B: 2
      { ...page([cm('g', '7')], '10'), bytes: 100 },
    );
    await watcher.waitForSync();
    expect(api.callsOf('list').map((c) => c.options)).toEqual([
      { limit: 2 },
      { limit: 10, continue: 'tok1' },
      { limit: 2, continue: 'tok2' },
    ]);
    expect(Object.keys(store.versions())).toHaveLength(7);
  });

  it('keeps every page at pageSize with pageBytes 0', async () => {
    const { api, watcher } = setup({ pageSize: 2, pageBytes: 0 });
    api.lists.push({ ...page([cm('a', '1'), cm('b', '2')], '10', 'tok1'), bytes: 200 }, page([cm('c', '3')], '10'));
    await watcher.waitForSync();
    expect(api.callsOf('list').map((c) => c.options)).toEqual([{ limit: 2 }, { limit: 2, continue: 'tok1' }]);
  });

  it('restarts the list from scratch when a continue token expired (KW_GONE)', async () => {
    const { api, store, watcher, onError } = setup({ pageSize: 1 });
    api.lists.push(
      page([cm('a', '1')], '10', 'old'),
      new FakeApiError('KW_GONE', 410),
      page([cm('a', '1')], '12', 'new'),
      page([cm('b', '11')], '12'),
    );
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    expect(api.callsOf('list').map((c) => c.options.continue)).toEqual([undefined, 'old', undefined, 'new']);
    expect(api.callsOf('watch')[0]?.options.resourceVersion).toBe('12');
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '11' });
    expect(codes(onError)).toEqual(['KW_GONE']);
    expect(watcher.status().lists).toBe(2);
  });

  it('retries the same page after a 429 during pagination, not before Retry-After', async () => {
    const { api, watcher } = setup({ pageSize: 1 });
    api.lists.push(
      page([cm('a', '1')], '10', 'tok'),
      new FakeApiError('KW_TOO_MANY_REQUESTS', 429, 'list', 5),
      page([cm('b', '2')], '10'),
    );
    watcher.start();
    await api.waitForCalls('list', 2);
    await tick(4999);
    expect(api.callsOf('list')).toHaveLength(2);
    await tick(1);
    await watcher.waitForSync();
    expect(api.callsOf('list').map((c) => c.options.continue)).toEqual([undefined, 'tok', 'tok']);
    expect(watcher.status().tooManyRequests).toBe(1);
  });

  it('loads state with a streaming list and keeps watching on the same stream', async () => {
    const { api, store, watcher, onSyncComplete } = setup({ listMode: 'streaming' });
    api.watches.push([
      [added(cm('a', '5')), added(cm('b', '3'))],
      [bookmark('20', true)],
      [modified(cm('a', '21'))],
      'hang',
    ]);
    await watcher.waitForSync();
    await tick();
    expect(api.callsOf('list')).toHaveLength(0);
    expect(api.callsOf('watch')[0]?.options).toMatchObject({
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    expect(api.callsOf('watch')[0]?.options.resourceVersion).toBeUndefined();
    expect(onSyncComplete).toHaveBeenCalledExactlyOnceWith(store, 2);
    expect(store.versions()).toEqual({ 'default/a': '21', 'default/b': '3' });
    expect(watcher.status()).toMatchObject({ lastResourceVersion: '21', watches: 1, lists: 1 });
  });

  it('requests the next page before applying the previous one', async () => {
    const { api, store, watcher } = setup({ pageSize: 1 });
    api.lists.push(page([cm('a', '1')], '10', 'tok1'), page([cm('b', '2')], '10'));
    const listsWhenAdded: number[] = [];
    const add = store.add.bind(store);
    vi.spyOn(store, 'add').mockImplementation((obj, keys) => {
      listsWhenAdded.push(api.callsOf('list').length);
      return add(obj, keys);
    });
    await watcher.waitForSync();
    expect(listsWhenAdded).toEqual([2, 2]);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2' });
  });

  it('auto: syncs with one consistent LIST without a limit, whatever pageSize says, and no streaming list', async () => {
    const { api, store, watcher } = setup({ listMode: 'auto', pageSize: 1, pageBytes: 10 });
    api.lists.push({ ...page([cm('a', '1'), cm('b', '2')], '10'), bytes: 1_000_000 });
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    expect(api.callsOf('list').map((c) => c.options)).toEqual([{}]);
    expect(api.callsOf('watch')[0]?.options).toMatchObject({ resourceVersion: '10' });
    expect(api.callsOf('watch')[0]?.options.sendInitialEvents).toBeUndefined();
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2' });
    expect(watcher.status()).toMatchObject({ lists: 1, listPages: 1, watches: 1 });
  });

  it('auto: follows a continue token the server sends anyway, still without a limit', async () => {
    const { api, store, watcher } = setup({ listMode: 'auto' });
    api.lists.push({ ...page([cm('a', '1')], '10', 'tok1'), remainingItemCount: 1 }, page([cm('b', '2')], '10'));
    await watcher.waitForSync();
    expect(api.callsOf('list').map((c) => c.options)).toEqual([{}, { continue: 'tok1' }]);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2' });
    expect(watcher.status()).toMatchObject({ lists: 1, listPages: 2 });
  });

  it("paginated: the first page is pageSize, the next ones about pageBytes at the last page's object size", async () => {
    const { api, watcher } = setup({ listMode: 'paginated', pageSize: 2, pageBytes: 1000 });
    api.lists.push(
      { ...page([cm('a', '1'), cm('b', '2')], '10', 'tok1'), bytes: 200 }, // 100 bytes an object: 10 fit in 1,000
      { ...page([cm('c', '3')], '10', 'tok2'), bytes: 500 }, // 500 bytes: 2, pageSize
      page([cm('d', '4')], '10'),
    );
    await watcher.waitForSync();
    expect(api.callsOf('list').map((c) => c.options)).toEqual([
      { limit: 2 },
      { limit: 10, continue: 'tok1' },
      { limit: 2, continue: 'tok2' },
    ]);
  });

  it('fills in kind and apiVersion of listed items', async () => {
    const { api, store, watcher } = setup();
    api.lists.push(page([{ metadata: { name: 'a', namespace: 'default', resourceVersion: '1' } }], '1'));
    await watcher.waitForSync();
    expect(store.objects.get('default/a')?.obj).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
  });
});

describe('Watcher: recovery', () => {
  it('resumes from the last bookmark after a normal end, without relisting or backing off', async () => {
    const { api, watcher, onError } = setup();
    api.lists.push(page([cm('a', '1')], '10'));
    api.watches.push([[added(cm('d', '11'))], [bookmark('15')]]);
    await watcher.waitForSync();
    await api.waitForCalls('watch', 2);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['10', '15']);
    expect(api.callsOf('list')).toHaveLength(1);
    expect(watcher.status()).toMatchObject({ relists: 0, rewatches: 1, lastResourceVersion: '15', lists: 1 });
    expect(watcher.status().events).toEqual({ added: 1, modified: 0, deleted: 0, bookmark: 1 });
    expect(onError).not.toHaveBeenCalled();
  });

  it('resumes from the last event resourceVersion when a stream ends without a bookmark', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([], '10'));
    api.watches.push([[added(cm('d', '11')), modified(cm('d', '12'))]]);
    await watcher.waitForSync();
    await api.waitForCalls('watch', 2);
    expect(api.callsOf('watch')[1]?.options.resourceVersion).toBe('12');
  });

  it('relists on an ERROR 410 event and commits only the diff in one store.replace call', async () => {
    const { api, store, watcher, onChange } = setup({ debounceMs: 100 });
    api.lists.push(page([cm('a', '1'), cm('b', '2'), cm('c', '3')], '3'));
    api.watches.push([[modified(cm('a', '4'))], errorEvent(410, 'Expired')]);
    api.lists.push(page([cm('a', '4'), cm('b', '5'), cm('d', '6')], '6'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 2);
    expect(api.callsOf('watch')[1]?.options.resourceVersion).toBe('6');
    expect(store.versions()).toEqual({ 'default/a': '4', 'default/b': '5', 'default/d': '6' });
    expect(store.ops.slice(3)).toEqual(['update default/a', 'replace +2 -1']);
    await tick(100);
    expect(onChange).toHaveBeenCalledExactlyOnceWith(store, {
      added: 1,
      created: 1,
      modified: 2,
      deleted: 1,
      isInitialSync: false,
    });
    expect(watcher.status()).toMatchObject({ relists: 1, lists: 2 });
  });

  it('relists when the watch request itself fails with KW_GONE', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([], '3'), page([], '9'));
    api.watches.push([new FakeApiError('KW_GONE', 410, 'watch')]);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    await watcher.waitForSync();
    await tick(1000);
    await api.waitForCalls('watch', 2);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['3', '9']);
    expect(watcher.status().relists).toBe(1);
  });

  it('re-watches from the last resourceVersion after a decode error, with backoff and without relisting', async () => {
    const { api, watcher, onError } = setup();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    api.lists.push(page([], '10'));
    api.watches.push([[added(cm('a', '11'))], new FakeApiError('KW_DECODE', 200, 'watch')]);
    await watcher.waitForSync();
    await tick();
    expect(api.callsOf('watch')).toHaveLength(1);
    expect(watcher.status().phase).toBe('backing-off');
    await tick(400);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['10', '11']);
    expect(api.callsOf('list')).toHaveLength(1);
    expect(codes(onError)).toEqual(['KW_DECODE']);
    expect(watcher.status()).toMatchObject({ relists: 0, rewatches: 1, errors: 1 });
  });

  it('waits at least retryAfterSeconds after a 429 on watch start, then re-watches without relisting', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([], '10'));
    api.watches.push([new FakeApiError('KW_TOO_MANY_REQUESTS', 429, 'watch', 7)]);
    await watcher.waitForSync();
    await tick(6999);
    expect(api.callsOf('watch')).toHaveLength(1);
    await tick(1);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['10', '10']);
    expect(api.callsOf('list')).toHaveLength(1);
    expect(watcher.status()).toMatchObject({ tooManyRequests: 1, relists: 0 });
  });

  it('waits the backoff when it is longer than Retry-After (never less than Retry-After)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const { api, watcher } = setup();
    api.lists.push(page([], '10'));
    api.watches.push(
      [new FakeApiError('KW_NETWORK', 0, 'watch')],
      [new FakeApiError('KW_TOO_MANY_REQUESTS', 429, 'watch', 1)],
    );
    await watcher.waitForSync();
    await tick(800);
    expect(api.callsOf('watch')).toHaveLength(2);
    await tick(1599);
    expect(api.callsOf('watch')).toHaveLength(2);
    await tick(1);
    expect(api.callsOf('watch')).toHaveLength(3);
    expect(watcher.status()).toMatchObject({ tooManyRequests: 1, relists: 0, lists: 1 });
  });

  it('retries a streaming list throttled with 429 after Retry-After, as a list and not a relist', async () => {
    const { api, store, watcher } = setup({ listMode: 'streaming' });
    api.watches.push(
      [new FakeApiError('KW_TOO_MANY_REQUESTS', 429, 'watch', 3)],
      [[added(cm('a', '5'))], [bookmark('20', true)], 'hang'],
    );
    watcher.start();
    await tick();
    expect(watcher.status()).toMatchObject({ phase: 'backing-off', tooManyRequests: 1, lists: 0 });
    expect(watcher.status().retryAt).toBe(Date.now() + 3000);
    await tick(2999);
    expect(api.callsOf('watch')).toHaveLength(1);
    await tick(1);
    await watcher.waitForSync();
    expect(store.versions()).toEqual({ 'default/a': '5' });
    expect(watcher.status()).toMatchObject({ phase: 'watching', lists: 1, relists: 0, retryAt: undefined });
  });

  it('starts the backoff over once the watcher has been healthy for resetAfterMs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const { api, watcher } = setup();
    const fail = () => [new FakeApiError('KW_NETWORK', 0, 'watch')];
    api.lists.push(page([], '10'));
    api.watches.push(
      fail(),
      fail(),
      fail(),
      [[bookmark('11')], { sleepMs: 121_000 }, new Error('reset by peer')],
      fail(),
    );
    await watcher.waitForSync();
    await tick(800 + 1600 + 3200);
    expect(api.callsOf('watch')).toHaveLength(4);
    // The fourth watch stays healthy for 121 s (> resetAfterMs 120 s), then fails: the next wait is initialMs again.
    await tick(121_000);
    expect(watcher.status().phase).toBe('backing-off');
    expect(Math.round((watcher.status().retryAt ?? 0) - Date.now())).toBe(800);
    await tick(799);
    expect(api.callsOf('watch')).toHaveLength(4);
    await tick(1);
    expect(api.callsOf('watch')).toHaveLength(5);
  });

  it('rejects waitForSync with a 403 from the initial list and retries no sooner than the slow interval', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { api, watcher, onError } = setup();
    const forbidden = new FakeApiError('KW_FORBIDDEN', 403);
    api.lists.push(forbidden);
    await expect(watcher.waitForSync()).rejects.toBe(forbidden);
    expect(onError).toHaveBeenCalledWith(forbidden);
    expect(watcher.status()).toMatchObject({ phase: 'failed', synced: false, lastError: forbidden });
    await expect(watcher.waitForSync()).rejects.toBe(forbidden);
    await tick(WATCHER_DEFAULTS.slowRetryMs - 1);
    expect(api.callsOf('list')).toHaveLength(1);
    api.lists.push(page([cm('a', '1')], '5'));
    await tick(1);
    expect(api.callsOf('list')).toHaveLength(2);
    await watcher.waitForSync();
    expect(watcher.status().phase).toBe('watching');
  });

  it('surfaces an unknown resource from waitForSync and retries discovery slowly', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { api, watcher } = setup();
    api.resolveResult = new FakeApiError('KW_UNKNOWN_RESOURCE', 404);
    await expect(watcher.waitForSync()).rejects.toMatchObject({ code: 'KW_UNKNOWN_RESOURCE' });
    await tick(44_999);
    expect(api.callsOf('resolve')).toHaveLength(1);
    await tick(1);
    expect(api.callsOf('resolve')).toHaveLength(2);
    // Each discovery had a first page requested beside it (see 'requests the first page while discovery runs'), dropped.
    expect(api.callsOf('list').map((c) => c.signal?.aborted)).toEqual([true, true]);
  });

  it('fails for good when a namespace is given for a cluster-scoped resource', async () => {
    const { api, watcher } = setup({ namespace: 'default' });
    api.resolveResult = { ...CONFIGMAPS, resource: 'namespaces', kind: 'Namespace', namespaced: false };
    await expect(watcher.waitForSync()).rejects.toMatchObject({ code: 'KW_INVALID_CONFIG', field: 'namespace' });
    await tick(600_000);
    expect(api.callsOf('resolve')).toHaveLength(1);
    expect(api.callsOf('list').map((c) => c.signal?.aborted)).toEqual([true]); // requested beside discovery, dropped
    expect(api.callsOf('watch')).toHaveLength(0);
  });

  it('backs off exponentially on repeated transport errors', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const { api, watcher } = setup();
    for (let i = 0; i < 4; i++) api.lists.push(new FakeApiError('KW_NETWORK', 0));
    watcher.start();
    await tick();
    const times: number[] = [];
    const start = Date.now();
    for (let i = 2; i <= 5; i++) {
      while (api.callsOf('list').length < i) await tick(100);
      times.push(Date.now() - start);
    }
    expect(times).toEqual([800, 2400, 5600, 12_000]);
  });

  it('closes a watch silent for watchIdleTimeoutMs after a periodic bookmark and resumes it without relisting', async () => {
    const { api, watcher, onError } = setup({ watchIdleTimeoutMs: 180_000 });
    api.lists.push(page([], '10'));
    api.watches.push([[bookmark('12')], 'hang']);
    await watcher.waitForSync();
    await tick();
    expect(watcher.status().watchIdleBoundMs).toBe(180_000);
    await tick(179_999);
    expect(api.callsOf('watch')).toHaveLength(1);
    await tick(1);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['10', '12']);
    expect(api.openWatches).toBe(1);
    expect(codes(onError)).toEqual(['KW_TIMEOUT']);
    expect(watcher.status()).toMatchObject({ relists: 0, lists: 1, rewatches: 1, idleTimeouts: 1 });
  });

  it('without periodic bookmarks waits for the server-side watch timeout plus watchIdleTimeoutMs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { api, watcher, onError } = setup({ watchIdleTimeoutMs: 3000, watchTimeoutSeconds: 300 });
    api.lists.push(page([], '10'));
    await watcher.waitForSync();
    await tick();
    expect(watcher.status().watchIdleBoundMs).toBe(303_000);
    expect(api.callsOf('watch')[0]?.options.timeoutSeconds).toBe(300);
    await tick(302_999);
    expect(api.callsOf('watch')).toHaveLength(1);
    expect(onError).not.toHaveBeenCalled();
    await tick(1);
    expect(api.callsOf('watch')).toHaveLength(2);
    expect(codes(onError)).toEqual(['KW_TIMEOUT']);
    expect(watcher.status()).toMatchObject({ relists: 0, idleTimeouts: 1 });
  });

  it('does not count time spent applying a batch to a slow store as silence', async () => {
    const { api, store, watcher, onError } = setup({ watchIdleTimeoutMs: 3000 });
    api.lists.push(page([], '10'));
    api.watches.push([[bookmark('11')], [added(cm('slow', '12'))], 'hang']);
    const add = store.add.bind(store);
    vi.spyOn(store, 'add').mockImplementation(
      (obj, keys) =>
        new Promise<undefined>((resolve) =>
          setTimeout(() => {
            add(obj, keys);
            resolve(undefined);
          }, 10_000),
        ),
    );
    await watcher.waitForSync();
    await tick(10_000);
    expect(store.versions()).toEqual({ 'default/slow': '12' });
    expect(onError).not.toHaveBeenCalled();
    expect(api.callsOf('watch')).toHaveLength(1);
    await tick(3000);
    expect(codes(onError)).toEqual(['KW_TIMEOUT']);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['10', '12']);
  });

  it('never closes a watch when watchIdleTimeoutMs is 0', async () => {
    const { api, watcher, onError } = setup({ watchIdleTimeoutMs: 0 });
    api.lists.push(page([], '10'));
    api.watches.push([[bookmark('11')], 'hang']);
    await watcher.waitForSync();
    await tick(3_600_000);
    expect(api.callsOf('watch')).toHaveLength(1);
    expect(onError).not.toHaveBeenCalled();
    expect(watcher.status().watchIdleBoundMs).toBe(0);
  });

  it('leaves a healthy watch alone: bookmarks keep the watchdog quiet', async () => {
    const { api, watcher, onError } = setup({ watchIdleTimeoutMs: 180_000 });
    api.lists.push(page([], '10'));
    const steps = [];
    for (let i = 1; i <= 10; i++) steps.push({ sleepMs: 60_000 }, [bookmark(String(10 + i))]);
    api.watches.push([...steps, 'hang']);
    await watcher.waitForSync();
    await tick(600_000);
    expect(api.callsOf('watch')).toHaveLength(1);
    expect(onError).not.toHaveBeenCalled();
    expect(watcher.status()).toMatchObject({ lastResourceVersion: '20', events: { bookmark: 10 } });
  });
});

describe('Watcher: store writes and onChange', () => {
  it('skips updates whose resourceVersion did not change', async () => {
    const { api, store, watcher, onChange } = setup({ debounceMs: 10 });
    api.lists.push(page([cm('a', '1')], '1'));
    api.watches.push([[modified(cm('a', '1'))], 'hang']);
    await watcher.waitForSync();
    await tick(1000);
    expect(store.ops).toEqual(['add default/a']);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('tells created from modified from deleted and batches changes within debounceMs', async () => {
    const { api, store, watcher, onChange } = setup({ debounceMs: 100 });
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'));
    api.watches.push([
      [added(cm('c', '3')), modified(cm('a', '4'))],
      { sleepMs: 50 },
      [deleted(cm('b', '5')), added(cm('e', '6'))],
      'hang',
    ]);
    await watcher.waitForSync();
    await tick(149);
    expect(onChange).not.toHaveBeenCalled();
    await tick(1);
    expect(onChange).toHaveBeenCalledExactlyOnceWith(store, {
      added: 2,
      created: 2,
      modified: 1,
      deleted: 1,
      isInitialSync: false,
    });
    expect(store.versions()).toEqual({ 'default/a': '4', 'default/c': '3', 'default/e': '6' });
  });

  it('does not call onChange for the initial load, only onSyncComplete', async () => {
    const { api, watcher, onChange, onSyncComplete } = setup({ debounceMs: 10 });
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'));
    await watcher.waitForSync();
    await tick(10_000);
    expect(onChange).not.toHaveBeenCalled();
    expect(onSyncComplete).toHaveBeenCalledTimes(1);
  });

  it('calls onChange during the initial sync with isInitialSync when asked', async () => {
    const { api, watcher, onChange } = setup({ debounceMs: 10, callOnChangeDuringSync: true, pageSize: 1 });
    api.lists.push(page([cm('a', '1')], '2', 't'), new FakeApiError('KW_SERVER_ERROR', 500));
    api.lists.push(page([cm('a', '1')], '2', 't'), page([cm('b', '2')], '2'));
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    watcher.start();
    await tick(10);
    expect(onChange).toHaveBeenCalledWith(watcher.store, {
      added: 1,
      created: 1,
      modified: 0,
      deleted: 0,
      isInitialSync: true,
    });
    await tick(1000);
    await watcher.waitForSync();
  });

  it('reports a throwing onChange as KW_CALLBACK and keeps running', async () => {
    const { api, watcher, onChange, onError } = setup({ debounceMs: 10 });
    onChange.mockImplementationOnce(() => {
      throw new Error('boom');
    });
    api.lists.push(page([], '1'));
    api.watches.push([[added(cm('a', '2'))], { sleepMs: 100 }, [added(cm('b', '3'))], 'hang']);
    await watcher.waitForSync();
    await tick(200);
    expect(onChange).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'KW_CALLBACK', callback: 'onChange' }));
    expect(watcher.status().phase).toBe('watching');
  });

  it('never re-enters an async onChange: changes during it arrive in the next call', async () => {
    const { api, watcher, onChange } = setup({ debounceMs: 10, maxWaitMs: 10 });
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    onChange.mockImplementation(() => {
      active++;
      maxActive = Math.max(maxActive, active);
      return new Promise<void>((resolve) => {
        release = () => {
          active--;
          resolve();
        };
      }) as unknown as undefined;
    });
    api.lists.push(page([], '1'));
    const steps = [];
    for (let i = 0; i < 5; i++) steps.push([added(cm(`o${i}`, String(i + 2)))], { sleepMs: 20 });
    api.watches.push([...steps, 'hang']);
    await watcher.waitForSync();
    await tick(200);
    expect(onChange).toHaveBeenCalledTimes(1);
    release();
    await tick(0);
    expect(onChange).toHaveBeenCalledTimes(2);
    expect(onChange.mock.calls[1]?.[1]).toEqual({
      added: 4,
      created: 4,
      modified: 0,
      deleted: 0,
      isInitialSync: false,
    });
    release();
    expect(maxActive).toBe(1);
  });

  it('applies the client-side field selector: stop matching deletes, start matching adds', async () => {
    const keys = new FakeKeys({ matches: (o) => o.metadata?.labels?.keep === 'yes' });
    const { api, store, watcher, onChange } = setup({ keys, debounceMs: 10 });
    api.lists.push(page([cm('a', '1', { labels: { keep: 'yes' } }), cm('b', '2', { labels: { keep: 'no' } })], '2'));
    api.watches.push([
      [modified(cm('b', '3', { labels: { keep: 'yes' } })), modified(cm('a', '4', { labels: { keep: 'no' } }))],
      [deleted(cm('a', '5', { labels: { keep: 'no' } }))],
      'hang',
    ]);
    await watcher.waitForSync();
    expect(store.versions()).toEqual({ 'default/a': '1' });
    await tick(10);
    expect(store.versions()).toEqual({ 'default/b': '3' });
    expect(onChange).toHaveBeenCalledExactlyOnceWith(store, {
      added: 1,
      created: 1,
      modified: 0,
      deleted: 1,
      isInitialSync: false,
    });
  });

  it('moves an object to its new key when a label changes', async () => {
    const { api, store, watcher } = setup();
    api.lists.push(page([cm('a', '1', { labels: { app: 'web' } })], '1'));
    api.watches.push([[modified(cm('a', '2', { labels: { app: 'api' } }))], 'hang']);
    await watcher.waitForSync();
    expect(await store.get(['web'])).toHaveLength(1);
    await tick();
    expect(await store.get(['web'])).toHaveLength(0);
    expect(await store.get(['api'])).toHaveLength(1);
  });

  it('awaits a store whose writes return promises', async () => {
    const store = new FakeStore({ async: true });
    const { api, watcher, onChange } = setup({ store, debounceMs: 10 });
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'));
    api.watches.push([[deleted(cm('a', '3'))], 'hang']);
    await watcher.waitForSync();
    expect(await store.size()).toBe(2);
    await tick(10);
    expect(store.versions()).toEqual({ 'default/b': '2' });
    expect(onChange).toHaveBeenCalledWith(store, {
      added: 0,
      created: 0,
      modified: 0,
      deleted: 1,
      isInitialSync: false,
    });
  });

  it('reports an object without a name and keeps going', async () => {
    const { api, store, watcher, onError } = setup();
    api.lists.push(page([{ metadata: { resourceVersion: '1' } }, cm('b', '2')], '2'));
    await watcher.waitForSync();
    expect(store.versions()).toEqual({ 'default/b': '2' });
    expect(codes(onError)).toEqual(['KW_MISSING_IDENTITY']);
  });

  it('passes metadataOnly to list and watch', async () => {
    const { api, watcher } = setup({ metadataOnly: true, labelSelector: 'app=web', fieldSelector: 'metadata.name!=x' });
    api.lists.push(page([], '1'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    for (const call of api.calls.filter((c) => c.verb !== 'resolve')) {
      expect(call.options).toMatchObject({
        metadataOnly: true,
        labelSelector: 'app=web',
        fieldSelector: 'metadata.name!=x',
      });
    }
  });
});

describe('Watcher: sync and relist semantics', () => {
  it('with callOnChangeDuringSync delivers the last batch of a sync that ends inside one debounce window', async () => {
    const { api, watcher, onChange } = setup({ callOnChangeDuringSync: true });
    api.lists.push(page([cm('a', '1'), cm('b', '2'), cm('c', '3')], '3'));
    api.watches.push([{ sleepMs: 100 }, [added(cm('d', '4'))], 'hang']);
    await watcher.waitForSync();
    await tick(2000);
    expect(onChange.mock.calls.map(([, stats]) => stats)).toEqual([
      { added: 3, created: 3, modified: 0, deleted: 0, isInitialSync: true },
      { added: 1, created: 1, modified: 0, deleted: 0, isInitialSync: false },
    ]);
  });

  it('reconciles a store that already holds objects: the first listing deletes what the server no longer has', async () => {
    const store = new FakeStore();
    for (const obj of [cm('a', '1'), cm('gone', '2'), cm('b', '3')]) store.add(obj, ['']);
    const { api, watcher, onChange, onSyncComplete } = setup({ store, callOnChangeDuringSync: true, debounceMs: 10 });
    api.lists.push(page([cm('a', '1'), cm('b', '5'), cm('c', '6')], '6'));
    const events = watcher.events();
    await watcher.waitForSync();
    await tick(10);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '5', 'default/c': '6' });
    expect(onSyncComplete).toHaveBeenCalledExactlyOnceWith(store, 3);
    expect(onChange).toHaveBeenCalledExactlyOnceWith(store, {
      added: 1,
      created: 1,
      modified: 1,
      deleted: 1,
      isInitialSync: true,
    });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { value } = await events.next();
      seen.push(`${value?.type} ${value?.object.metadata?.name}`);
    }
    expect(seen).toEqual(['modified b', 'added c', 'deleted gone']);
  });

  it('never calls onChange while a relist is applied in place; afterwards once, with the relist’s changes', async () => {
    const store = new FakeStore({ replace: false });
    const { api, watcher, onChange } = setup({ store, debounceMs: 10 });
    const seenByOnChange: Array<Record<string, string | undefined>> = [];
    onChange.mockImplementation(() => {
      seenByOnChange.push(store.versions());
    });
    api.lists.push(page([cm('a', '1'), cm('b', '2'), cm('c', '3')], '3'));
    api.watches.push([[modified(cm('a', '4'))], errorEvent(410, 'Expired')]);
    api.lists.push(page([cm('a', '4'), cm('b', '5'), cm('d', '6')], '6'));
    await watcher.waitForSync();
    const update = store.update.bind(store);
    store.update = (obj, keys) =>
      obj.metadata?.name === 'b'
        ? new Promise<undefined>((resolve) => setTimeout(() => resolve(update(obj, keys) as undefined), 100))
        : update(obj, keys);
    await tick(50);
    expect(watcher.status().relists).toBe(1);
    expect(onChange).not.toHaveBeenCalled();
    await tick(200);
    expect(seenByOnChange).toEqual([{ 'default/a': '4', 'default/b': '5', 'default/d': '6' }]);
    expect(onChange.mock.calls[0]?.[1]).toEqual({
      added: 1,
      created: 1,
      modified: 2,
      deleted: 1,
      isInitialSync: false,
    });
    expect(watcher.status().relistsInPlace).toBe(1);
  });

  it('reads the defaults: onChange 500 ms after the last change, and at most 5 s after the first under churn', async () => {
    expect(WATCHER_DEFAULTS).toMatchObject({ debounceMs: 500, maxWaitMs: 5000 });
    const { api, watcher, onChange } = setup({ debounceMs: undefined as never, maxWaitMs: undefined as never });
    api.lists.push(page([], '1'));
    const churn = Array.from({ length: 20 }, (_, i) => [{ sleepMs: 400 }, [modified(cm('a', String(10 + i)))]]).flat();
    api.watches.push([[added(cm('q', '2'))], { sleepMs: 1000 }, ...(churn as never[]), 'hang']);
    await watcher.waitForSync();
    await tick(499);
    expect(onChange).not.toHaveBeenCalled();
    await tick(1);
    expect(onChange).toHaveBeenCalledOnce();
    // Churn every 400 ms from t=1400: the debounce never elapses, maxWaitMs bounds the wait.
    await tick(1400 + 4999 - 500);
    expect(onChange).toHaveBeenCalledOnce();
    await tick(1);
    expect(onChange).toHaveBeenCalledTimes(2);
  });
});

describe('Watcher: events()', () => {
  it('yields per-object changes coalesced while the consumer is slow', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([cm('a', '1')], '1'));
    api.watches.push([
      [added(cm('b', '2')), modified(cm('b', '3')), modified(cm('a', '4')), added(cm('c', '5')), deleted(cm('c', '6'))],
      'hang',
    ]);
    const events = watcher.events();
    await watcher.waitForSync();
    await tick();
    const seen: string[] = [];
    const first = await events.next();
    if (!first.done)
      seen.push(
        `${first.value.type} ${first.value.object.metadata?.name}@${first.value.object.metadata?.resourceVersion}`,
      );
    const rest: ChangeEvent<TestObject>[] = [];
    const consume = (async () => {
      for await (const e of events) rest.push(e);
    })();
    await tick();
    await watcher.stop();
    await consume;
    seen.push(...rest.map((e) => `${e.type} ${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}`));
    // 'a' was still pending from the initial list when it was modified: added + modified → added (latest).
    expect(seen).toEqual(['added a@4', 'added b@3']);
  });

  it('reports deletes found by a relist with a metadata-only object', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'));
    api.watches.push([errorEvent(410, 'Expired')]);
    api.lists.push(page([cm('a', '1')], '5'));
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    await watcher.waitForSync();
    const events = watcher.events();
    await tick(1000);
    await api.waitForCalls('watch', 2);
    expect(await events.next()).toEqual({
      done: false,
      value: {
        type: 'deleted',
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { namespace: 'default', name: 'b', resourceVersion: '2' },
        },
      },
    });
  });
});

describe('Watcher: faults in the store, the key extractor and the logger', () => {
  it('relists after backoff when a store update throws, so the change is not lost', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { api, store, watcher, onError } = setup();
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'));
    api.watches.push([[modified(cm('a', '3')), modified(cm('b', '4'))], 'hang']);
    api.lists.push(page([cm('a', '3'), cm('b', '4')], '4'));
    vi.spyOn(store, 'update').mockImplementationOnce(() => {
      throw new Error('disk full');
    });
    await watcher.waitForSync();
    await tick();
    expect(store.versions()['default/a']).toBe('1');
    expect(onError).toHaveBeenCalledOnce();
    await tick(400);
    // The relist carries a@3 again: the failed resourceVersion was not recorded, so it is not skipped.
    expect(store.versions()).toEqual({ 'default/a': '3', 'default/b': '4' });
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['2', '4']);
    expect(watcher.status()).toMatchObject({ relists: 1, lists: 2, phase: 'watching' });
  });

  it('relists after backoff when an async store delete rejects, so the object does not linger', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const store = new FakeStore({ async: true });
    const { api, watcher, onError } = setup({ store });
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'));
    api.watches.push([[deleted(cm('a', '3'))], 'hang']);
    api.lists.push(page([cm('b', '2')], '3'));
    vi.spyOn(store, 'delete').mockImplementationOnce(() => Promise.reject(new Error('store offline')));
    await watcher.waitForSync();
    await tick();
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2' });
    await tick(400);
    expect(store.versions()).toEqual({ 'default/b': '2' });
    expect(onError).toHaveBeenCalledOnce();
    expect(watcher.status().relists).toBe(1);
  });

  it('does not count a listing with a failed store write as synced: waitForSync resolves after the relist', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { api, store, watcher, onSyncComplete } = setup();
    api.lists.push(page([cm('a', '1'), cm('b', '2')], '2'), page([cm('a', '1'), cm('b', '2')], '2'));
    vi.spyOn(store, 'add').mockImplementationOnce(() => {
      throw new Error('disk full');
    });
    let synced = false;
    const sync = watcher.waitForSync().then(() => {
      synced = true;
    });
    await api.waitForCalls('list', 1);
    await tick();
    expect(synced).toBe(false);
    await tick(400);
    await sync;
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2' });
    expect(onSyncComplete).toHaveBeenCalledExactlyOnceWith(store, 2);
    expect(watcher.status()).toMatchObject({ relists: 1, lists: 2 });
  });

  it('backs off exponentially between relists while the store keeps failing (no hot loop)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const { api, store, watcher } = setup();
    api.lists.push(page([], '1'));
    for (let i = 0; i < 4; i++) api.lists.push(page([cm('a', '2')], '2'));
    api.watches.push([[added(cm('a', '2'))], 'hang']);
    vi.spyOn(store, 'add').mockImplementation(() => {
      throw new Error('disk full');
    });
    await watcher.waitForSync();
    await tick();
    const start = Date.now();
    const times: number[] = [];
    for (let i = 2; i <= 5; i++) {
      while (api.callsOf('list').length < i && Date.now() - start < 60_000) await tick(100);
      times.push(Date.now() - start);
    }
    expect(times).toEqual([800, 2400, 5600, 12_000]);
    expect(watcher.status().relists).toBe(5);
    expect(store.versions()).toEqual({});
  });

  it.each([
    ['matches', 'the field selector'],
    ['extractKeys', 'metadata.labels.app'],
    ['filterFields', 'ignoreFields'],
  ] as const)(
    'removes a stored object whose new version %s fails on, until a later version can be indexed',
    async (method, expression) => {
      const bad = (o: TestObject) => {
        if (o.metadata?.labels?.app === 'bad') throw new Error(`${method} cannot handle app=bad`);
      };
      const keys = new FakeKeys({
        matches: (o) => {
          if (method === 'matches') bad(o);
          return true;
        },
        extractKeys: (o) => {
          if (method === 'extractKeys') bad(o);
          return [o.metadata?.labels?.app ?? ''];
        },
        filterFields: (o) => {
          if (method === 'filterFields') bad(o);
          return o;
        },
      });
      const { api, store, watcher, onChange, onError } = setup({ keys, debounceMs: 10 });
      api.lists.push(page([cm('a', '1', { labels: { app: 'web' } }), cm('b', '2', { labels: { app: 'web' } })], '2'));
      api.watches.push([
        { sleepMs: 1000 },
        [modified(cm('a', '3', { labels: { app: 'bad' } }))],
        { sleepMs: 1000 },
        [modified(cm('a', '4', { labels: { app: 'api' } }))],
        'hang',
      ]);
      await watcher.waitForSync();
      const events = watcher.events();
      await tick(1010);
      expect(store.versions()).toEqual({ 'default/b': '2' });
      expect((await store.get(['web'])).map((o) => o.metadata?.name)).toEqual(['b']);
      expect(onChange).toHaveBeenCalledExactlyOnceWith(store, {
        added: 0,
        created: 0,
        modified: 0,
        deleted: 1,
        isInitialSync: false,
      });
      expect(await events.next()).toMatchObject({
        done: false,
        value: { type: 'deleted', object: { metadata: { name: 'a', resourceVersion: '3' } } },
      });
      const error = onError.mock.calls[0]?.[0];
      expect(error).toBeInstanceOf(KeyExtractionError);
      expect(error).toMatchObject({ id: 'default/a', method, code: 'KW_CALLBACK' });
      expect(error?.message).toContain('default/a@3');
      expect(error?.message).toContain(expression);

      await tick(1010);
      expect(store.versions()).toEqual({ 'default/a': '4', 'default/b': '2' });
      expect((await store.get(['api'])).map((o) => o.metadata?.name)).toEqual(['a']);
      expect(onChange).toHaveBeenLastCalledWith(store, {
        added: 1,
        created: 1,
        modified: 0,
        deleted: 0,
        isInitialSync: false,
      });
      expect(await events.next()).toMatchObject({ done: false, value: { type: 'added' } });
      expect(onError).toHaveBeenCalledOnce();
      expect(watcher.status().relists).toBe(0);
    },
  );

  it('keeps running when every logger method throws', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const boom = () => {
      throw new Error('logger down');
    };
    const { api, store, watcher, onError } = setup({ logger: { debug: boom, info: boom, warn: boom, error: boom } });
    api.lists.push(new FakeApiError('KW_NETWORK', 0), page([cm('a', '1')], '1'));
    api.watches.push([[modified(cm('a', '2'))], 'hang']);
    let synced = false;
    void watcher.waitForSync().then(() => {
      synced = true;
    });
    await tick(400);
    expect(synced).toBe(true);
    expect(codes(onError)).toEqual(['KW_NETWORK']);
    expect(store.versions()).toEqual({ 'default/a': '2' });
    expect(watcher.status().phase).toBe('watching');
  });

  it('fails with WatcherCrashedError, settling waitForSync, when something unexpected escapes the loop', async () => {
    const { api, watcher, onError } = setup();
    api.lists.push(new FakeApiError('KW_NETWORK', 0));
    // An internal failure nobody expects: the backoff's random source throws.
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('no entropy');
    });
    let outcome: unknown = 'pending';
    void watcher.waitForSync().then(
      () => {
        outcome = 'resolved';
      },
      (err: unknown) => {
        outcome = err;
      },
    );
    await tick();
    expect(outcome).toBeInstanceOf(WatcherCrashedError);
    expect(outcome).toMatchObject({ code: 'KW_INTERNAL', cause: { message: 'no entropy' } });
    expect(watcher.status()).toMatchObject({ phase: 'failed', lastError: outcome });
    expect(onError).toHaveBeenLastCalledWith(outcome);
    await expect(watcher.waitForSync()).rejects.toBe(outcome);
  });
});

describe('Watcher: stop', () => {
  it('clears every timer, ends in-flight watches and iterators, and rejects pending waitForSync', async () => {
    const { api, watcher } = setup({ debounceMs: 10_000 });
    api.lists.push(page([], '1'));
    api.watches.push([[added(cm('a', '2'))], 'hang']);
    await watcher.waitForSync();
    await tick();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    const events = watcher.events();
    const next = events.next();
    await watcher.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(api.openWatches).toBe(0);
    expect(await next).toEqual({ done: true, value: undefined });
    expect(watcher.status().phase).toBe('stopped');
  });

  it('rejects a pending waitForSync when stopped and leaves no timers while backing off', async () => {
    const { api, watcher } = setup();
    api.lists.push(new FakeApiError('KW_NETWORK', 0));
    const sync = watcher.waitForSync();
    await api.waitForCalls('list', 1);
    await tick();
    await watcher.stop();
    await expect(sync).rejects.toMatchObject({ code: 'KW_ABORTED' });
    await expect(watcher.waitForSync()).rejects.toMatchObject({ code: 'KW_ABORTED' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects waitForSync when its own signal aborts, without stopping the watcher', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([], '1'));
    const controller = new AbortController();
    const sync = watcher.waitForSync(controller.signal);
    controller.abort();
    await expect(sync).rejects.toMatchObject({ code: 'KW_ABORTED' });
    await watcher.waitForSync();
  });

  it('stops when the config signal aborts', async () => {
    const controller = new AbortController();
    const { api, watcher } = setup({ signal: controller.signal });
    api.lists.push(page([], '1'));
    await watcher.waitForSync();
    controller.abort();
    await tick();
    expect(watcher.status().phase).toBe('stopped');
    expect(api.openWatches).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('start() is idempotent', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([], '1'));
    watcher.start();
    watcher.start();
    await watcher.waitForSync();
    watcher.start();
    await tick();
    expect(api.callsOf('list')).toHaveLength(1);
    expect(api.callsOf('resolve')).toHaveLength(1);
  });
});

describe('Watcher: wall-clock steps', () => {
  const HOUR = 3_600_000;

  it('retries after the backoff even when the wall clock steps back meanwhile', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { api, watcher } = setup();
    api.lists.push(new FakeApiError('KW_NETWORK', 0), page([cm('a', '1')], '1'));
    watcher.start();
    await api.waitForCalls('list', 1);
    await tick();
    vi.setSystemTime(Date.now() - HOUR); // NTP steps the wall clock back an hour
    await tick(400);
    expect(api.callsOf('list')).toHaveLength(2);
    expect(watcher.isSynced()).toBe(true);
  });

  it('closes a silent watch on time even when the wall clock steps back meanwhile', async () => {
    const { api, watcher, onError } = setup({ watchIdleTimeoutMs: 180_000 });
    api.lists.push(page([], '10'));
    api.watches.push([[bookmark('12')], 'hang']);
    await watcher.waitForSync();
    await tick();
    vi.setSystemTime(Date.now() - HOUR);
    await tick(180_000);
    expect(api.callsOf('watch').map((c) => c.options.resourceVersion)).toEqual(['10', '12']);
    expect(codes(onError)).toEqual(['KW_TIMEOUT']);
  });

  it('calls onChange after debounceMs even when the wall clock steps back meanwhile', async () => {
    const { api, store, watcher, onChange } = setup({ debounceMs: 100 });
    api.lists.push(page([], '1'));
    api.watches.push([[added(cm('a', '2'))], 'hang']);
    await watcher.waitForSync();
    await tick();
    vi.setSystemTime(Date.now() - HOUR);
    await tick(100);
    expect(onChange).toHaveBeenCalledExactlyOnceWith(store, {
      added: 1,
      created: 1,
      modified: 0,
      deleted: 0,
      isInitialSync: false,
    });
  });
});

describe('Watcher: configuration', () => {
  const base = (): WatcherConfig<TestObject> => ({
    api: new FakeKubeApi(),
    resource: RESOURCE,
    keys: new FakeKeys(),
    store: new FakeStore(),
    onChange: () => {},
  });

  it.each<[string, Partial<Record<keyof WatcherConfig<TestObject>, unknown>>]>([
    ['resource', { resource: undefined }],
    ['resource.version', { resource: { group: '', version: '', resource: 'configmaps' } }],
    ['resource.group', { resource: { group: 'apps/v1', version: 'v1', resource: 'deployments' } }],
    ['resource.resource', { resource: { group: '', version: 'v1', resource: 'ConfigMap' } }],
    ['keys', { keys: undefined }],
    ['keys.indexBy', { keys: { ...new FakeKeys(), indexBy: [] } }],
    ['store', { store: undefined }],
    ['store.add', { store: { update() {}, delete() {} } }],
    ['onChange', { onChange: 'nope' }],
    ['debounceMs', { debounceMs: -1 }],
    ['maxWaitMs', { debounceMs: 1000, maxWaitMs: 500 }],
    ['pageSize', { pageSize: 0 }],
    ['pageSize', { pageSize: 1.5 }],
    ['pageBytes', { pageBytes: -1 }],
    ['maxAtomicDiff', { maxAtomicDiff: -1 }],
    ['maxAtomicDiff', { maxAtomicDiff: 2.5 }],
    ['listMode', { listMode: 'fast' }],
    ['metadataOnly', { metadataOnly: true, keys: new FakeKeys({ metadataOnly: false }) }],
    ['namespace', { namespace: 'Bad_NS' }],
    ['api', { api: {} }],
    ['watchTimeoutSeconds', { watchTimeoutSeconds: 0 }],
    ['backoff.maxMs', { backoff: { initialMs: 1000, maxMs: 10 } }],
    ['logger', { logger: { info() {} } }],
  ])('rejects an invalid %s', (field, patch) => {
    const config = { ...base(), ...patch } as WatcherConfig<TestObject>;
    let thrown: unknown;
    try {
      new Watcher(config);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidConfigError);
    expect(thrown).toMatchObject({ code: 'KW_INVALID_CONFIG', field });
    expect((thrown as Error).message).toContain(field);
  });

  it('suggests the plural lowercase resource name', () => {
    expect(() => new Watcher({ ...base(), resource: { group: '', version: 'v1', resource: 'ConfigMap' } })).toThrow(
      /did you mean "configmaps"/,
    );
  });

  it('defaults maxWaitMs up to a larger debounceMs', () => {
    expect(() => new Watcher({ ...base(), debounceMs: 10_000 })).not.toThrow();
  });
});
