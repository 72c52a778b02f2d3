import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { GROUP_BYTES, ListBodyParser, parseListBody, WHOLE_BELOW } from './list-body';

/** Parses with the scan (every body at least 0 bytes). */
const parse = (text: string) => parseListBody(Buffer.from(text, 'utf8'), 0);

/** Groups of items the tests parse with: one at a time, every byte count at which a group can end, and the default. */
const GROUPS = [0, 1, 64, 300, GROUP_BYTES];

/** Pushes `body` to a scanning parser (items parsed in groups of `groupBytes`) in chunks cut at `cuts` (any order); the parsed value. */
function chunked(body: string | Buffer, cuts: number[], groupBytes = GROUP_BYTES): unknown {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const parser = new ListBodyParser(0, groupBytes);
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const at = Math.min(cut, bytes.length);
    parser.push(bytes.subarray(from, at));
    from = at;
  }
  parser.push(bytes.subarray(from));
  expect(parser.bytes).toBe(bytes.length);
  return parser.end();
}

/** Property: every list `lists` makes, compact or indented, cut anywhere below `maxCut`, in groups of any size, parses as `JSON.parse` does. */
function parsesWhereverCut(lists: fc.Arbitrary<unknown>, maxCut: number, numRuns: number): void {
  fc.assert(
    fc.property(
      lists,
      fc.constantFrom(undefined, 1),
      fc.array(fc.nat(maxCut), { maxLength: 12 }),
      fc.constantFrom(...GROUPS),
      (value, indent, cuts, groupBytes) => {
        const json = JSON.stringify(value, null, indent);
        expect(chunked(json, cuts, groupBytes)).toEqual(JSON.parse(json));
      },
    ),
    { numRuns },
  );
}

describe('parseListBody', () => {
  it('returns what JSON.parse returns for any list body, compact or indented', () => {
    const item = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 });
    const list = fc.record({
      kind: fc.constant('ConfigMapList'),
      metadata: fc.record({ resourceVersion: fc.string(), continue: fc.string() }),
      items: fc.array(item, { maxLength: 8 }),
    });
    fc.assert(
      fc.property(list, fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parse(text)).toEqual(JSON.parse(text));
      }),
    );
  });

  it('finds items whose strings hold brackets, quotes, escapes, "items" and non-ASCII text', () => {
    const items = [
      { metadata: { name: 'a' }, data: { x: '}]{["items":[', y: 'quote " and \\ backslash\\', z: 'ü → 日本' } },
      { metadata: { name: 'b' }, items: [{ nested: true }], data: { '"items"': '[1,2]' } },
    ];
    const text = JSON.stringify({ kind: 'List', items, metadata: { resourceVersion: '7', note: '"items":[' } });
    expect(parse(text)).toEqual({ kind: 'List', items, metadata: { resourceVersion: '7', note: '"items":[' } });
  });

  it('parses bodies without an items array whole', () => {
    for (const text of [
      '{"kind":"List","items":null}',
      '{"kind":"List","items":[]}',
      '{"kind":"List","items":{"a":[1]}}',
      '{"kind":"Status","code":410}',
      '[{"items":[{"a":1}]}]',
    ]) {
      expect(parse(text)).toEqual(JSON.parse(text));
    }
  });

  it('rejects an items array holding something other than objects, naming the index', () => {
    expect(() => parse('{"kind":"List","items":[{"a":1},2]}')).toThrow(/items\[1\] of the LIST body is not an object/);
    expect(() => parse('{"kind":"List","items":[[1]]}')).toThrow(SyntaxError);
  });

  it('throws SyntaxError for a malformed body, as JSON.parse does', () => {
    expect(() => parse('{"kind":"List","items":[{"a":1},{"b":]}')).toThrow(SyntaxError);
    expect(() => parse('{"kind":"List","items":[{"a":1}],}')).toThrow(SyntaxError);
    expect(() => parse('<html>not json</html>')).toThrow(SyntaxError);
  });
});

describe('ListBodyParser', () => {
  it('returns what JSON.parse returns wherever the chunks are cut (inside strings, escapes, keys, multi-byte characters)', () => {
    const long = `${'a'.repeat(100)}\\"${'b'.repeat(100)}`; // quotes past the scan's byte-by-byte stretch
    const text = fc.oneof(
      fc.string(),
      fc.string({ minLength: 60, maxLength: 200 }),
      fc.constantFrom('"items":[', '\\', '\\"', '}]{[', 'ü → 日本', 'items', long),
    );
    const item = fc.dictionary(text, fc.oneof(text, fc.jsonValue()), { maxKeys: 5 });
    const list = fc.record({
      kind: fc.constant('ConfigMapList'),
      metadata: fc.record({ resourceVersion: fc.string(), continue: text }),
      items: fc.array(item, { maxLength: 6 }),
    });
    parsesWhereverCut(list, 400, 500);
  });

  it('parses one byte at a time', () => {
    const value = {
      kind: 'List',
      metadata: { items: '[' },
      items: [{ a: 'x\\"}' }, { b: [1, { c: 'ü' }] }],
      tail: '"items":[',
    };
    const json = JSON.stringify(value);
    expect(
      chunked(
        json,
        Array.from({ length: json.length }, (_, i) => i),
      ),
    ).toEqual(value);
  });

  it('does not take a later key for items after a value string (regression: key state reset per string)', () => {
    const json = '{"items":null,"other":"v","more":[{"a":1}]}';
    expect(chunked(json, [3, 9, 20])).toEqual(JSON.parse(json));
  });

  it('reports a truncated body as a SyntaxError', () => {
    expect(() => chunked('{"kind":"List","items":[{"a":1},{"b"', [])).toThrow(SyntaxError);
  });
});

