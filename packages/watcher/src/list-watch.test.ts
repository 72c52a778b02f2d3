import type { ListPage } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  added,
  bookmark,
  cm,
  FakeKeys,
  FakeKubeApi,
  FakeStore,
  page,
  type TestObject,
  type WatchStep,
} from '../test/fakes';
import { Watcher } from './index';
import { sleep } from './abort';

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never resolves before the clock has advanced by ms, even if its timer fires early', async () => {
    let done = false;
    void sleep(1000, new AbortController().signal).then(() => {
      done = true;
    });
    const now = performance.now.bind(performance);
    const lagging = vi.spyOn(performance, 'now').mockImplementation(() => now() - 5); // the clock lags the timer by 5 ms
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    lagging.mockRestore();
  });

  it('resolves at once when the signal aborts and leaves no timer', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
    expect(vi.getTimerCount()).toBe(0);
  });
});

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

  /** Resolves once `store` holds `n` objects (or after 20 s). */
  async function until(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
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
    await until(() => store.objects.size === N);
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
    await until(() => stopping !== undefined);
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
