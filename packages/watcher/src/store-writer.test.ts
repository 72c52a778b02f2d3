import { CONFIGMAPS, cm, FakeKeys, FakeStore, type TestObject } from '@kw/test-utils';
import type { ObjectId } from '@kw/types';
import { describe, expect, it, vi } from 'vitest';
import { StoreWriter, type StoreWriterOptions } from './store-writer';
import type { ApplyResult, WatchStep } from './watch-step';

const init: WatchStep<TestObject> = { type: 'init' };
const item = (obj: TestObject): WatchStep<TestObject> => ({ type: 'initApply', obj });
const done = (rv: string): WatchStep<TestObject> => ({ type: 'initDone', rv });
const apply = (obj: TestObject): WatchStep<TestObject> => ({ type: 'apply', obj });
const remove = (obj: TestObject): WatchStep<TestObject> => ({ type: 'delete', obj });

function setup(store = new FakeStore(), overrides: Partial<StoreWriterOptions<TestObject>> = {}) {
  const changes: string[] = [];
  const reports: string[] = [];
  const listed: boolean[] = [];
  const writer = new StoreWriter<TestObject>({
    store,
    keys: new FakeKeys(),
    maxAtomicDiff: 100,
    report: (error) => reports.push(error.code),
    changed: (id: ObjectId, type, obj) => changes.push(`${type} ${id}@${obj.metadata?.resourceVersion}`),
    listed: (first) => {
      listed.push(first);
    },
    resource: () => CONFIGMAPS,
    signal: new AbortController().signal,
    ...overrides,
  });
  /** Applies steps in order, awaiting each; returns the writer's answers. */
  const run = async (...steps: WatchStep<TestObject>[]): Promise<ApplyResult[]> => {
    const out: ApplyResult[] = [];
    for (const step of steps) out.push(await writer.apply(step));
    return out;
  };
  return { writer, store, changes, reports, listed, run };
}

/** A writer whose store holds a@1, b@2, c@3 from a first listing; changes and ops cleared. */
async function synced(store = new FakeStore(), overrides: Partial<StoreWriterOptions<TestObject>> = {}) {
  const s = setup(store, overrides);
  await s.run(init, item(cm('a', '1')), item(cm('b', '2')), item(cm('c', '3')), done('3'));
  s.changes.length = 0;
  store.ops.length = 0;
  return s;
}

describe('StoreWriter: first listing', () => {
  it('writes through object by object and announces each change as it is stored', async () => {
    const { store, changes, listed, run } = setup();
    await run(init, item(cm('a', '1')));
    expect(store.versions()).toEqual({ 'default/a': '1' });
    expect(changes).toEqual(['added default/a@1']);
    await run(item(cm('b', '2')), done('2'));
    expect(store.ops).toEqual(['add default/a', 'add default/b']);
    expect(listed).toEqual([true]);
  });

  it('reconciles with a store that already holds objects: deletes what the listing lacks, skips what did not change', async () => {
    const store = new FakeStore();
    store.add(cm('a', '1'), ['']);
    store.add(cm('b', '2'), ['']);
    store.add(cm('gone', '3'), ['']);
    store.ops.length = 0;
    const { changes, listed, run } = setup(store);
    await run(init, item(cm('a', '1')), item(cm('b', '5')), item(cm('new', '6')), done('6'));
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '5', 'default/new': '6' });
    expect(store.ops).toEqual(['replace +2 -1']);
    expect(changes).toEqual(['modified default/b@5', 'added default/new@6', 'deleted default/gone@3']);
    expect(listed).toEqual([true]);
  });

  it('reads a reused store through resourceVersions() when it has one, without list()', async () => {
    const store = new FakeStore();
    store.add(cm('gone', '3'), ['']);
    const list = vi.spyOn(store, 'list');
    const versioned = Object.assign(store, { resourceVersions: () => [['default/gone', '3'] as const] });
    const { changes, run } = setup(versioned);
    await run(init, item(cm('a', '1')), done('4'));
    expect(list).not.toHaveBeenCalled();
    expect(changes).toEqual(['added default/a@1', 'deleted default/gone@3']);
    expect(store.versions()).toEqual({ 'default/a': '1' });
  });
});

