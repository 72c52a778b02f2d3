import type { KubeObject } from '@kw/types';
import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import {
  INDEXER_DEFAULTS,
  Indexer,
  type IndexerOptions,
  InvalidConfigError,
  InvalidFieldSelectorError,
  InvalidJsonPathError,
} from './index';

type Obj = KubeObject & Record<string, unknown>;

function thrown(options: IndexerOptions): unknown {
  try {
    new Indexer(options);
  } catch (error) {
    return error;
  }
  throw new Error('expected the constructor to throw');
}

const keysOf = (indexBy: string[], obj: unknown): string[] => new Indexer({ indexBy }).extractKeys(obj as Obj);

describe('Indexer construction', () => {
  it('rejects an empty indexBy with KW_INVALID_CONFIG', () => {
    const error = thrown({ indexBy: [] }) as InvalidConfigError;
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.code).toBe('KW_INVALID_CONFIG');
    expect(error.field).toBe('indexBy');
    expect(error.option).toBe('indexBy');
    expect(error.value).toEqual([]);
    expect(error.message).toBe(
      'indexBy: needs at least one JSONPath expression, e.g. ["metadata.namespace", "metadata.name"]',
    );
  });

  it('rejects a non-string expression', () => {
    const error = thrown({ indexBy: [42 as unknown as string] }) as InvalidConfigError;
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toBe('indexBy[0]: expected a JSONPath string, got number');
  });

  it('names the option and index of an invalid indexBy expression', () => {
    const error = thrown({ indexBy: ['metadata.namespace', 'metadata..name'] }) as InvalidJsonPathError;
    expect(error).toBeInstanceOf(InvalidJsonPathError);
    expect(error.code).toBe('KW_INVALID_JSONPATH');
    expect(error.option).toBe('indexBy[1]');
    expect(error.expression).toBe('metadata..name');
    expect(error.message).toBe(
      'indexBy[1] "metadata..name": empty segment after "metadata." — did you mean "metadata.name"?',
    );
  });

  it('rejects a filter whose script does not parse', () => {
    const error = thrown({ indexBy: ['spec.rules[?(@.host==)].host'] }) as InvalidJsonPathError;
    expect(error).toBeInstanceOf(InvalidJsonPathError);
    expect(error.message).toMatch(
      /^indexBy\[0\] "spec.rules\[\?\(@.host==\)\].host": jsonpath-plus cannot evaluate it: /,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rejects names jsonpath-plus would misparse in a complex expression', () => {
    const error = thrown({ indexBy: ["spec.rules[*]['a;b']"] }) as InvalidJsonPathError;
    expect(error.problem).toBe(
      'name "a;b" may hold only letters, digits and "_./-" in an expression with wildcards, filters, slices or ".." — use a plain path or remove those',
    );
  });

  it('names the option of an invalid ignoreFields path', () => {
    const error = thrown({ indexBy: ['metadata.name'], ignoreFields: ['metadata.'] }) as InvalidJsonPathError;
    expect(error.message).toBe('ignoreFields[0] "metadata.": ends with "." — did you mean "metadata"?');
  });

  it('rejects wildcards and array elements in ignoreFields', () => {
    expect((thrown({ indexBy: ['a'], ignoreFields: ['x', 'spec.rules[*].http'] }) as Error).message).toBe(
      'ignoreFields[1] "spec.rules[*].http": ignoreFields takes plain field paths (names and [n] indexes) only',
    );
    expect((thrown({ indexBy: ['a'], ignoreFields: ['spec.rules[0]'] }) as Error).message).toBe(
      'ignoreFields[0] "spec.rules[0]": cannot remove an array element — name a field to remove',
    );
  });

  it('rejects an invalid field selector', () => {
    const error = thrown({ indexBy: ['a'], fieldSelector: 'status.phase' }) as InvalidFieldSelectorError;
    expect(error).toBeInstanceOf(InvalidFieldSelectorError);
    expect(error.code).toBe('KW_INVALID_FIELD_SELECTOR');
  });

  it('exposes its configuration and defaults', () => {
    const indexer = new Indexer({ indexBy: ['metadata.namespace', 'metadata.name'] });
    expect(indexer.indexBy).toEqual(['metadata.namespace', 'metadata.name']);
    expect(indexer.ignoreFields).toEqual([]);
    expect(indexer.fieldSelector).toBeUndefined();
    expect(INDEXER_DEFAULTS).toEqual({ ignoreFields: [], mutate: false });
  });
});

