import {
  added,
  bookmark,
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
} from '@kw/test-utils';
import type { Instrumentation, WatcherRef } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type InvalidConfigError, Watcher, type WatcherConfig } from './index';

const RESOURCE = { group: '', version: 'v1', resource: 'configmaps' };
const running: Watcher<TestObject>[] = [];

/** Every hook call as `[hook, ...arguments without the ref]`; refs collected apart. */
function recorder() {
  const calls: unknown[][] = [];
  const refs = new Set<WatcherRef>();
  const hooks = new Proxy({} as Instrumentation, {
    get:
      (_target, hook: string) =>
      (ref: WatcherRef, ...args: unknown[]) => {
        refs.add(ref);
        calls.push([hook, ...args]);
      },
  });
  return { calls, refs, hooks };
}

function setup(overrides: Partial<WatcherConfig<TestObject>> = {}) {
  const api = new FakeKubeApi();
  const { calls, refs, hooks } = recorder();
  const watcher = new Watcher<TestObject>({
    api,
    resource: RESOURCE,
    keys: new FakeKeys(),
    store: new FakeStore(),
    onChange: () => {},
    listMode: 'paginated',
    instrumentation: hooks,
    ...overrides,
  });
  running.push(watcher);
  return { api, watcher, calls, refs };
}

const named = (calls: unknown[][], ...hooks: string[]) => calls.filter(([hook]) => hooks.includes(hook as string));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
  vi.useRealTimers();
});

describe('Watcher instrumentation', () => {
  it('reports a paginated list with its seconds and objects, then sync, size and resourceVersion, under one ref', async () => {
    const { api, watcher, calls, refs } = setup({ pageSize: 1 });
    api.lists.push(page([cm('a', '1')], '10', 'tok'), page([cm('b', '2')], '10'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.slice(0, 6)).toEqual([
      ['listStarted'],
      ['listEnded', 0, 2],
      ['storeSize', 2],
      ['resourceVersion', '10'],
      ['synced', true],
      ['watchStarted'],
    ]);
    expect([...refs]).toEqual([{ name: 'core/v1/configmaps', group: '', version: 'v1', resource: 'configmaps' }]);
  });

  it('reports the events of each watch batch by type, the size counted by the writer and the last resourceVersion', async () => {
    const { api, watcher, calls } = setup({ name: 'cms' });
    api.lists.push(page([cm('a', '1')], '10'));
    api.watches.push([
      [added(cm('b', '11')), modified(cm('a', '12')), added(cm('c', '13'))],
      [deleted(cm('b', '14'))],
      [bookmark('15')],
      'hang',
    ]);
    await watcher.waitForSync();
    await vi.advanceTimersByTimeAsync(0);
    expect(named(calls, 'eventsApplied', 'storeSize', 'resourceVersion').slice(2)).toEqual([
      ['eventsApplied', 'added', 2],
      ['eventsApplied', 'modified', 1],
      ['storeSize', 3],
      ['resourceVersion', '13'],
      ['eventsApplied', 'deleted', 1],
      ['storeSize', 2],
      ['resourceVersion', '14'],
      ['eventsApplied', 'bookmark', 1],
      ['storeSize', 2],
      ['resourceVersion', '15'],
    ]);
  });

  it('reports a 410 as an error, a relist and unsynced until the new list is in', async () => {
    const { api, watcher, calls } = setup();
    api.lists.push(page([cm('a', '1')], '10'), page([cm('a', '3')], '30'));
    api.watches.push([errorEvent(410, 'Expired')]);
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    await vi.advanceTimersByTimeAsync(60_000);
    await api.waitForCalls('watch', 2);
    expect(named(calls, 'watcherError', 'relist', 'synced', 'listStarted', 'rewatch')).toEqual([
      ['listStarted'],
      ['synced', true],
      ['relist'],
      ['synced', false],
      ['watcherError', 'KW_GONE'],
      ['listStarted'],
      ['synced', true],
    ]);
  });

  it('reports a 429 as tooManyRequests and an error by code, and a resumed watch as a rewatch', async () => {
    const { api, watcher, calls } = setup();
    api.lists.push(new FakeApiError('KW_TOO_MANY_REQUESTS', 429, 'list', 1), page([], '10'));
    api.watches.push([[added(cm('a', '11'))]]);
    watcher.start();
    await api.waitForCalls('list', 1);
    await vi.advanceTimersByTimeAsync(1000);
    await watcher.waitForSync();
    await api.waitForCalls('watch', 2);
    expect(named(calls, 'tooManyRequests', 'watcherError', 'rewatch', 'watchEnded')).toEqual([
      ['tooManyRequests'],
      ['watcherError', 'KW_TOO_MANY_REQUESTS'],
      ['watchEnded', 0],
      ['rewatch'],
    ]);
  });

  it('reports synced false when stopped', async () => {
    const { api, watcher, calls } = setup();
    api.lists.push(page([], '10'));
    await watcher.waitForSync();
    await watcher.stop();
    expect(named(calls, 'synced')).toEqual([
      ['synced', true],
      ['synced', false],
    ]);
  });

  it('rejects an empty name and a non-object instrumentation, naming the field', () => {
    expect(() => setup({ name: '' })).toThrow(
      expect.objectContaining({ field: 'name', value: '' }) as InvalidConfigError,
    );
    expect(() => setup({ instrumentation: 3 as never })).toThrow(
      expect.objectContaining({ field: 'instrumentation', value: 3 }) as InvalidConfigError,
    );
  });
});