describe('small bodies (under wholeBelow)', () => {
  const body = JSON.stringify({
    kind: 'ConfigMapList',
    metadata: { resourceVersion: '9', continue: 'c' },
    items: [{ metadata: { name: 'a' }, data: { x: '}]{["items":[' } }, { metadata: { name: 'b' } }],
  });

  it('are parsed whole, to the same value, whatever the chunks', () => {
    expect(parseListBody(Buffer.from(body))).toEqual(JSON.parse(body));
    const bytes = Buffer.from(body);
    const parser = new ListBodyParser();
    for (let i = 0; i < bytes.length; i += 7) parser.push(bytes.subarray(i, i + 7));
    expect(parser.bytes).toBe(bytes.length);
    expect(parser.end()).toEqual(JSON.parse(body));
  });

  it('switch to the scan, held chunks first, once the body reaches wholeBelow', () => {
    const bytes = Buffer.from(body);
    for (const wholeBelow of [1, 20, 60, bytes.length - 1, bytes.length, bytes.length + 1]) {
      const parser = new ListBodyParser(wholeBelow);
      for (let i = 0; i < bytes.length; i += 11) parser.push(bytes.subarray(i, i + 11));
      expect(parser.end()).toEqual(JSON.parse(body));
    }
  });

  it('by default, only bodies under WHOLE_BELOW (128 KiB) wait for their end: a larger one is scanned as it arrives', () => {
    expect(WHOLE_BELOW).toBe(128 * 1024);
    const filler = { metadata: { name: 'x' }, data: { v: 'y'.repeat(1000) } };
    const parts = Array.from({ length: 200 }, () => JSON.stringify(filler)).join(',');
    const bad = Buffer.from(`{"kind":"List","items":[2,${parts}]}`);
    expect(bad.length).toBeGreaterThan(WHOLE_BELOW);
    const parser = new ListBodyParser();
    // The scan rejects items[0] while the body is still arriving (held, it would only fail at end()).
    expect(() => {
      for (let i = 0; i < bad.length; i += 16 * 1024) parser.push(bad.subarray(i, i + 16 * 1024));
    }).toThrow(/items\[0\] of the LIST body is not an object/);
    expect(parser.bytes).toBeLessThan(bad.length);
    const small = new ListBodyParser();
    small.push(Buffer.from('{"kind":"List","items":[2'));
    expect(() => small.push(Buffer.from(']}'))).not.toThrow();
    expect(() => small.end()).toThrow(/items\[0\]/);
  });

  it('scan the held chunks once the body reaches wholeBelow, whatever wholeBelow', () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({
      metadata: { name: `cm-${i}` },
      data: { v: '"}]'.repeat(60) },
    }));
    const big = Buffer.from(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '9' }, items }));
    expect(big.length).toBeGreaterThan(800_000);
    for (const wholeBelow of [300_000, big.length - 5000]) {
      const parser = new ListBodyParser(wholeBelow);
      for (let i = 0; i < big.length; i += 1024) parser.push(big.subarray(i, i + 1024));
      expect(parser.end()).toEqual(JSON.parse(big.toString()));
    }
  });

  it('still reject items that are not objects, and malformed JSON', () => {
    expect(() => parseListBody(Buffer.from('{"items":[{"a":1},2]}'))).toThrow(
      /items\[1\] of the LIST body is not an object/,
    );
    expect(() => parseListBody(Buffer.from('{"items":[[1]]}'))).toThrow(/items\[0\]/);
    expect(() => parseListBody(Buffer.from('{"items":[{"a":1},'))).toThrow(SyntaxError);
    expect(parseListBody(Buffer.from('{"kind":"Status","code":410}'))).toEqual({ kind: 'Status', code: 410 });
  });
});

