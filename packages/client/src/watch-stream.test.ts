import { EventEmitter } from 'node:events';
import type { ApiStatus, KubeObject, WatchEvent } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './errors';
import type { OpenResponse } from './transport';
import { WatchStream } from './watch-stream';

/** A response whose chunks the test emits by hand, recording pause/resume. */
class FakeResponse extends EventEmitter {
  paused = false;
  pauses = 0;
  resumes = 0;
  pause(): this {
    this.paused = true;
    this.pauses++;
    return this;
  }
  resume(): this {
    this.paused = false;
    this.resumes++;
    return this;
  }
  /** Emits one chunk holding a watch line per name (ADDED ConfigMaps). */
  send(...names: string[]): void {
    const text = names.map((name) => `${JSON.stringify({ type: 'ADDED', object: { metadata: { name } } })}\n`).join('');
    this.emit('data', Buffer.from(text));
  }
}

/** Resolves after the current I/O phase, when the stream decodes the lines it holds. */
const afterIo = () => new Promise((resolve) => setImmediate(resolve));

async function openStream(highWaterMark?: number) {
  const response = new FakeResponse();
  const request = Object.assign(new EventEmitter(), { destroyed: false, destroy: () => {} });
  const options = {
    open: async () => ({ request, response }) as unknown as OpenResponse,
    signal: new AbortController().signal,
    networkError: (error: unknown) => error,
    statusError: (status: ApiStatus) => new Error(`status ${status.code}`),
  };
  const stream = new WatchStream(highWaterMark === undefined ? options : { ...options, highWaterMark });
  // The first next() opens the request; hand it one chunk so it settles.
  const first = stream.next();
  await afterIo();
  response.send('first');
  expect(names((await first).value)).toEqual(['first']);
  return { stream, response, request };
}

const names = (batch: WatchEvent[] | undefined) => (batch ?? []).map((e) => (e.object as KubeObject).metadata?.name);

describe('WatchStream', () => {
  it('hands every chunk received since the last next() over as one batch, in order', async () => {
    const { stream, response } = await openStream();
    response.send('a');
    response.send('b', 'c');
    response.send('d');
    expect(names((await stream.next()).value)).toEqual(['a', 'b', 'c', 'd']);
    response.send('e');
    expect(names((await stream.next()).value)).toEqual(['e']);
  });

  it('pauses the socket once highWaterMark events wait, counting events not chunks, and resumes when they are taken', async () => {
    const { stream, response } = await openStream(4);
    response.send('a', 'b', 'c');
    await afterIo();
    expect(response.paused).toBe(false);
    response.send('d');
    expect(response.paused).toBe(false); // decoded after the I/O phase
    await afterIo();
    expect(response.paused).toBe(true);
    response.send('e'); // already on its way when the socket paused: kept, not dropped
    expect(names((await stream.next()).value)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(response.paused).toBe(false);
    expect([response.pauses, response.resumes]).toEqual([1, 1]);
    response.send('f', 'g', 'h', 'i');
    await afterIo();
    expect(response.paused).toBe(true);
    response.emit('end');
    expect(names((await stream.next()).value)).toEqual(['f', 'g', 'h', 'i']);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('decodes at once, without waiting for the I/O phase, once the held lines pass 256 KiB', async () => {
    const { stream, response } = await openStream(4);
    const long = (name: string) => `${name}-${'x'.repeat(60 * 1024)}`;
    response.send(long('a'), long('b'), long('c'), long('d')); // ~240 KiB: held
    expect(response.paused).toBe(false);
    response.send(long('e')); // past 256 KiB: decoded in this call, 5 events wait, the socket pauses
    expect(response.paused).toBe(true);
    expect((await stream.next()).value).toHaveLength(5);
  });

  it('delivers the lines that arrived before a connection error, then throws it', async () => {
    const { stream, response, request } = await openStream();
    response.send('a', 'b'); // held until the I/O phase ends; the error comes first, in the same phase
    request.emit('error', new Error('ECONNRESET'));
    expect(names((await stream.next()).value)).toEqual(['a', 'b']);
    await expect(stream.next()).rejects.toThrow('ECONNRESET');
  });

  it('delivers the events before a malformed line, then throws DecodeError', async () => {
    const { stream, response } = await openStream();
    response.send('a');
    response.emit(
      'data',
      Buffer.from(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'b' } } })}\n{"type":\n`),
    );
    expect(names((await stream.next()).value)).toEqual(['a', 'b']);
    await expect(stream.next()).rejects.toBeInstanceOf(DecodeError);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('throws an ERROR event through statusError after the events before it, to a waiting consumer too', async () => {
    const { stream, response } = await openStream();
    const waiting = stream.next();
    const line = (type: string, object: object) => `${JSON.stringify({ type, object })}\n`;
    response.emit(
      'data',
      Buffer.from(
        line('ADDED', { metadata: { name: 'a' } }) +
          line('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }) +
          line('ADDED', { metadata: { name: 'after' } }),
      ),
    );
    expect(names((await waiting).value)).toEqual(['a']);
    await expect(stream.next()).rejects.toThrow('status 410');
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('drops pending events when returned early', async () => {
    const { stream, response } = await openStream();
    response.send('a', 'b');
    expect(await stream.return()).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