describe('StoreWriter: relist', () => {
  it('stages only the diff and commits it with one replace call at initDone', async () => {
    const { store, run, listed } = await synced();
    await run(init, item(cm('a', '1')), item(cm('b', '5')), item(cm('d', '6')));
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2', 'default/c': '3' });
    expect(store.ops).toEqual([]);
    await run(done('6'));
    expect(store.ops).toEqual(['replace +2 -1']);
    const diff = store.replaced[0];
    expect(diff?.upserts.map((u) => `${u.obj.metadata?.name}@${u.obj.metadata?.resourceVersion}`)).toEqual([
      'b@5',
      'd@6',
    ]);
    expect(diff?.deletes).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', name: 'c', resourceVersion: '3' } },
    ]);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '5', 'default/d': '6' });
    expect(listed).toEqual([true, false]);
  });

  it('sweeps exactly the known ids a relist lacks when it knows enough ids to split its maps', async () => {
    const n = 40_000; // over 2 × 2^14: the known and seen maps are split into sub-maps
    const { store, run } = setup(new FakeStore(), { maxAtomicDiff: n });
    const all = Array.from({ length: n }, (_, i) => cm(`o${i}`, '1'));
    await run(init, ...all.map(item), done('1'));
    store.ops.length = 0;
    const kept = all.filter((_, i) => i % 3 !== 0);
    await run(init, ...kept.map(item), item(cm('new', '2')), done('2'));
    expect(store.ops).toEqual([`replace +1 -${n - kept.length}`]);
    const deleted = store.replaced[0]?.deletes.map((d) => d.metadata?.name).sort();
    expect(deleted).toEqual(
      all
        .filter((_, i) => i % 3 === 0)
        .map((o) => o.metadata?.name)
        .sort(),
    );
    expect(Object.keys(store.versions())).toHaveLength(kept.length + 1);
  });

  it('announces a relist’s changes only after the commit', async () => {
    const { changes, run } = await synced();
    await run(init, item(cm('b', '5')));
    expect(changes).toEqual([]);
    await run(done('6'));
    expect(changes).toEqual(['modified default/b@5', 'deleted default/a@1', 'deleted default/c@3']);
  });

  it('does not call replace when nothing changed', async () => {
    const { store, changes, run } = await synced();
    await run(init, item(cm('a', '1')), item(cm('b', '2')), item(cm('c', '3')), done('9'));
    expect(store.ops).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('deletes an object that stopped matching the field selector, in the same commit', async () => {
    const store = new FakeStore();
    const keys = new FakeKeys({ matches: (obj) => obj.metadata?.labels?.app !== 'off' });
    const { changes, run } = await synced(store, { keys });
    await run(init, item(cm('a', '1')), item(cm('b', '7', { labels: { app: 'off' } })), item(cm('c', '3')), done('7'));
    expect(store.ops).toEqual(['replace +0 -1']);
    expect(changes).toEqual(['deleted default/b@2']);
  });

  it('removes an object whose new version cannot be indexed, reported as KW_CALLBACK', async () => {
    const store = new FakeStore();
    const keys = new FakeKeys({
      extractKeys: (obj) => {
        if (obj.metadata?.resourceVersion === '9') throw new Error('bad');
        return [''];
      },
    });
    const { changes, reports, run } = await synced(store, { keys });
    await run(init, item(cm('a', '1')), item(cm('b', '9')), item(cm('c', '3')), done('9'));
    expect(reports).toEqual(['KW_CALLBACK']);
    expect(changes).toEqual(['deleted default/b@2']);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/c': '3' });
  });

  it('discards what it staged when the listing restarts (an expired continue token)', async () => {
    const { store, run } = await synced();
    await run(init, item(cm('a', '1')), item(cm('b', '5')), init, item(cm('a', '1')), item(cm('b', '2')));
    await run(item(cm('c', '8')), done('8'));
    expect(store.ops).toEqual(['replace +1 -0']);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2', 'default/c': '8' });
  });

  it('answers relist and keeps the old state when replace throws; the next relist stages the same diff', async () => {
    const store = new FakeStore();
    const { changes, reports, run } = await synced(store);
    const replace = store.replace as NonNullable<FakeStore['replace']>;
    store.replace = () => {
      throw new Error('disk full');
    };
    expect(await run(init, item(cm('b', '5')), done('5'))).toEqual([undefined, undefined, 'relist']);
    expect(reports).toEqual(['KW_INTERNAL']);
    expect(changes).toEqual([]);
    expect(store.versions()).toEqual({ 'default/a': '1', 'default/b': '2', 'default/c': '3' });
    store.replace = replace;
    await run(init, item(cm('b', '5')), done('5'));
    expect(store.ops).toEqual(['replace +1 -2']);
    expect(store.versions()).toEqual({ 'default/b': '5' });
  });

  it('awaits an async replace before announcing its changes', async () => {
    const store = new FakeStore({ async: true });
    const { changes, run } = await synced(store);
    await run(init, item(cm('d', '4')), item(cm('a', '1')), item(cm('b', '2')), item(cm('c', '3')), done('4'));
    expect(changes).toEqual(['added default/d@4']);
    expect(store.versions()).toMatchObject({ 'default/d': '4' });
  });
});

