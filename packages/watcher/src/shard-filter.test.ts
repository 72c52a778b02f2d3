import {
  added,
  bookmark,
  cm,
  deleted,
  errorEvent,
  FakeKeys,
  FakeKubeApi,
  FakeStore,
  modified,
  page,
  type TestObject,
} from '@kw/test-utils';
import type { ChangeStats, KwErrorShape, ListPage } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidConfigError, shardHash, shardSelector, Watcher, type WatcherConfig } from './index';

const RESOURCE = { group: '', version: 'v1', resource: 'configmaps' };
const LOWER_HALF = { index: 0, count: 2 } as const;
const LOWER_SELECTOR = "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000')";
const running: Watcher<TestObject>[] = [];

/** A ConfigMap with a uid, placed in the lower or upper half of the hash space. */
function obj(name: string, rv: string, uid: string, extra: { namespace?: string } = {}): TestObject {
  const o = cm(name, rv, { ...extra, labels: { app: name } });
  if (o.metadata) o.metadata.uid = uid;
  return o;
}

/** The first uids `uid-<n>` whose hash is in the lower (or upper) half, by the exported hash. */
function uidsIn(half: 'lower' | 'upper', count: number): string[] {
  const out: string[] = [];
  for (let n = 0; out.length < count; n++) {
    const lower = shardHash(`uid-${n}`) < '0x8000000000000000';
    if (lower === (half === 'lower')) out.push(`uid-${n}`);
  }
  return out;
}
const [L1, L2, L3] = uidsIn('lower', 3) as [string, string, string];
const [U1, U2] = uidsIn('upper', 2) as [string, string];

/** The support check's answer: a one-item page, echoing the selector when the server filters. */
function probe(selector: string | undefined): ListPage<TestObject> {
  const p = page([], '1');
  if (selector !== undefined) p.shardInfo = { selector };
  return p;
}

function setup(overrides: Partial<WatcherConfig<TestObject>> = {}, unsharded = false) {
  const api = new FakeKubeApi();
  const store = new FakeStore();
  const onChange = vi.fn<(store: unknown, stats: ChangeStats) => void>();
  const onError = vi.fn<(err: KwErrorShape) => void>();
  const watcher = new Watcher<TestObject>({
    api,
    resource: RESOURCE,
    keys: new FakeKeys(),
    store,
    onChange,
    onError,
    listMode: 'paginated',
    ...(unsharded ? {} : { shard: LOWER_HALF }),
    ...overrides,
  });
  running.push(watcher);
  return { api, store, onChange, onError, watcher };
}

async function tick(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
  vi.useRealTimers();
});

