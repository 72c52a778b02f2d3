import {
  added,
  CONFIGMAPS,
  cm,
  deleted,
  errorEvent,
  FakeKubeApi,
  modified,
  page,
  type TestObject,
  tick,
  useFakeTimers,
} from '@kw/test-utils';
import type { SingleChange } from '@kw/types';
import { describe, expect, it, vi } from 'vitest';
import { InvalidConfigError, SingleWatcher, type SingleWatcherConfig } from './index';

const running = useFakeTimers<SingleWatcher<TestObject>>();

function setup(overrides: Partial<SingleWatcherConfig<TestObject>> = {}) {
  const api = new FakeKubeApi();
  const changes: string[] = [];
  const onChange = vi.fn((obj: TestObject, change: SingleChange) => {
    changes.push(`${change} ${obj.metadata?.name}@${obj.metadata?.resourceVersion}`);
  });
  const onSyncComplete = vi.fn();
  const onError = vi.fn();
  const watcher = new SingleWatcher<TestObject>({
    api,
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    namespace: 'default',
    name: 'cfg',
    onChange,
    onSyncComplete,
    onError,
    ...overrides,
  });
  running.push(watcher);
  return { api, watcher, changes, onChange, onSyncComplete, onError };
}

describe('SingleWatcher', () => {
  it('reports an absent object to onSyncComplete, then create, update, delete and re-create in order', async () => {
    const { api, watcher, changes, onSyncComplete } = setup();
    api.lists.push(page([], '5'));
    api.watches.push([
      [added(cm('cfg', '6'))],
      [modified(cm('cfg', '7')), deleted(cm('cfg', '8'))],
      [added(cm('cfg', '9'))],
      'hang',
    ]);
    await watcher.waitForSync();
    expect(onSyncComplete).toHaveBeenCalledExactlyOnceWith(undefined);
    await tick();
    expect(changes).toEqual(['added cfg@6', 'modified cfg@7', 'deleted cfg@8', 'added cfg@9']);
    expect(watcher.object?.metadata?.resourceVersion).toBe('9');
  });

  it('selects the object by name on the server, for list and watch', async () => {
    const { api, watcher } = setup({ fieldSelector: 'metadata.namespace=default' });
    api.lists.push(page([cm('cfg', '3')], '3'));
    await watcher.waitForSync();
    await api.waitForCalls('watch', 1);
    for (const call of [...api.callsOf('list'), ...api.callsOf('watch')]) {
      expect(call.options.fieldSelector).toBe('metadata.name=cfg,metadata.namespace=default');
    }
    expect(watcher.object?.metadata?.resourceVersion).toBe('3');
  });

  it('passes the current object to onSyncComplete, then hands it to onChange as added once synced', async () => {
    const order: string[] = [];
    const { api, watcher } = setup({
      onSyncComplete: (obj) => {
        order.push(`sync ${obj?.metadata?.name}@${obj?.metadata?.resourceVersion}`);
      },
      onChange: (obj, change) => {
        order.push(`${change} ${obj.metadata?.name}@${obj.metadata?.resourceVersion}`);
      },
    });
    api.lists.push(page([cm('cfg', '3')], '4'));
    api.watches.push([[modified(cm('cfg', '5'))], 'hang']);
    await watcher.waitForSync();
    await tick();
    expect(order).toEqual(['sync cfg@3', 'added cfg@3', 'modified cfg@5']);
  });

  it('does not call onChange at sync when the object does not exist', async () => {
    const { api, watcher, onChange } = setup();
    api.lists.push(page([], '4'));
    api.watches.push(['hang']);
    await watcher.waitForSync();
    await tick();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('keeps watching while an onChange never settles, and delivers the latest state once a call settles', async () => {
    let release: () => void = () => {};
    const changes: string[] = [];
    const { api, watcher } = setup({
      onChange: (obj, change) => {
        changes.push(`${change} ${obj.metadata?.name}@${obj.metadata?.resourceVersion}`);
        if (changes.length === 1) return new Promise<void>((resolve) => (release = resolve));
      },
    });
    api.lists.push(page([], '1'));
    api.watches.push([
      [added(cm('cfg', '2'))],
      [modified(cm('cfg', '3'))],
      [deleted(cm('cfg', '4')), added(cm('cfg', '5')), modified(cm('cfg', '6'))],
      'hang',
    ]);
    await watcher.waitForSync();
    await tick();
    expect(changes).toEqual(['added cfg@2']);
    expect(watcher.object?.metadata?.resourceVersion).toBe('6');
    expect(watcher.status()).toMatchObject({ phase: 'watching', events: { added: 2, modified: 2, deleted: 1 } });
    release();
    await tick();
    expect(changes).toEqual(['added cfg@2', 'modified cfg@6']);
  });

  it('after a relist reports a vanished object as deleted', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { api, watcher, changes } = setup();
    api.lists.push(page([cm('cfg', '3')], '4'));
    api.watches.push([errorEvent(410, 'Expired')]);
    api.lists.push(page([], '9'));
    api.watches.push(['hang']);
    await watcher.waitForSync();
    await tick(1000);
    expect(changes).toEqual(['added cfg@3', 'deleted cfg@3']);
    expect(watcher.object).toBeUndefined();
    expect(watcher.status().relists).toBe(1);
  });

  it('after a relist reports a changed object as modified and an unchanged one not at all', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { api, watcher, changes } = setup();
    api.lists.push(page([cm('cfg', '3')], '4'));
    api.watches.push([errorEvent(410, 'Expired')]);
    api.lists.push(page([cm('cfg', '3')], '9'));
    api.watches.push([errorEvent(410, 'Expired')]);
    api.lists.push(page([cm('cfg', '10')], '11'));
    api.watches.push(['hang']);
    await watcher.waitForSync();
    await tick(5000);
    expect(changes).toEqual(['added cfg@3', 'modified cfg@10']);
  });

  it('never re-enters an async onChange: the next change waits until it settles; failures are KW_CALLBACK', async () => {
    const order: string[] = [];
    const { api, watcher, onError } = setup({
      onChange: async (_obj, change) => {
        order.push(`start ${change}`);
        await new Promise((r) => setTimeout(r, 100));
        order.push(`end ${change}`);
        if (change === 'modified') throw new Error('boom');
      },
    });
    api.lists.push(page([], '1'));
    api.watches.push([[added(cm('cfg', '2')), modified(cm('cfg', '3'))], 'hang']);
    await watcher.waitForSync();
    await tick(300);
    expect(order).toEqual(['start added', 'end added', 'start modified', 'end modified']);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'KW_CALLBACK', callback: 'onChange' }));
    expect(watcher.status().phase).toBe('watching');
  });

  it('rejects waitForSync when a namespaced resource has no namespace', async () => {
    const { api, watcher } = setup({ namespace: undefined as never });
    await expect(watcher.waitForSync()).rejects.toMatchObject({ code: 'KW_INVALID_CONFIG', field: 'namespace' });
    expect(api.callsOf('list').map((c) => c.signal?.aborted)).toEqual([true]); // requested beside discovery, dropped
    expect(api.callsOf('watch')).toHaveLength(0);
  });

  it('rejects waitForSync when a cluster-scoped resource has a namespace', async () => {
    const { api, watcher } = setup();
    api.resolveResult = { ...CONFIGMAPS, resource: 'namespaces', kind: 'Namespace', namespaced: false };
    await expect(watcher.waitForSync()).rejects.toBeInstanceOf(InvalidConfigError);
  });

  it.each([[''], ['a/b'], ['a,b'], [undefined]])('rejects the name %j at construction', (name) => {
    expect(() => setup({ name: name as string })).toThrow(/^name: /);
  });

  it('stop() ends the watch and leaves no timers', async () => {
    const { api, watcher } = setup();
    api.lists.push(page([], '1'));
    api.watches.push(['hang']);
    await watcher.waitForSync();
    await watcher.stop();
    expect(api.openWatches).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(watcher.status().phase).toBe('stopped');
  });
});
