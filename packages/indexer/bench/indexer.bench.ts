import { JSONPath } from 'jsonpath-plus';
import { describe, test } from 'vitest';
import { Indexer, toKey as importedToKey } from '../src/index';
import { IGNORE_FIELDS, makeIngress } from './fixture';

const N = 1_000;
const RUN = { time: 500, warmupTime: 100 };
const objects = Array.from({ length: N }, (_, i) => makeIngress(i));
const indexBy = ['metadata.namespace', 'spec.ingressClassName'];

const indexer = new Indexer({ indexBy, ignoreFields: IGNORE_FIELDS });
const mutating = new Indexer({ indexBy, ignoreFields: IGNORE_FIELDS, mutate: true });

// A local binding: calling through the module's export getter would slow the baseline.
const toKey = importedToKey;
let sink = 0;

type Meta = { managedFields: unknown; annotations: Record<string, string | undefined> };

describe(`indexer, ${N.toLocaleString('en-US')} Ingresses per iteration`, () => {
  test('extractKeys, 2 simple expressions: compiled property walk vs jsonpath-plus per call', async ({ bench }) => {
    await bench.compare(
      bench('Indexer.extractKeys (compiled once)', () => {
        for (const o of objects) sink += indexer.extractKeys(o).length;
      }),
      bench('JSONPath({ path, json, wrap: true }) per expression per object', () => {
        for (const o of objects) {
          const keys = indexBy.map((path) => toKey((JSONPath({ path, json: o, wrap: true }) as unknown[])[0]));
          sink += keys.length;
        }
      }),
      RUN,
    );
  });

  test('filterFields (managedFields + last-applied annotation)', async ({ bench }) => {
    const mutable = objects.map((o) => structuredClone(o));
    await bench.compare(
      bench('copy-on-write (default)', () => {
        for (const o of objects) sink += indexer.filterFields(o) === o ? 0 : 1;
      }),
      bench('mutate: true (in place, plus putting the original metadata back)', () => {
        for (const o of mutable) {
          const meta = o.metadata as Meta;
          const { annotations } = meta;
          sink += mutating.filterFields(o) === o ? 1 : 0;
          meta.annotations = annotations;
          o.metadata = meta;
        }
      }),
      RUN,
    );
  });

  test('matches + filterFields + extractKeys, as a watcher calls them', async ({ bench }) => {
    const selecting = new Indexer({
      indexBy,
      ignoreFields: IGNORE_FIELDS,
      fieldSelector: 'metadata.namespace!=team-0',
    });
    await bench('full pipeline', () => {
      for (const o of objects) {
        if (selecting.matches(o)) sink += selecting.extractKeys(selecting.filterFields(o)).length;
      }
    }).run(RUN);
  });

  test('JSON bytes saved by filterFields', ({ annotate }) => {
    const before = objects.reduce((n, o) => n + JSON.stringify(o).length, 0);
    const after = objects.reduce((n, o) => n + JSON.stringify(indexer.filterFields(o)).length, 0);
    const line =
      `JSON.stringify(obj).length per Ingress: ${Math.round(before / N)} → ${Math.round(after / N)} ` +
      `(${(100 * (1 - after / before)).toFixed(1)}% saved)`;
    console.log(line);
    annotate(line);
    if (sink < 0) console.log(sink);
  });
});
