import type { KubeObject } from '@kw/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, WatchDecoder } from './index';

const configMap = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'a', resourceVersion: '1' },
  data,
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

function decodeChunks(chunks: Buffer[]) {
  const decoder = new WatchDecoder();
  const events = chunks.flatMap((chunk) => decoder.push(chunk));
  return [...events, ...decoder.end()];
}

describe('WatchDecoder', () => {
  it('decodes several events delivered in one chunk, in order', () => {
    const stream = line('ADDED', configMap('a')) + line('MODIFIED', configMap('b')) + line('DELETED', configMap('c'));
    const events = new WatchDecoder().push(Buffer.from(stream));
    expect(events.map((e) => [e.type, (e.object as KubeObject).metadata?.name])).toEqual([
      ['ADDED', 'a'],
      ['MODIFIED', 'b'],
      ['DELETED', 'c'],
    ]);
  });

  it('holds an incomplete line until its newline arrives', () => {
    const decoder = new WatchDecoder();
    const text = line('ADDED', configMap('a'));
    expect(decoder.push(Buffer.from(text.slice(0, 10)))).toEqual([]);
    expect(decoder.push(Buffer.from(text.slice(10, 20)))).toEqual([]);
    expect(decoder.pendingBytes).toBe(20);
    expect(decoder.push(Buffer.from(text.slice(20)))).toEqual([{ type: 'ADDED', object: configMap('a') }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('yields the same events for a stream split at every byte position', () => {
    const stream = Buffer.from(line('ADDED', configMap('x', { k: 'värde ✓ 🚀' })) + line('BOOKMARK', { metadata: {} }));
    const expected = decodeChunks([stream]);
    expect(expected).toHaveLength(2);
    for (let i = 0; i <= stream.length; i++) {
      expect(decodeChunks([stream.subarray(0, i), stream.subarray(i)])).toEqual(expected);
    }
  });

  it('yields the same events for any chunking of the stream (property)', () => {
    const event = fc.record({
      type: fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'),
      object: fc.record({
        metadata: fc.record({ name: fc.string({ unit: 'grapheme' }) }),
        data: fc.dictionary(fc.string(), fc.string({ unit: 'binary' })),
      }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (events, cuts) => {
        const stream = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
        const positions = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let previous = 0;
        for (const p of [...positions, stream.length]) {
          chunks.push(stream.subarray(previous, p));
          previous = p;
        }
        expect(decodeChunks(chunks)).toEqual(events);
      }),
    );
  }, 60_000); // CPU-bound (100 runs); generous for a loaded shared machine

  it('skips blank lines', () => {
    expect(decodeChunks([Buffer.from(`\n\r\n${line('ADDED', configMap('a'))}\n`)])).toHaveLength(1);
  });

  it('throws DecodeError with the line for a malformed line', () => {
    const decoder = new WatchDecoder();
    let error: unknown;
    try {
      decoder.push(Buffer.from(`${line('ADDED', configMap('a'))}{"type":"ADDED","object":{\n`));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe('KW_DECODE');
    expect((error as DecodeError).value).toBe('{"type":"ADDED","object":{');
    expect((error as DecodeError).cause).toBeInstanceOf(SyntaxError);
  });

  it('throws DecodeError for JSON that is not a watch event', () => {
    expect(() => new WatchDecoder().push(Buffer.from('{"type":"UPSERT","object":{}}\n'))).toThrow(DecodeError);
    expect(() => new WatchDecoder().push(Buffer.from('{"type":"ADDED"}\n'))).toThrow(/not a watch event/);
    expect(() => new WatchDecoder().push(Buffer.from('[1,2]\n'))).toThrow(DecodeError);
  });

  it('decodes a complete final event without a trailing newline at end()', () => {
    const decoder = new WatchDecoder();
    expect(decoder.push(Buffer.from(line('ADDED', configMap('a')).trimEnd()))).toEqual([]);
    expect(decoder.end()).toEqual([{ type: 'ADDED', object: configMap('a') }]);
  });

  it('throws DecodeError at end() when the stream stopped inside an event', () => {
    const decoder = new WatchDecoder();
    decoder.push(Buffer.from(line('ADDED', configMap('a')).slice(0, 25)));
    expect(() => decoder.end()).toThrow(/ended inside an event/);
  });

  it('ends with no events when nothing is pending', () => {
    const decoder = new WatchDecoder();
    decoder.push(Buffer.from(line('ADDED', configMap('a'))));
    expect(decoder.end()).toEqual([]);
  });

  describe('held lines', () => {
    it('holds complete lines, split anywhere across chunks, until flush', () => {
      const events = Array.from({ length: 50 }, (_, i) => ({
        type: 'ADDED',
        object: configMap(`cm-${i}`, { v: `värde ✓ ${i}` }),
      }));
      const stream = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      const decoder = new WatchDecoder();
      let held = 0;
      for (let at = 0; at < stream.length; at += 777) held = decoder.hold(stream.subarray(at, at + 777));
      expect(held).toBe(decoder.heldBytes);
      // Every byte of the lines is held; only newlines that end a held run are not.
      expect(held).toBeGreaterThanOrEqual(stream.length - events.length);
      expect(held).toBeLessThan(stream.length);
      expect(decoder.pendingBytes).toBe(0);
      expect(decoder.flush()).toEqual(events);
      expect(decoder.heldBytes).toBe(0);
      expect(decoder.end()).toEqual([]);
    });

    it('appends the events before a malformed held line, then throws DecodeError naming it', () => {
      const decoder = new WatchDecoder();
      const bad = '{"type":"ADDED","object":{"metadata":';
      decoder.hold(Buffer.from(`${line('ADDED', configMap('a'))}\n${bad}\n${line('ADDED', configMap('b'))}`));
      const out: unknown[] = [];
      expect(() => decoder.flush(out as never)).toThrow(expect.objectContaining({ code: 'KW_DECODE', value: bad }));
      expect(out).toEqual([{ type: 'ADDED', object: configMap('a') }]);
    });
  });
});
