import { setTimeout as sleep } from 'node:timers/promises';
import { Indexer } from '@kw/indexer';
import {
  apiserverAddress,
  compactEtcd,
  FaultProxy,
  faultsAvailable,
  kubeConfigVia,
  restartApiserver,
  useNamespace,
} from '@kw/kube-local/e2e';
import { MemoryStore } from '@kw/store-memory';
import { pool, until } from '@kw/test-utils';
import type { KwErrorShape } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { Watcher } from '../../src/index';
import { CONFIGMAPS, client, configMap, core, freshVersions, prng, sameVersions, versionsOf } from './helpers';

const ns = useNamespace('kw-converge');
const SEEDS = [11, 22, 33];
const INITIAL = 500;
const ROUNDS = 10;
const OPS_PER_ROUND = 50;

const ignoreGoneOrConflict = (e: unknown) => {
  const code = (e as { code?: number }).code;
  if (code !== 404 && code !== 409) throw e;
};

describe.skipIf(!faultsAvailable())('Watcher convergence under churn and faults', () => {
  for (const seed of SEEDS) {
    it(`store equals a fresh list after random churn, cuts, a compaction and a restart (seed ${seed})`, async () => {
      const random = prng(seed);
      const api = core();
      const label = { conv: String(seed), app: 'c' };
      const selector = `conv=${seed}`;
      const alive = new Set<string>();
      let counter = 0;
      const newName = () => `c${seed}-${counter++}`;
      const initial = Array.from({ length: INITIAL }, newName);
      await pool(initial, 25, async (name) => {
        await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(name, label, { v: '0' }) });
        alive.add(name);
      });

      const proxy = await FaultProxy.start({ target: apiserverAddress() });
      const kube = client(kubeConfigVia(proxy.url));
      const store = new MemoryStore();
      const errors: KwErrorShape[] = [];
      const watcher = new Watcher({
        api: kube,
        resource: CONFIGMAPS,
        namespace: ns.name,
        labelSelector: selector,
        keys: new Indexer({ indexBy: ['metadata.labels.app'], mutate: true }),
        store,
        onChange: () => {},
        onError: (e) => errors.push(e),
        debounceMs: 50,
        backoff: { initialMs: 100, maxMs: 2000 },
      });
      try {
        await watcher.waitForSync();
        expect(store.sizeSync()).toBe(INITIAL);

        for (let round = 0; round < ROUNDS; round++) {
          const names = [...alive];
          const ops: Array<() => Promise<unknown>> = [];
          const touched = new Set<string>();
          for (let i = 0; i < OPS_PER_ROUND; i++) {
            const r = random();
            const pick = names[Math.floor(random() * names.length)];
            if (r < 0.3 || pick === undefined || touched.has(pick)) {
              const name = newName();
              ops.push(async () => {
                await api.createNamespacedConfigMap({ namespace: ns.name, body: configMap(name, label, { v: '1' }) });
                alive.add(name);
              });
            } else if (r < 0.7) {
              touched.add(pick);
              ops.push(() =>
                api
                  .replaceNamespacedConfigMap({
                    name: pick,
                    namespace: ns.name,
                    body: configMap(pick, label, { v: String(random()) }),
                  })
                  .catch(ignoreGoneOrConflict),
              );
            } else {
              touched.add(pick);
              ops.push(async () => {
                await api.deleteNamespacedConfigMap({ name: pick, namespace: ns.name }).catch(ignoreGoneOrConflict);
                alive.delete(pick);
              });
            }
          }
          await pool(ops, 10, (op) => op());
          if (random() < 0.6) {
            const refuseMs = Math.floor(random() * 500);
            proxy.refuse(refuseMs);
            proxy.cutAll({ reset: random() < 0.5 });
          }
          if (round === 3) await compactEtcd();
          if (round === 6) await restartApiserver();
          await sleep(Math.floor(random() * 200));
        }

        await until(async () => sameVersions(versionsOf(store.listSync()), await freshVersions(ns.name, selector)), {
          what: 'the store to equal a fresh list',
          timeoutMs: 60_000,
        });
        const fresh = await freshVersions(ns.name, selector);
        expect(versionsOf(store.listSync())).toEqual(fresh);
        expect(fresh.size).toBe(alive.size);
        const status = watcher.status();
        expect(status.phase).toBe('watching');
        expect(status.watches).toBeGreaterThan(1);
        console.info(
          `seed ${seed}: ${fresh.size} objects, lists ${status.lists}, relists ${status.relists}, watches ${status.watches}, rewatches ${status.rewatches}, errors ${status.errors} (${[...new Set(errors.map((e) => e.code))].join(', ')})`,
        );
      } finally {
        await watcher.stop();
        kube.close();
        await proxy.close();
        await api.deleteCollectionNamespacedConfigMap({ namespace: ns.name, labelSelector: selector });
      }
    }, 240_000);
  }
});