describe('metadataOnly', () => {
  it.each<[IndexerOptions, boolean]>([
    [{ indexBy: ['metadata.namespace', "metadata.labels['app']"] }, true],
    [{ indexBy: ['.metadata.name', '$.metadata.uid'], ignoreFields: ['metadata.managedFields'] }, true],
    [{ indexBy: ['metadata.name'], fieldSelector: 'metadata.namespace!=kube-system' }, true],
    [{ indexBy: ['metadata.name', 'spec.nodeName'] }, false],
    [{ indexBy: ['metadata.name'], ignoreFields: ['status'] }, false],
    [{ indexBy: ['metadata.name'], fieldSelector: 'metadata.name=a,status.phase=Running' }, false],
    [{ indexBy: ['$..name'] }, false],
  ])('is %#: %j → %s', (options, expected) => {
    expect(new Indexer(options).metadataOnly).toBe(expected);
  });
});

describe('extractKeys', () => {
  const ingress = {
    metadata: {
      namespace: 'web',
      name: 'shop',
      generation: 7,
      labels: { 'app.kubernetes.io/name': 'shop', tier: 'front' },
      annotations: { 'example.com/enabled': 'true' },
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host: 'a.example' }, { http: {} }, { host: 'c.example' }],
      tls: null,
      paused: false,
    },
  };

  it('returns one key per expression, in order', () => {
    expect(keysOf(['metadata.namespace', '$.spec.ingressClassName', '.metadata.name'], ingress)).toEqual([
      'web',
      'nginx',
      'shop',
    ]);
  });

  it('gives "" for a missing field, a missing parent and a null value', () => {
    expect(keysOf(['metadata.uid', 'status.loadBalancer.ingress', 'spec.tls', 'spec.rules[9].host'], ingress)).toEqual([
      '',
      '',
      '',
      '',
    ]);
  });

  it('converts numbers and booleans with String', () => {
    expect(keysOf(['metadata.generation', 'spec.paused'], ingress)).toEqual(['7', 'false']);
  });

  it('gives JSON for object and array values', () => {
    expect(keysOf(['metadata.labels', 'spec.rules[1]'], ingress)).toEqual([
      '{"app.kubernetes.io/name":"shop","tier":"front"}',
      '{"http":{}}',
    ]);
  });

  it('reads label and annotation keys with dots and slashes', () => {
    expect(
      keysOf(["metadata.labels['app.kubernetes.io/name']", 'metadata.annotations["example.com/enabled"]'], ingress),
    ).toEqual(['shop', 'true']);
  });

  it('follows numeric indexes', () => {
    expect(keysOf(['spec.rules[0].host', 'spec.rules[2].host'], ingress)).toEqual(['a.example', 'c.example']);
  });

  it('joins a wildcard match with "," in document order, skipping elements without the field', () => {
    expect(keysOf(['spec.rules[*].host'], ingress)).toEqual(['a.example,c.example']);
  });

  it('converts each value of a multi-valued match and gives "" for an empty match', () => {
    const obj = { items: [{ v: 1 }, { v: null }, { v: { x: true } }, { v: 'z' }] };
    expect(keysOf(['items[*].v', 'items[*].missing', 'nothing[*]'], obj)).toEqual(['1,,{"x":true},z', '', '']);
  });

  it('evaluates filters, slices, unions and recursive descent with jsonpath-plus', () => {
    expect(
      keysOf(
        [
          'spec.rules[?(@.host && @.host.startsWith("c"))].host',
          'spec.rules[-1:].host',
          'spec.rules[0,2].host',
          '$..host',
          "metadata.labels['tier','app.kubernetes.io/name']",
        ],
        ingress,
      ),
    ).toEqual(['c.example', 'c.example', 'a.example,c.example', 'a.example,c.example', 'front,shop']);
  });

  it('treats a filter that throws on an object as no match', () => {
    expect(keysOf(['spec.rules[?(@.http.paths.length > 0)].host'], ingress)).toEqual(['']);
  });

  it('never reads inherited properties', () => {
    expect(keysOf(['metadata.constructor', 'metadata.__proto__', 'metadata.labels.toString'], ingress)).toEqual([
      '',
      '',
      '',
    ]);
  });

  it('gives "" for every key of an object without metadata', () => {
    expect(keysOf(['metadata.name', 'spec.rules[*].host'], {})).toEqual(['', '']);
  });

  // Names as Kubernetes writes them, including characters that need the bracket form.
  const name = fc.constantFrom('a', 'b', 'metadata', 'name', 'app.kubernetes.io/name', 'x-y', 'k_8', '0', '1');
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, '', 'v', 0, 1, 2.5, true, false),
      tie('object'),
      tie('array'),
    ),
    object: fc.dictionary(name, tie('value'), { maxKeys: 4 }),
    array: fc.array(tie('value'), { maxLength: 3 }),
  })).value;
  const step = fc.oneof(
    name.map((n) => ({ text: /^[\w-]+$/.test(n) ? `.${n}` : `['${n}']`, segment: n })),
    fc.nat(2).map((i) => ({ text: `[${i}]`, segment: String(i) })),
  );

  it('gives exactly what jsonpath-plus gives for simple paths (property)', () => {
    fc.assert(
      fc.property(json, fc.array(step, { minLength: 1, maxLength: 4 }), (obj, steps) => {
        const expr = `$${steps.map((s) => s.text).join('')}`;
        const [fast] = keysOf([expr], obj);
        const matches = (JSONPath({ path: expr, json: obj as object, wrap: true }) ?? []) as unknown[];
        const viaJsonPathPlus =
          matches.length === 0 || matches[0] === null
            ? ''
            : typeof matches[0] === 'string'
              ? matches[0]
              : typeof matches[0] === 'object'
                ? JSON.stringify(matches[0])
                : String(matches[0]);
        expect(matches.length).toBeLessThanOrEqual(1);
        expect(fast).toBe(viaJsonPathPlus);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('filterFields', () => {
  const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
  const makePod = () => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'ns',
      labels: { app: 'x' },
      annotations: { [lastApplied]: '{"big":"json"}', keep: 'me' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: '1' }] }] },
    status: { phase: 'Running' },
  });
  const ignoreFields = ['metadata.managedFields', `metadata.annotations['${lastApplied}']`];

  it('removes the ignored paths without touching the original', () => {
    const pod = makePod();
    const before = structuredClone(pod);
    const indexer = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields });
    const stored = indexer.filterFields(pod) as ReturnType<typeof makePod>;
    expect(pod).toEqual(before);
    expect(stored).toEqual({
      ...before,
      metadata: { name: 'p', namespace: 'ns', labels: { app: 'x' }, annotations: { keep: 'me' } },
    });
  });

  it('shares every subtree not on a removed path', () => {
    const pod = makePod();
    const stored = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields }).filterFields(pod) as ReturnType<
      typeof makePod
    >;
    expect(stored).not.toBe(pod);
    expect(stored.metadata).not.toBe(pod.metadata);
    expect(stored.metadata.annotations).not.toBe(pod.metadata.annotations);
    expect(stored.spec).toBe(pod.spec);
    expect(stored.status).toBe(pod.status);
    expect(stored.metadata.labels).toBe(pod.metadata.labels);
  });

  it('returns the object itself when nothing is there to remove', () => {
    const obj = { metadata: { name: 'n', annotations: { keep: 'me' } } };
    const indexer = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields });
    expect(indexer.filterFields(obj)).toBe(obj);
    expect(indexer.filterFields({} as Obj)).toEqual({});
  });

  it('returns the object itself without ignoreFields', () => {
    const pod = makePod();
    expect(new Indexer<Obj>({ indexBy: ['metadata.name'] }).filterFields(pod)).toBe(pod);
  });

  it('leaves an empty object when the last annotation is removed', () => {
    const obj = { metadata: { name: 'n', annotations: { [lastApplied]: '{}' } } };
    const stored = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields }).filterFields(obj);
    expect(stored).toEqual({ metadata: { name: 'n', annotations: {} } });
  });

  it('removes through array indexes by copying the array', () => {
    const pod = makePod();
    const indexer = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields: ['spec.containers[0].env'] });
    const stored = indexer.filterFields(pod) as ReturnType<typeof makePod>;
    expect(stored.spec.containers).toEqual([{ name: 'c', image: 'i' }]);
    expect(pod.spec.containers[0]?.env).toEqual([{ name: 'A', value: '1' }]);
    expect(stored.metadata).toBe(pod.metadata);
  });

  it('removes a parent and its own listed children once', () => {
    const pod = makePod();
    const indexer = new Indexer<Obj>({
      indexBy: ['metadata.name'],
      ignoreFields: [`metadata.annotations['${lastApplied}']`, 'metadata.annotations', 'status.phase', 'status'],
    });
    const stored = indexer.filterFields(pod) as Record<string, unknown>;
    expect(stored.status).toBeUndefined();
    expect(stored.metadata).not.toHaveProperty('annotations');
  });

  it('keeps the prototype of class instances it copies', () => {
    class Pod {
      metadata = { name: 'p', managedFields: [{}] };
    }
    const stored = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields }).filterFields(
      new Pod() as unknown as Obj,
    );
    expect(stored).toBeInstanceOf(Pod);
    expect(stored.metadata).toEqual({ name: 'p' });
  });

  it('removes in place with mutate: true, replacing each object that loses a key by a copy without it', () => {
    const pod = makePod();
    const { spec, metadata } = pod;
    const { labels } = metadata;
    const stored = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields, mutate: true }).filterFields(pod);
    expect(stored).toBe(pod);
    expect(pod.metadata).not.toBe(metadata);
    expect(pod.metadata.labels).toBe(labels);
    expect(pod.spec).toBe(spec);
    expect(pod.metadata).toEqual({ name: 'p', namespace: 'ns', labels: { app: 'x' }, annotations: { keep: 'me' } });
    expect(Object.keys(pod.metadata)).toEqual(['name', 'namespace', 'labels', 'annotations']);
  });

  it('with mutate: true keeps class prototypes and deletes keys of the object itself', () => {
    class Meta {
      name = 'p';
      managedFields = [{}];
    }
    const obj = { metadata: new Meta(), status: { phase: 'x' } } as unknown as Obj;
    const indexer = new Indexer<Obj>({
      indexBy: ['metadata.name'],
      ignoreFields: [...ignoreFields, 'status'],
      mutate: true,
    });
    const stored = indexer.filterFields(obj);
    expect(stored).toBe(obj);
    expect(stored.metadata).toBeInstanceOf(Meta);
    expect({ ...stored.metadata }).toEqual({ name: 'p' });
    expect(stored).not.toHaveProperty('status');
  });

  it('stores the same with mutate: true as copy-on-write (property)', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const object = fc.record(
      {
        metadata: fc.record(
          {
            name: fc.string(),
            annotations: fc.dictionary(fc.constantFrom(lastApplied, 'a', 'b'), fc.string()),
            managedFields: value,
            labels: fc.dictionary(fc.string(), fc.string()),
          },
          { requiredKeys: [] },
        ),
        spec: fc.record({ containers: fc.array(fc.record({ name: fc.string(), env: value }, { requiredKeys: [] })) }),
        status: value,
      },
      { requiredKeys: [] },
    );
    const fields = [...ignoreFields, 'spec.containers[0].env', 'spec.containers[1].name', 'status.phase', 'status'];
    const copying = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields: fields });
    const mutating = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields: fields, mutate: true });
    fc.assert(
      fc.property(object, (obj) => {
        const expected = structuredClone(copying.filterFields(obj as Obj));
        const stored = mutating.filterFields(obj as Obj);
        expect(stored).toBe(obj);
        expect(stored).toEqual(expected);
      }),
    );
  });

  it('never copies on random objects and leaves them deep-equal (property)', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const object = fc.record(
      {
        metadata: fc.record(
          {
            name: fc.string(),
            annotations: fc.dictionary(fc.constantFrom(lastApplied, 'a', 'b'), fc.string()),
            managedFields: value,
            labels: fc.dictionary(fc.string(), fc.string()),
          },
          { requiredKeys: [] },
        ),
        spec: value,
      },
      { requiredKeys: [] },
    );
    const indexer = new Indexer<Obj>({ indexBy: ['metadata.name'], ignoreFields });
    fc.assert(
      fc.property(object, (obj) => {
        const before = structuredClone(obj);
        const stored = indexer.filterFields(obj as Obj) as typeof obj;
        expect(obj).toEqual(before);
        expect(stored.metadata && 'managedFields' in stored.metadata).toBeFalsy();
        expect(stored.metadata?.annotations && lastApplied in stored.metadata.annotations).toBeFalsy();
        expect(stored.spec).toBe(obj.spec);
        if (stored.metadata) expect(stored.metadata.labels).toBe(obj.metadata?.labels);
      }),
    );
  });
});

describe('matches', () => {
  it('is true for every object without a field selector', () => {
    expect(new Indexer({ indexBy: ['metadata.name'] }).matches({})).toBe(true);
  });

  it('applies the field selector', () => {
    const indexer = new Indexer<Obj>({ indexBy: ['metadata.name'], fieldSelector: 'status.phase=Running' });
    expect(indexer.matches({ status: { phase: 'Running' } })).toBe(true);
    expect(indexer.matches({ status: { phase: 'Pending' } })).toBe(false);
    expect(indexer.fieldSelector?.requirements).toHaveLength(1);
  });
});
