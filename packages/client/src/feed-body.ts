import type { IncomingMessage } from 'node:http';
import { AbortedError } from './errors';

/**
 * Body bytes handed on in one turn of the event loop; then reading pauses until the next turn.
 * libuv reads a socket up to 32 times (2 MiB) in one turn when the data is there, and a LIST body
 * parsed item by item costs about 50 ms a MiB of small objects, so without a pause one turn could
 * block for ~100 ms (seen at 1M objects in paginated mode).
 */
export const TURN_BYTES = 256 * 1024;

/**
 * Hands each chunk of a response body to `take` as it arrives; resolves the body's length at its
 * end. After {@link TURN_BYTES} in one turn it pauses the response until `setImmediate`, so timers
 * and other I/O run in between. Aborting, or `take` throwing, destroys the response and rejects
 * with that error.
 */
export function feedBody(
  response: IncomingMessage,
  signal: AbortSignal,
  take: (chunk: Buffer) => void,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let length = 0;
    let turn = 0;
    const onAbort = (): void => {
      response.destroy(new AbortedError('the response was aborted', signal.reason));
    };
    const next = (): void => {
      turn = 0;
      if (!response.destroyed) response.resume();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => {
      length += chunk.length;
      try {
        take(chunk);
      } catch (error) {
        signal.removeEventListener('abort', onAbort);
        response.removeAllListeners('data');
        response.destroy();
        reject(error);
        return;
      }
      turn += chunk.length;
      if (turn >= TURN_BYTES && !response.isPaused()) {
        response.pause();
        setImmediate(next);
      }
    });
    response.once('end', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(length);
    });
    response.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}