describe('Watcher shard: server-side filtering', () => {
  it('checks support with a JSON LIST of one item, then sends the selector on every LIST and WATCH', async () => {
    const { api, store, watcher } = setup({ metadataOnly: true, labelSelector: 'app=web' });
    api.lists.push(probe(LOWER_SELECTOR), page([obj('a', '1', L1), obj('b', '2', U1)], '10'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);

    const [check, list] = api.callsOf('list');
    expect(check?.options).toEqual({ limit: 1, shardSelector: LOWER_SELECTOR, labelSelector: 'app=web' });
    expect(list?.options).toMatchObject({
      shardSelector: LOWER_SELECTOR,
      metadataOnly: true,
      labelSelector: 'app=web',
    });
    expect(api.callsOf('watch')[0]?.options).toMatchObject({ shardSelector: LOWER_SELECTOR, metadataOnly: true });
    // The server filters: the watcher trusts what it sent.
    expect(Object.keys(store.versions())).toEqual(['default/a', 'default/b']);
    expect(watcher.status().shard).toEqual({
      range: { field: 'uid', start: '0x0000000000000000', end: '0x8000000000000000' },
      filtering: 'server',
    });
  });

  it('sends the selector on a streaming list after the check', async () => {
    const { api, watcher } = setup({ listMode: 'streaming' });
    api.lists.push(probe(LOWER_SELECTOR));
    api.watches.push([[added(obj('a', '5', L1))], [bookmark('20', true)], 'hang']);
    await watcher.waitForSync();
    expect(api.calls.map((c) => c.verb)).toEqual(['resolve', 'list', 'watch']);
    expect(api.callsOf('watch')[0]?.options).toMatchObject({ sendInitialEvents: true, shardSelector: LOWER_SELECTOR });
  });

  it('has no shard status when unsharded, and sends no selector or check', async () => {
    const { api, watcher } = setup({}, true);
    api.lists.push(page([], '1'));
    await watcher.waitForSync();
    expect(api.callsOf('list')).toHaveLength(1);
    expect(api.callsOf('list')[0]?.options.shardSelector).toBeUndefined();
    expect(watcher.status().shard).toBeUndefined();
  });
});

describe('Watcher shard: client-side filtering when the server ignores the selector', () => {
  it('keeps only listed objects in the range and drops watch events outside it', async () => {
    const { api, store, watcher, onChange } = setup({ debounceMs: 0 });
    api.lists.push(probe(undefined), page([obj('a', '1', L1), obj('b', '2', U1), obj('c', '3', L2)], '10'));
    api.watches.push([
      [added(obj('d', '11', U2)), added(obj('e', '12', L3))],
      [modified(obj('b', '13', U1)), deleted(obj('b', '14', U1)), modified(obj('a', '15', L1))],
      'hang',
    ]);
    await watcher.waitForSync();
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/c': '3' });
    expect(watcher.status().shard?.filtering).toBe('client');
    await tick(10);
    expect(store.ops.filter((op) => op.includes('/b') || op.includes('/d'))).toEqual([]);
    expect(store.versions()).toEqual({ 'default/a': '15', 'default/c': '3', 'default/e': '12' });
    // The key extractor still indexes what is kept.
    expect((await store.get(['e'])).map((o) => o.metadata?.name)).toEqual(['e']);
    expect(onChange.mock.calls.at(-1)?.[1]).toMatchObject({ added: 1, modified: 1, deleted: 0 });
  });

  it('filters by namespace hash when the field is namespace', async () => {
    const namespaces = ['alpha', 'bravo', 'delta', 'echo', 'foxtrot'];
    const lower = namespaces.filter((ns) => shardHash(ns) < '0x8000000000000000');
    const { api, store, watcher } = setup({ shard: { field: 'namespace', index: 0, count: 2 } });
    api.lists.push(
      probe(undefined),
      page(
        namespaces.map((ns, i) => obj(`cm${i}`, String(i + 1), `u${i}`, { namespace: ns })),
        '10',
      ),
    );
    await watcher.waitForSync();
    expect(api.callsOf('list')[0]?.options.shardSelector).toBe(
      shardSelector({ field: 'namespace', start: '0x0000000000000000', end: '0x8000000000000000' }),
    );
    expect(lower.length).toBeGreaterThan(0);
    expect(lower.length).toBeLessThan(namespaces.length);
    expect(Object.keys(store.versions()).map((id) => id.split('/')[0])).toEqual(lower);
  });

  it('checks support again when a watch resumes, and follows a server that starts filtering', async () => {
    const { api, store, watcher } = setup();
    api.lists.push(probe(undefined), page([obj('a', '1', L1)], '10'), probe(LOWER_SELECTOR));
    api.watches.push([[added(obj('b', '11', U1))]], [[added(obj('c', '12', U2))], 'hang']);
    await watcher.waitForSync();
    await api.waitForCalls('watch', 2);
    await tick(10);
    // b came while the watcher filtered (dropped); c after the server said it filters (trusted).
    expect(Object.keys(store.versions())).toEqual(['default/a', 'default/c']);
    expect(api.callsOf('list').map((c) => c.options.limit)).toEqual([1, 500, 1]);
    expect(watcher.status().shard?.filtering).toBe('server');
  });
});

describe('Watcher.setShard', () => {
  it('narrowing relists at once and removes the objects no longer owned in one replace, counted as deletes', async () => {
    const { api, store, watcher, onChange } = setup({ shard: { index: 0, count: 1 }, debounceMs: 0 });
    const all = [obj('a', '1', L1), obj('b', '2', U1), obj('c', '3', L2), obj('d', '4', U2)];
    api.lists.push(probe(undefined), page(all, '10'), probe(undefined), page(all, '10'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    expect(Object.keys(store.versions())).toHaveLength(4);

    watcher.setShard(LOWER_HALF);
    await api.waitForCalls('list', 4);
    await tick(10);
    expect(api.callsOf('list')[3]?.options.shardSelector).toBe(LOWER_SELECTOR);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/c': '3' });
    expect(store.ops.at(-1)).toBe('replace +0 -2');
    expect(onChange.mock.calls.at(-1)?.[1]).toMatchObject({ added: 0, modified: 0, deleted: 2 });
    expect(watcher.status()).toMatchObject({
      relists: 1,
      shard: { range: { start: '0x0000000000000000', end: '0x8000000000000000' } },
    });
  });

  it('widening lists the new range in as adds', async () => {
    const { api, store, watcher, onChange } = setup({ debounceMs: 0 });
    api.lists.push(probe(LOWER_SELECTOR), page([obj('a', '1', L1)], '10'));
    api.lists.push(probe('everything'), page([obj('a', '1', L1), obj('b', '2', U1)], '11'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);

    watcher.setShard({ start: '0x0000000000000000', end: '0x10000000000000000' });
    await api.waitForCalls('watch', 2);
    await tick(10);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2' });
    expect(onChange.mock.calls.at(-1)?.[1]).toMatchObject({ added: 1, deleted: 0 });
    expect(api.callsOf('watch')[1]?.options.resourceVersion).toBe('11');
  });

  it('is a no-op for the same range', async () => {
    const { api, watcher } = setup();
    api.lists.push(probe(LOWER_SELECTOR), page([], '10'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    watcher.setShard({ start: '0x0000000000000000', end: '0x8000000000000000' });
    await tick(10);
    expect(api.callsOf('list')).toHaveLength(2);
    expect(watcher.status().relists).toBe(0);
  });

  it('rejects a bad range with InvalidConfigError and keeps the old one', async () => {
    const { watcher } = setup();
    expect(() => watcher.setShard({ index: 2, count: 2 })).toThrow(InvalidConfigError);
    expect(watcher.status().shard?.range.end).toBe('0x8000000000000000');
  });

  it('needs a watcher created with a shard option', () => {
    const { watcher } = setup({}, true);
    expect(() => watcher.setShard(LOWER_HALF)).toThrow(expect.objectContaining({ field: 'shard' }));
  });
});

describe('Watcher.setShard racing the watchdog and a relist', () => {
  const FULL_SELECTOR = "shardRange(object.metadata.uid, '0x0000000000000000', '0x10000000000000000')";
  const selectors = (api: FakeKubeApi, verb: 'list' | 'watch') => api.callsOf(verb).map((c) => c.options.shardSelector);

  it.each([
    ['the watchdog fires first', true],
    ['setShard comes first', false],
  ])(
    'lists the new range once, with no error, when a hung watch is closed by the watchdog in the same turn (%s)',
    async (_, watchdogFirst) => {
      vi.spyOn(Math, 'random').mockReturnValue(0); // the watch asks for timeoutSeconds 1: idle after 1 s + 1 s
      const { api, store, watcher, onError, onChange } = setup({
        shard: { index: 0, count: 1 },
        watchTimeoutSeconds: 1,
        watchIdleTimeoutMs: 1_000,
        debounceMs: 0,
      });
      const all = [obj('a', '1', L1), obj('b', '2', U1)];
      api.lists.push(probe(undefined), page(all, '10'), probe(undefined), page(all, '10'));
      await watcher.waitForSync();
      await api.waitForCalls('watch', 1);
      await tick(1_999);

      // Both aborts land before the loop runs again.
      if (!watchdogFirst) watcher.setShard(LOWER_HALF);
      vi.advanceTimersByTime(1);
      if (watchdogFirst) watcher.setShard(LOWER_HALF);
      await api.waitForCalls('watch', 2);
      await tick(10);

      expect(selectors(api, 'list')).toEqual([FULL_SELECTOR, FULL_SELECTOR, LOWER_SELECTOR, LOWER_SELECTOR]);
      expect(selectors(api, 'watch')).toEqual([FULL_SELECTOR, LOWER_SELECTOR]);
      expect(api.callsOf('watch')[1]?.options.resourceVersion).toBe('10');
      expect(store.versions()).toEqual({ 'default/a': '1' });
      expect(onChange.mock.calls.at(-1)?.[1]).toMatchObject({ added: 0, modified: 0, deleted: 1 });
      expect(watcher.status().relists).toBe(1);
      expect(onError).not.toHaveBeenCalled();
    },
  );

  it('abandons a relist under way for the new range: the store ends with the new range only, deletes counted once', async () => {
    const { api, store, watcher, onChange } = setup({ shard: { index: 0, count: 1 }, debounceMs: 0, pageSize: 2 });
    const [a, b, c, d] = [obj('a', '1', L1), obj('b', '2', U1), obj('c', '3', L2), obj('d', '4', U2)];
    api.lists.push(probe(undefined), { ...page([a, b], '10'), continue: 'p2' }, page([c, d], '10'));
    api.watches.push([errorEvent(410, 'Expired')]);
    // The relist after 410: its first page comes, its second never does (hangs until aborted).
    api.lists.push(probe(undefined), { ...page([a, b], '11'), continue: 'q2' });
    await watcher.waitForSync();
    await api.waitForCalls('list', 5);
    await tick(10);
    expect(store.ops.filter((op) => op.startsWith('replace'))).toEqual([]);

    api.lists.push(probe(undefined), page([a, c], '12'));
    watcher.setShard(LOWER_HALF);
    await api.waitForCalls('watch', 2);
    await tick(10);

    expect(selectors(api, 'list').slice(6)).toEqual([LOWER_SELECTOR, LOWER_SELECTOR]);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/c': '3' });
    expect(store.ops.filter((op) => op.startsWith('replace'))).toEqual(['replace +0 -2']);
    const deleted = onChange.mock.calls.reduce((n, [, stats]) => n + stats.deleted, 0);
    expect(deleted).toBe(2);
    expect(api.callsOf('watch')[1]?.options.resourceVersion).toBe('12');
  });

  it('before the resource is resolved, lists the new range first, with no error and no backoff', async () => {
    const { api, watcher, onError } = setup({ shard: { index: 0, count: 1 } });
    api.lists.push(probe(LOWER_SELECTOR), page([obj('a', '1', L1)], '10'));
    watcher.start();
    watcher.setShard(LOWER_HALF);
    await watcher.waitForSync();
    expect(selectors(api, 'list')).toEqual([LOWER_SELECTOR, LOWER_SELECTOR]);
    expect(onError).not.toHaveBeenCalled();
    expect(watcher.status()).toMatchObject({ errors: 0, relists: 0 });
  });
});

describe('Watcher shard option validation', () => {
  it.each([
    [{ index: 2, count: 2 }, 'shard.index', 2],
    [{ index: 0, count: 0 }, 'shard.count', 0],
    [{ index: 0, count: 1, field: 'name' }, 'shard.field', 'name'],
    [{ start: '0x8000000000000000', end: '0x0000000000000000' }, 'shard.end', '0x0000000000000000'],
    [{ start: '0x80', end: '0x10000000000000000' }, 'shard.start', '0x80'],
  ])('rejects %j naming %s and the value', (shard, field, value) => {
    const create = () => setup({ shard } as Partial<WatcherConfig<TestObject>>);
    expect(create).toThrow(InvalidConfigError);
    expect(create).toThrow(expect.objectContaining({ field, value }));
  });
});
