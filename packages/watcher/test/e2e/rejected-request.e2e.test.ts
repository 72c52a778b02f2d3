import { Indexer } from '@kw/indexer';
import { useNamespace } from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import type { KwErrorShape } from '@kw/types';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRequestError, SingleWatcher, Watcher } from '../../src/index';
import { CONFIGMAPS, client, counting } from './helpers';

const ns = useNamespace('kw-rejected');
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const SELECTORS = [
  { labelSelector: 'app in (', says: /unable to parse requirement|found '', expected/ },
  { fieldSelector: 'spec.foo=bar', says: /not a known field selector/ },
] as const;

describe('a request the real API server rejects fails the watcher at once', () => {
  it.each(SELECTORS)(
    'Watcher with %o: waitForSync rejects naming the selector and quoting the server',
    async (case_) => {
      const { says, ...selector } = case_;
      const kube = client();
      const { api, counts } = counting(kube);
      const errors: KwErrorShape[] = [];
      const watcher = new Watcher({
        api,
        resource: CONFIGMAPS,
        namespace: ns.name,
        ...selector,
        keys: new Indexer({ indexBy: ['metadata.name'] }),
        store: new MemoryStore(),
        onChange: () => {},
        onError: (error) => errors.push(error),
      });
      cleanup.push(async () => {
        await watcher.stop();
        kube.close();
      });
      const error = await watcher.waitForSync().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      const rejected = error as InvalidRequestError;
      expect(rejected.code).toBe('KW_BAD_REQUEST');
      expect(rejected.status).toBe(400);
      const [field, value] = Object.entries(selector)[0] ?? [];
      expect(rejected.message).toContain(`${field} ${JSON.stringify(value)}`);
      expect(rejected.message).toMatch(says);
      expect(watcher.status().phase).toBe('failed');
      expect(errors).toEqual([rejected]);
      // auto mode: the streaming attempt, then one paginated LIST; nothing after.
      expect([counts.watch, counts.list]).toEqual([1, 1]);
    },
  );

  it.each(SELECTORS)('SingleWatcher with %o: waitForSync rejects naming the selector', async (case_) => {
    const { says, ...selector } = case_;
    const kube = client();
    const errors: KwErrorShape[] = [];
    const watcher = new SingleWatcher({
      api: kube,
      resource: CONFIGMAPS,
      namespace: ns.name,
      name: 'cfg',
      ...selector,
      onChange: () => {},
      onError: (error) => errors.push(error),
    });
    cleanup.push(async () => {
      await watcher.stop();
      kube.close();
    });
    const error = await watcher.waitForSync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(says);
    expect((error as Error).message).toContain(Object.values(selector)[0] ?? '');
    expect(watcher.status().phase).toBe('failed');
    expect(errors).toEqual([error]);
  });
});