describe('StoreWriter: relist in place', () => {
  it('without store.replace, applies in place, holds the changes until initDone and counts it', async () => {
    const store = new FakeStore({ replace: false });
    const { writer, changes, run } = await synced(store);
    await run(init, item(cm('b', '5')));
    expect(store.versions()).toMatchObject({ 'default/b': '5' });
    expect(writer.midRelist).toBe(true);
    expect(changes).toEqual([]);
    await run(done('5'));
    expect(writer.midRelist).toBe(false);
    expect(store.ops).toEqual(['update default/b', 'delete default/a', 'delete default/c']);
    expect(changes).toEqual(['modified default/b@5', 'deleted default/a@1', 'deleted default/c@3']);
    expect(writer.relistsInPlace).toBe(1);
  });

  it('falls back to in place when the staged upserts outgrow maxAtomicDiff', async () => {
    const store = new FakeStore();
    const { writer, changes, run } = await synced(store, { maxAtomicDiff: 1 });
    await run(init, item(cm('a', '4')));
    expect(store.ops).toEqual([]);
    await run(item(cm('b', '5')));
    expect(store.ops).toEqual(['update default/a', 'update default/b']);
    expect(changes).toEqual([]);
    await run(item(cm('c', '6')), done('6'));
    expect(store.ops).toEqual(['update default/a', 'update default/b', 'update default/c']);
    expect(changes).toEqual(['modified default/a@4', 'modified default/b@5', 'modified default/c@6']);
    expect(writer.relistsInPlace).toBe(1);
  });

  it('falls back to in place when upserts plus deletes outgrow maxAtomicDiff at initDone', async () => {
    const store = new FakeStore();
    const { writer, run } = await synced(store, { maxAtomicDiff: 2 });
    await run(init, item(cm('a', '4')), done('4'));
    expect(store.ops).toEqual(['update default/a', 'delete default/b', 'delete default/c']);
    expect(writer.relistsInPlace).toBe(1);
  });

  it('after a failed write keeps holding the changes until a relist completes', async () => {
    const store = new FakeStore({ replace: false });
    const { writer, changes, run } = await synced(store);
    const update = store.update.bind(store);
    store.update = (obj, keys) => {
      if (obj.metadata?.name === 'c') throw new Error('boom');
      return update(obj, keys);
    };
    expect(await run(init, item(cm('b', '5')), item(cm('c', '6')))).toEqual([undefined, undefined, 'relist']);
    expect(changes).toEqual([]);
    store.update = update;
    await run(init, item(cm('a', '1')), item(cm('b', '5')), item(cm('c', '6')), done('6'));
    expect(changes).toEqual(['modified default/b@5', 'modified default/c@6']);
    expect(writer.relistsInPlace).toBe(1);
    expect(writer.midRelist).toBe(false);
  });
});

describe('StoreWriter: watch steps', () => {
  it('writes apply and delete steps through, skipping unchanged versions and unknown deletes', async () => {
    const { store, changes, run } = await synced();
    await run(
      apply(cm('a', '1')),
      apply(cm('a', '7')),
      apply(cm('z', '8')),
      remove(cm('nope', '9')),
      remove(cm('b', '9')),
    );
    expect(store.ops).toEqual(['update default/a', 'add default/z', 'delete default/b']);
    expect(changes).toEqual(['modified default/a@7', 'added default/z@8', 'deleted default/b@9']);
  });

  it('answers relist when a write fails and does not remember the object', async () => {
    const { store, reports, run } = await synced();
    store.add = () => {
      throw new Error('nope');
    };
    expect(await run(apply(cm('z', '8')))).toEqual(['relist']);
    expect(reports).toEqual(['KW_INTERNAL']);
    store.add = (obj, keys) => {
      store.objects.set('default/z', { obj, keys });
      return undefined;
    };
    await run(init, item(cm('a', '1')), item(cm('b', '2')), item(cm('c', '3')), item(cm('z', '8')), done('8'));
    expect(store.versions()).toMatchObject({ 'default/z': '8' });
    expect(store.ops).toEqual(['replace +1 -0']);
  });

  it('skips an object without a name, reported as KW_MISSING_IDENTITY', async () => {
    const { reports, changes, run } = await synced();
    await run(apply({ metadata: { resourceVersion: '3' } }));
    expect(reports).toEqual(['KW_MISSING_IDENTITY']);
    expect(changes).toEqual([]);
  });
});
