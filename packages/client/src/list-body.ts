const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const ITEMS = Buffer.from('items');
/**
 * LIST bodies smaller than this are parsed with one `JSON.parse` at their end; larger ones item by
 * item while they stream in, so the parse overlaps the server's sending. At 2 MiB, a watcher over
 * 1,000 ConfigMaps (2.9 MB) began parsing only once 2 MiB had arrived: worst block 43–63 ms against
 * 10–19 ms now, and pages of 500 (1.4 MB) synced 1k in 0.25 s against 0.17 s (bench/results).
 */
export const WHOLE_BELOW = 128 * 1024;
/**
 * Bytes of items the fast split parses with one `JSON.parse` (as a JSON array): over V8's 100 KB
 * pretenuring threshold, so the items are built in the old generation. A watcher syncing 100k
 * ConfigMaps used 5–8 % less CPU than with a parse per item, and 1k and 10k synced as fast (bench/results).
 */
export const GROUP_BYTES = 110 * 1024;
/** Bytes {@link indexOfQuote} checks one by one before it calls `Buffer#indexOf`. */
const QUOTE_LOOP_BYTES = 64;
/**
 * Bytes an item may span in the fast split (longer than any Kubernetes object: kube-apiserver takes
 * request bodies of at most 3 MiB) before the rest of the body is scanned byte by byte instead.
 */
const FAST_MAX_BYTES = 4 * 1024 * 1024;
/** A first key the fast split can look for: plain ASCII, not an array index (which `JSON.parse` would reorder). */
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;
/** `elementStart` values: no element open; one open since an earlier chunk. */
const NONE = -1;
const CONTINUED = -2;

/**
 * Parses a LIST response body (`{"kind":…,"metadata":{…},"items":[{…},…]}`) as its chunks arrive,
 * items in groups of about `groupBytes`, each group with one `JSON.parse`: the same value as
 * `JSON.parse(body.toString())`.
 *
 * Why: a page is parsed a chunk at a time while it streams in, so a large page never blocks the
 * event loop in one piece, and no page-sized string or Buffer is built. V8 builds what one
 * `JSON.parse` of a source over 100 KB returns straight in the old generation, so a group of
 * {@link GROUP_BYTES} is never copied by a scavenge, as items parsed one by one would be.
 * One pass over the bytes finds the top-level `items` array and its first element; what surrounds
 * the array is parsed at {@link end} with the array left empty. A body without a top-level `items`
 * array is parsed whole at {@link end}. Throws `SyntaxError` for malformed JSON (as `JSON.parse` does)
 * and for an `items` array holding something other than objects (no Kubernetes LIST does).
 *
 * Fast split: once the first item is parsed, every later item is taken to end right before `},{"k":`,
 * where `k` is the first item's first key (`metadata` for built-in types, `apiVersion` for custom
 * resources). `Buffer#indexOf` finds that separator; at the first one past `groupBytes`, the bytes
 * since the group's first item are parsed as a JSON array, the check. The `"` of `{"k":` can only open
 * a key, so the `}` before it always closes an object; separators inside the group do not matter, but
 * if the group ends at one that closes an object nested inside an item (say a StatefulSet's second
 * `volumeClaimTemplates` entry), or a separator was spread over more than two chunks, the parse
 * fails and the group and the rest of the chunk are scanned byte by byte, an item at a time, the
 * fast split resuming in the next chunk. The last group is parsed up to the body's last `]` at
 * {@link end}. An item longer than {@link FAST_MAX_BYTES} ends the fast split for the body.
 *
 * A body smaller than `wholeBelow` bytes (default {@link WHOLE_BELOW}) is held and parsed with one
 * `JSON.parse` at {@link end} instead. The scan starts, over the held chunks first, as soon as the
 * body reaches `wholeBelow`.
 */
