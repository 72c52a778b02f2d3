import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseListBody } from './list-body';

const parse = (text: string) => parseListBody(Buffer.from(text, 'utf8'));

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

  it('parses bodies without an array of objects under items whole', () => {
    for (const text of [
      '{"kind":"List","items":null}',
      '{"kind":"List","items":[]}',
      '{"kind":"List","items":[1,{"a":1}]}',
      '{"kind":"List","items":{"a":[1]}}',
      '{"kind":"Status","code":410}',
      '[{"items":[{"a":1}]}]',
    ]) {
      expect(parse(text)).toEqual(JSON.parse(text));
    }
  });

  it('throws SyntaxError for a malformed body, as JSON.parse does', () => {
    expect(() => parse('{"kind":"List","items":[{"a":1},{"b":]}')).toThrow(SyntaxError);
    expect(() => parse('{"kind":"List","items":[{"a":1}],}')).toThrow(SyntaxError);
    expect(() => parse('<html>not json</html>')).toThrow(SyntaxError);
  });
});
