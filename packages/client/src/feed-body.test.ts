import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { feedBody, TURN_BYTES } from './feed-body';

/** A response whose whole body is already buffered, as when libuv reads a socket many times in one turn. */
function buffered(chunks: number, size: number): IncomingMessage {
  const body = new PassThrough({ highWaterMark: chunks * size });
  for (let i = 0; i < chunks; i++) body.write(Buffer.alloc(size, i % 256));
  body.end();
  return body as unknown as IncomingMessage;
}

describe('feedBody', () => {
  it('hands on at most TURN_BYTES (plus one chunk) in one turn of the event loop, then yields', async () => {
    let turnNo = 0;
    let ticking = true;
    const tick = (): void => {
      turnNo++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    const size = 16 * 1024;
    const length = await feedBody(buffered(64, size), new AbortController().signal, (chunk) => {
      perTurn.set(turnNo, (perTurn.get(turnNo) ?? 0) + chunk.length);
    });
    ticking = false;
    expect(length).toBe(64 * size);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(TURN_BYTES + size);
    expect(perTurn.size).toBeGreaterThanOrEqual((64 * size) / (TURN_BYTES + size));
  });

  it('rejects with the error take throws, and with AbortedError when aborted while paused', async () => {
    const boom = new Error('boom');
    await expect(
      feedBody(buffered(4, 1024), new AbortController().signal, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const abort = new AbortController();
    const fed = feedBody(buffered(64, 16 * 1024), abort.signal, () => abort.abort());
    await expect(fed).rejects.toMatchObject({ code: 'KW_ABORTED' });
  });
});