export class ListBodyParser {
  readonly #wholeBelow: number;
  readonly #groupBytes: number;
  /** Chunks held while the body is below `wholeBelow` (`undefined` once scanning). */
  #held: Buffer[] | undefined = [];
  /** Bytes before the items array, up to its `[`; the whole body when it has none. */
  readonly #head: Buffer[] = [];
  /** Bytes from the items array's `]` on. */
  readonly #tail: Buffer[] = [];
  /** Bytes of the current element that began in an earlier chunk. */
  readonly #element: Buffer[] = [];
  readonly #items: unknown[] = [];
  #phase: 'head' | 'items' | 'tail' = 'head';
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** In the head, depth 1: how many bytes of the current string match `items` (-1: it does not). */
  #keyMatch = -1;
  #lastStringIsItems = false;
  #isItems = false;
  #bytes = 0;
  /** The fast split's separator `},{"k":` (see the class comment), once learned from the first item. */
  #separator: Buffer | undefined;
  /** While splitting fast: the held chunks of the current group of items (`undefined`: scanning). */
  #fast: Buffer[] | undefined;
  #fastBytes = 0;
  /** While {@link #scanExactly} scans what the fast split gave up: no fast split inside (no recursion). */
  #exactly = false;

  /**
   * `wholeBelow`: bodies smaller than this many bytes are parsed with one `JSON.parse` (0: always scan).
   * `groupBytes`: the fast split parses items in groups of about this many bytes (0: one at a time).
   */
  constructor(wholeBelow = WHOLE_BELOW, groupBytes = GROUP_BYTES) {
    this.#wholeBelow = wholeBelow;
    this.#groupBytes = groupBytes;
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Takes `chunk`: held while the body is small, else scanned, parsing every item it completes. The
   * push that takes the body to `wholeBelow` scans the held chunks with it (less than `wholeBelow`
   * bytes besides the chunk: 128 KiB by default, so no push scans much more than its own chunk).
   */
  push(chunk: Buffer): void {
    this.#bytes += chunk.length;
    const held = this.#held;
    if (held === undefined) {
      this.#scan(chunk);
      return;
    }
    held.push(chunk);
    if (this.#bytes < this.#wholeBelow) return;
    this.#held = undefined;
    for (const piece of held) this.#scan(piece);
  }

  #scan(chunk: Buffer): void {
    if (this.#fast !== undefined) {
      this.#split(chunk, 0);
      return;
    }
    if (this.#phase === 'tail') {
      this.#tail.push(chunk);
      return;
    }
    const n = chunk.length;
    let from = 0; // where the unsaved part of the chunk begins
    let elementStart = this.#element.length > 0 ? CONTINUED : NONE;
    for (let i = 0; i < n; i++) {
      if (this.#inString) {
        i = this.#keyMatch === -1 ? this.#skipString(chunk, i) : this.#matchKey(chunk, i) - 1;
        continue;
      }
      const c = chunk[i] as number;
      if (c === QUOTE) {
        this.#inString = true;
        if (this.#phase === 'head' && this.#depth === 1) {
          this.#keyMatch = 0;
          this.#lastStringIsItems = false;
          i = this.#matchKey(chunk, i + 1) - 1;
        }
        continue;
      }
      if (this.#phase === 'head') {
        if (c === COLON && this.#depth === 1) this.#isItems = this.#lastStringIsItems;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          if (c === OPEN_ARRAY && this.#depth === 1 && this.#isItems) {
            this.#head.push(chunk.subarray(from, i + 1));
            from = i + 1;
            this.#phase = 'items';
          }
          this.#depth++;
        } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) this.#depth--;
        continue;
      }
      // Items phase: depth 2 is between elements.
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.#depth === 2) {
          if (c !== OPEN_OBJECT) throw notAnObject(this.#items.length);
          if (this.#separator !== undefined && !this.#exactly) {
            this.#fast = [];
            this.#fastBytes = 0;
            this.#split(chunk, i);
            return;
          }
          elementStart = i;
        }
        this.#depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.#depth--;
        if (this.#depth === 2) {
          this.#items.push(this.#parseElement(chunk, elementStart, i + 1));
          if (this.#items.length === 1) this.#learn();
          elementStart = NONE;
        } else if (this.#depth === 1) {
          this.#phase = 'tail';
          this.#tail.push(chunk.subarray(i));
          return;
        }
      } else if (this.#depth === 2 && !isSeparator(c)) {
        throw notAnObject(this.#items.length);
      }
    }
    if (this.#phase === 'head') this.#head.push(chunk.subarray(from));
    else if (elementStart !== NONE)
      this.#element.push(elementStart === CONTINUED ? chunk : chunk.subarray(elementStart));
  }

  /** The parsed body, once every chunk is pushed. */
  end(): unknown {
    if (this.#held !== undefined) return checkedWhole(JSON.parse(Buffer.concat(this.#held).toString('utf8')));
    this.#separator = undefined; // no more chunks: what is held is scanned to its end
    if (this.#fast !== undefined && !this.#endGroup()) this.#scanExactly([]);
    if (this.#phase === 'head') return JSON.parse(Buffer.concat(this.#head).toString('utf8'));
    if (this.#phase === 'items') throw new SyntaxError('Unexpected end of JSON input (inside the items array)');
    const list = JSON.parse(Buffer.concat([...this.#head, ...this.#tail]).toString('utf8')) as { items?: unknown };
    list.items = this.#items;
    return list;
  }

  /** Learns the fast split's separator from the first item's first key (see the class comment). */
  #learn(): void {
    for (const key in this.#items[0] as object) {
      if (PLAIN_KEY.test(key)) this.#separator = Buffer.from(`},{"${key}":`);
      return;
    }
  }

  /**
   * The fast split from `start` of `chunk`, inside a group of items that began there (or in the chunks
   * held in {@link #fast}): at the first separator found once the group holds `groupBytes`, the group
   * is parsed; if its bytes are not whole items, it is scanned byte by byte ({@link #scanExactly}).
   */
  #split(chunk: Buffer, start: number): void {
    const separator = this.#separator as Buffer;
    const held = this.#fast as Buffer[];
    let groupStart = start;
    // kube-apiserver writes an item at a time, so chunks often end right where a separator begins.
    const cut = held.length === 0 ? 0 : cutSeparator(held[held.length - 1] as Buffer, chunk, separator);
    if (cut > 0 && this.#fastBytes - cut + 1 >= this.#groupBytes) {
      const last = held.pop() as Buffer;
      if (!this.#parseGroup(last, 0, last.length - cut + 1)) {
        held.push(last);
        this.#scanExactly([chunk]);
        return;
      }
      if (cut > 2) held.push(last.subarray(last.length - cut + 2)); // the next item's start
      this.#fastBytes = Math.max(0, cut - 2);
      groupStart = Math.max(0, 2 - cut);
    }
    for (let from = groupStart; ; ) {
      const at = chunk.indexOf(separator, from);
      if (at === -1) break;
      from = at + 2;
      if (this.#fastBytes + at + 1 - groupStart < this.#groupBytes) continue;
      if (!this.#parseGroup(chunk, groupStart, at + 1)) {
        this.#scanExactly([chunk.subarray(groupStart)]);
        return;
      }
      groupStart = at + 2; // the next item's `{`
    }
    held.push(groupStart === 0 ? chunk : chunk.subarray(groupStart));
    this.#fastBytes += chunk.length - groupStart;
    if (this.#fastBytes > FAST_MAX_BYTES + this.#groupBytes) {
      this.#separator = undefined;
      this.#scanExactly([]);
    }
  }

  /**
   * Parses the items held in {@link #fast} plus `chunk[start, end)` as one JSON array and keeps them;
   * false (nothing kept) if those bytes are not whole items, each an object.
   */
  #parseGroup(chunk: Buffer, start: number, end: number): boolean {
    const fast = this.#fast as Buffer[];
    const text =
      fast.length === 0
        ? chunk.toString('utf8', start, end)
        : Buffer.concat([...fast, chunk.subarray(start, end)]).toString('utf8');
    let group: unknown[];
    try {
      group = JSON.parse(`[${text}]`) as unknown[];
    } catch {
      return false;
    }
    for (const item of group) if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
    for (const item of group) this.#items.push(item);
    fast.length = 0;
    this.#fastBytes = 0;
    return true;
  }

  /**
   * At the body's end, in the fast split: the held items up to the body's last `]` parsed as one
   * group, and what follows kept as the tail; false if that is not how the body ends.
   */
  #endGroup(): boolean {
    const fast = this.#fast as Buffer[];
    const held = Buffer.concat(fast.splice(0));
    const close = held.lastIndexOf(CLOSE_ARRAY);
    if (close === -1 || !this.#parseGroup(held, 0, close)) {
      fast.push(held);
      return false;
    }
    this.#fast = undefined;
    this.#phase = 'tail';
    this.#tail.push(held.subarray(close));
    return true;
  }

  /**
   * Leaves the fast split: the held bytes of the current item, then `more` (the rest of the chunk), are
   * scanned byte by byte from the item's start (the scan's state there: in the items array, between
   * elements). The fast split resumes at the first item that starts in a later chunk.
   */
  #scanExactly(more: Buffer[]): void {
    const pieces = [...(this.#fast as Buffer[]), ...more];
    this.#fast = undefined;
    this.#exactly = true;
    try {
      for (const piece of pieces) this.#scan(piece);
    } finally {
      this.#exactly = false;
    }
  }

  /** Parses the element ending at `end` (exclusive) of `chunk`, started at `start` or in earlier chunks (`CONTINUED`). */
  #parseElement(chunk: Buffer, start: number, end: number): unknown {
    if (start >= 0) return JSON.parse(chunk.toString('utf8', start, end));
    this.#element.push(chunk.subarray(0, end));
    const text = Buffer.concat(this.#element).toString('utf8');
    this.#element.length = 0;
    return JSON.parse(text);
  }

  /** Moves past the open string from `i`; returns the index of its closing quote, or the chunk's last index. */
  #skipString(chunk: Buffer, i: number): number {
    const n = chunk.length;
    if (this.#escaped) {
      this.#escaped = false;
      i++;
    }
    while (i < n) {
      const quote = indexOfQuote(chunk, i);
      if (quote === -1) {
        this.#escaped = oddBackslashesBefore(chunk, n, i);
        return n - 1;
      }
      if (!oddBackslashesBefore(chunk, quote, i)) {
        this.#inString = false;
        return quote;
      }
      i = quote + 1;
    }
    return n - 1;
  }

  /** Compares the head's depth-1 string starting at `i` with `items`; returns where to go on scanning. */
  #matchKey(chunk: Buffer, i: number): number {
    const n = chunk.length;
    while (i < n && this.#keyMatch !== -1) {
      const c = chunk[i] as number;
      if (c === QUOTE) {
        this.#inString = false;
        this.#endKey();
        return i + 1;
      }
      if (this.#keyMatch >= ITEMS.length || c !== ITEMS[this.#keyMatch]) this.#keyMatch = -1;
      else {
        this.#keyMatch++;
        i++;
      }
    }
    return i;
  }

  #endKey(): void {
    this.#lastStringIsItems = this.#keyMatch === ITEMS.length;
    this.#keyMatch = -1;
  }
}

/** Parses a whole LIST response body; see {@link ListBodyParser}. */
export function parseListBody(body: Buffer, wholeBelow = WHOLE_BELOW): unknown {
  const parser = new ListBodyParser(wholeBelow);
  parser.push(body);
  return parser.end();
}

/**
 * The index of the first `"` in `chunk` from `i`, or -1. The quotes of a LIST body are a few bytes apart
 * (133 strings per ConfigMap), and each `Buffer#indexOf` is a native call: a loop over the next bytes
 * first made the item scan of an 8 MiB page ~20 % faster; `indexOf` still takes long strings.
 */
function indexOfQuote(chunk: Buffer, i: number): number {
  const stop = Math.min(chunk.length, i + QUOTE_LOOP_BYTES);
  for (; i < stop; i++) if (chunk[i] === QUOTE) return i;
  return i < chunk.length ? chunk.indexOf(QUOTE, i) : -1;
}

/**
 * `k` when `prev` ends with the first `k` bytes of `separator` and `next` starts with the rest, else 0:
 * a separator cut by the chunk boundary.
 */
function cutSeparator(prev: Buffer, next: Buffer, separator: Buffer): number {
  const n = separator.length;
  for (let k = 1; k < n; k++) {
    if (k > prev.length || n - k > next.length) continue;
    let b = 0;
    while (b < k && prev[prev.length - k + b] === separator[b]) b++;
    if (b < k) continue;
    while (b < n && next[b - k] === separator[b]) b++;
    if (b === n) return k;
  }
  return 0;
}

/** Whether the backslashes right before `end` (down to `from`) are odd in number: the byte at `end` is escaped. */
function oddBackslashesBefore(chunk: Buffer, end: number, from: number): boolean {
  let count = 0;
  for (let j = end - 1; j >= from && chunk[j] === BACKSLASH; j--) count++;
  return count % 2 === 1;
}

/** `body` (a whole-parsed LIST) when its top-level `items`, if an array, holds only objects, as the scan requires. */
function checkedWhole(body: unknown): unknown {
  const items = (body as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) {
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw notAnObject(i);
    }
  }
  return body;
}

function notAnObject(index: number): SyntaxError {
  return new SyntaxError(`items[${index}] of the LIST body is not an object`);
}

function isSeparator(c: number): boolean {
  return c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
