import type { ApiStatus, KubeObject, WatchEvent } from '@kw/types';
import { DecodeError } from './errors';

const NEWLINE = 0x0a;
const MAX_EXCERPT = 200;
const EVENT_TYPES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A decoded wire event: a {@link WatchEvent}, or an `ERROR` event carrying the server's `Status` (which `watch()` throws as a typed error). */
export type DecodedWatchEvent<T extends KubeObject = KubeObject> = WatchEvent<T> | { type: 'ERROR'; object: ApiStatus };

/**
 * Incremental decoder of a Kubernetes watch stream (newline-delimited JSON events) over Buffers.
 * Splits on byte 0x0A (never part of a multi-byte UTF-8 sequence), parses each complete line once,
 * and keeps only the incomplete tail between chunks: a line spanning chunks is joined from its
 * pieces alone. Blank lines are skipped. Not thread-safe; one decoder per stream.
 */
export class WatchDecoder<T extends KubeObject = KubeObject> {
  #pieces: Buffer[] = [];

  /**
   * Decodes the complete lines of `chunk` (plus any carried tail), appending them to `events` (a new
   * array by default), and returns `events`; throws `DecodeError` on a malformed line (events decoded
   * before it are already appended).
   */
  push(chunk: Buffer, events: DecodedWatchEvent<T>[] = []): DecodedWatchEvent<T>[] {
    let newline = chunk.indexOf(NEWLINE);
    if (newline === -1) {
      if (chunk.length > 0) this.#pieces.push(chunk);
      return events;
    }
    if (this.#pieces.length > 0) {
      this.#pieces.push(chunk.subarray(0, newline));
      const line = Buffer.concat(this.#pieces);
      this.#pieces = [];
      decodeLine(line, 0, line.length, events);
    } else {
      decodeLine(chunk, 0, newline, events);
    }
    let start = newline + 1;
    newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      decodeLine(chunk, start, newline, events);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.#pieces.push(chunk.subarray(start));
    return events;
  }

  /** Bytes held for an incomplete line. */
  get pendingBytes(): number {
    let total = 0;
    for (const piece of this.#pieces) total += piece.length;
    return total;
  }

  /**
   * Ends the stream: decodes a final line that lacked its newline (appended to `events`, which is
   * returned), or throws `DecodeError` when the stream stopped inside an event.
   */
  end(events: DecodedWatchEvent<T>[] = []): DecodedWatchEvent<T>[] {
    if (this.#pieces.length === 0) return events;
    const line = Buffer.concat(this.#pieces);
    this.#pieces = [];
    decodeLine(line, 0, line.length, events, true);
    return events;
  }
}

function decodeLine<T extends KubeObject>(
  buf: Buffer,
  start: number,
  end: number,
  out: DecodedWatchEvent<T>[],
  atEnd = false,
): void {
  if (isBlank(buf, start, end)) return;
  const text = buf.toString('utf8', start, end);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const where = atEnd ? 'the watch stream ended inside an event' : 'a watch stream line is not valid JSON';
    throw new DecodeError(`${where}: ${excerpt(text)} — reconnect the watch`, excerpt(text), error);
  }
  if (!isWatchEvent(parsed)) {
    throw new DecodeError(
      `a watch stream line is not a watch event (needs "type" of ${[...EVENT_TYPES].join('/')} and an "object"): ${excerpt(text)} — reconnect the watch`,
      excerpt(text),
    );
  }
  out.push(parsed as DecodedWatchEvent<T>);
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (byte !== 0x20 && byte !== 0x0d && byte !== 0x09) return false;
  }
  return true;
}

function isWatchEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { type, object } = value as { type?: unknown; object?: unknown };
  return typeof type === 'string' && EVENT_TYPES.has(type) && typeof object === 'object' && object !== null;
}

function excerpt(text: string): string {
  return text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT)}…` : text;
}