describe('fast split (items ending right before `},{"<first key>":`)', () => {
  it('returns what JSON.parse returns with nested look-alike separators, wherever the chunks are cut', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('},{"metadata":', '"}', 'ü', '\\'));
    // Items as kube-apiserver writes them (metadata first), some holding arrays of objects whose first key
    // is also metadata (a StatefulSet's volumeClaimTemplates): `},{"metadata":` inside an item.
    const nested = fc.array(fc.record({ metadata: fc.record({ name: text }), spec: fc.jsonValue() }), { maxLength: 3 });
    const item = fc.record({
      metadata: fc.record({ name: text, namespace: text }),
      spec: fc.record({ templates: nested, x: fc.jsonValue() }),
      data: fc.dictionary(text, text, { maxKeys: 3 }),
    });
    const list = fc.record({
      kind: fc.constant('StatefulSetList'),
      metadata: fc.record({ resourceVersion: fc.string() }),
      items: fc.array(item, { maxLength: 6 }),
    });
    parsesWhereverCut(list, 1500, 400);
  });

  it('finds separators that chunk boundaries cut, at every offset (kube-apiserver writes an item at a time)', () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ metadata: { name: `cm-${i}` }, data: { v: `${i}` } }));
    const json = JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '3' }, items });
    const separators = [...json.matchAll(/\},\{"metadata":/g)].map((m) => m.index);
    expect(separators).toHaveLength(4);
    for (const groupBytes of GROUPS) {
      for (let offset = 0; offset <= '},{"metadata":'.length; offset++) {
        expect(
          chunked(
            Buffer.from(json),
            separators.map((at) => at + offset),
            groupBytes,
          ),
        ).toEqual(JSON.parse(json));
      }
    }
  });

  it('handles items whose first keys differ, and rejects a non-object item after fast-split ones', () => {
    const mixed = '{"items":[{"metadata":{"a":1}},{"kind":"X","metadata":{}},{"metadata":{"b":[{"metadata":2}]}},{}]}';
    for (const groupBytes of GROUPS) {
      for (const size of [1, 3, 7, mixed.length]) {
        const cuts = Array.from({ length: Math.ceil(mixed.length / size) }, (_, i) => i * size);
        expect(chunked(Buffer.from(mixed), cuts, groupBytes)).toEqual(JSON.parse(mixed));
      }
      // A group parses as a JSON array whatever its elements: a number inside one is still rejected.
      for (const bad of ['3', '[3]', 'null']) {
        const body = `{"items":[{"metadata":1},{"metadata":2},${bad},{"metadata":4},{"metadata":5}]}`;
        expect(() => chunked(Buffer.from(body), [], groupBytes)).toThrow(
          /items\[2\] of the LIST body is not an object/,
        );
      }
      expect(() =>
        chunked(Buffer.from('{"items":[{"metadata":1},{"metadata":2},{"metadata":]}'), [], groupBytes),
      ).toThrow(SyntaxError);
    }
  });

  it('falls back item after item without recursing (every item holds a nested look-alike)', () => {
    const items = Array.from({ length: 50_000 }, (_, i) => ({
      metadata: { name: `s-${i}` },
      t: [{ metadata: 1 }, { metadata: 2 }],
    }));
    const bytes = Buffer.from(JSON.stringify({ kind: 'StatefulSetList', items }));
    for (const [size, groupBytes] of [
      [bytes.length, 0],
      [4096, 0],
      [100, 0],
      [65536, GROUP_BYTES],
    ] as const) {
      const cuts = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size);
      expect((chunked(bytes, cuts, groupBytes) as { items: unknown[] }).items).toEqual(items);
    }
  });

  it('gives up the fast split for a body once an item outgrows 4 MiB, and still parses it', () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const value = {
      items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' }, data: { big } }, { metadata: { name: 'c' } }],
    };
    const bytes = Buffer.from(JSON.stringify(value));
    const cuts = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => i * 65536);
    expect(chunked(bytes, cuts)).toEqual(value);
  });

  it('parses items in groups of groupBytes with one JSON.parse each, the last one at the end of the body', () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({
      metadata: { name: `cm-${i}` },
      data: { v: 'x'.repeat(500) },
    }));
    const bytes = Buffer.from(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '5' }, items }));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (const groupBytes of [0, 64 * 1024, GROUP_BYTES]) {
        parse.mockClear();
        expect(
          chunked(
            bytes,
            Array.from({ length: 80 }, (_, i) => i * 16 * 1024),
            groupBytes,
          ),
        ).toEqual(JSON.parse(bytes.toString()));
        const calls = parse.mock.calls.length - 1; // the expectation's own JSON.parse
        // The first item is parsed alone (the scan learns the separator from it); the head and tail once.
        const groups = groupBytes === 0 ? items.length - 1 : Math.ceil(bytes.length / groupBytes);
        expect(calls).toBeGreaterThanOrEqual(2 + Math.floor(groups * 0.9));
        expect(calls).toBeLessThanOrEqual(2 + groups);
      }
    } finally {
      parse.mockRestore();
    }
  });
});
