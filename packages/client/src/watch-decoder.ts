import type { ApiStatus, KubeObject, WatchEvent } from '@kw/types';
import { DecodeError } from './errors';

const NEWLINE = 0x0a;
const MAX_EXCERPT = 200;
const EVENT_TYPES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A decoded wire event: a {@link WatchEvent}, or an `ERROR` event carrying the server's `Status` (which `watch()` throws as a typed error). */
export type DecodedWatchEvent<T extends KubeObject = KubeObject> = WatchEvent<T> | { type: 'ERROR'; object: ApiStatus };

/**
 * Incremental decoder of a Kubernetes watch stream (newline-delimited JSON events) over Buffers.
 * Splits on byte 0x0A (never part of a multi-byte UTF-8 sequence) and keeps only the incomplete tail
 * between chunks: a line spanning chunks is joined from its pieces alone. Complete lines can be held
 * ({@link hold}) and decoded later in one step ({@link flush}); {@link push} does both. Blank lines
 * are skipped. Not thread-safe; one decoder per stream.
 */
export class WatchDecoder<T extends KubeObject = KubeObject> {
  /** Pieces of the incomplete last line. */
  #pieces: Buffer[] = [];
  /** Held runs of complete lines: each a Buffer of whole lines, newline-separated, without the last newline. */
  #held: Buffer[] = [];
  #heldBytes = 0;

  /**
   * Decodes the complete lines of `chunk` (plus any held lines and carried tail), appending them to
   * `events` (a new array by default), and returns `events`; throws `DecodeError` on a malformed line
   * (events decoded before it are already appended).
   */
  push(chunk: Buffer, events: DecodedWatchEvent<T>[] = []): DecodedWatchEvent<T>[] {
    this.hold(chunk);
    return this.flush(events);
  }

  /** Splits the complete lines off `chunk` and holds them undecoded until {@link flush}; returns the bytes held. */
  hold(chunk: Buffer): number {
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) {
      if (chunk.length > 0) this.#pieces.push(chunk);
      return this.#heldBytes;
    }
    let start = 0;
    if (this.#pieces.length > 0) {
      this.#pieces.push(chunk.subarray(0, first));
      this.#keep(Buffer.concat(this.#pieces));
      this.#pieces = [];
      start = first + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last > start) this.#keep(chunk.subarray(start, last));
    if (last + 1 < chunk.length) this.#pieces.push(chunk.subarray(last + 1));
    return this.#heldBytes;
  }

  /**
   * Decodes every held line, appending the events to `events` (returned); throws `DecodeError` on a
   * malformed line (events before it are already appended).
   */
  flush(events: DecodedWatchEvent<T>[] = []): DecodedWatchEvent<T>[] {
    const held = this.#held;
    if (held.length === 0) return events;
    this.#held = [];
    this.#heldBytes = 0;
    for (const run of held) decodeLines(run, events);
    return events;
  }

  /** Bytes held for an incomplete line. */
  get pendingBytes(): number {
    let total = 0;
    for (const piece of this.#pieces) total += piece.length;
    return total;
  }

  /** Bytes of complete lines held undecoded. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Ends the stream: decodes the held lines and a final line that lacked its newline (appended to
   * `events`, which is returned), or throws `DecodeError` when the stream stopped inside an event.
   */
  end(events: DecodedWatchEvent<T>[] = []): DecodedWatchEvent<T>[] {
    this.flush(events);
    if (this.#pieces.length === 0) return events;
    const line = Buffer.concat(this.#pieces);
    this.#pieces = [];
    decodeLine(line, 0, line.length, events, true);
    return events;
  }

  #keep(run: Buffer): void {
    this.#held.push(run);
    this.#heldBytes += run.length;
  }
}

/** Decodes each newline-separated line of `run`. */
function decodeLines<T extends KubeObject>(run: Buffer, out: DecodedWatchEvent<T>[]): void {
  let start = 0;
  for (let nl = run.indexOf(NEWLINE); nl !== -1; nl = run.indexOf(NEWLINE, start)) {
    decodeLine(run, start, nl, out);
    start = nl + 1;
  }
  decodeLine(run, start, run.length, out);
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
