import type { KubeObject, ObjectId, Store, StoreDiff } from '@kw/types';
import { objectId } from './internal/object-id';
import { SplitMap } from './internal/split-map';
import { KeyCountError } from './internal/store-errors';
import { type MemoryStoreOptions, validate } from './options';

/** One stored object: its body, the leaf of its full key, its neighbours under that key and in `list` order. */
class Entry<T> {
  obj: T;
  leaf: Leaf<T>;
  prev: Entry<T> | undefined = undefined;
  next: Entry<T> | undefined = undefined;
  listPrev: Entry<T> | undefined = undefined;
  listNext: Entry<T> | undefined = undefined;
  constructor(obj: T, leaf: Leaf<T>) {
    this.obj = obj;
    this.leaf = leaf;
  }
}

/** A trie level: children by the next key segment, linked in creation order from `first`. */
class Branch<T> {
  readonly parent: Branch<T> | undefined;
  readonly segment: string;
  readonly children = new SplitMap<Branch<T> | Leaf<T>>();
  first: Branch<T> | Leaf<T> | undefined = undefined;
  last: Branch<T> | Leaf<T> | undefined = undefined;
  prevSibling: Branch<T> | Leaf<T> | undefined = undefined;
  nextSibling: Branch<T> | Leaf<T> | undefined = undefined;
  constructor(parent: Branch<T> | undefined, segment: string) {
    this.parent = parent;
    this.segment = segment;
  }
}

/** The node of one full key: its objects as a linked list in insertion order. */
class Leaf<T> {
  readonly parent: Branch<T>;
  readonly segment: string;
  head: Entry<T> | undefined = undefined;
  tail: Entry<T> | undefined = undefined;
  prevSibling: Branch<T> | Leaf<T> | undefined = undefined;
  nextSibling: Branch<T> | Leaf<T> | undefined = undefined;
  constructor(parent: Branch<T>, segment: string) {
    this.parent = parent;
    this.segment = segment;
  }
}

/**
 * A {@link Store} that keeps objects in memory, in a trie keyed by their index keys, with
 * identity-based replace/move/delete.
 *
 * Full-key and every leading partial-key lookup cost O(result × keyCount), never O(store
 * size): emptied branches are pruned, so a lookup never walks a dead branch. Writes cost
 * O(keyCount). Besides the Promise-based {@link Store} reads it offers synchronous ones
 * (`getSync`, `getByIdSync`, `listSync`, `sizeSync`); writes complete synchronously and throw
 * synchronously, and `replace(diff)` commits a relist's diff atomically for readers.
 *
 * Order (deterministic: the same operations give the same order):
 * - `get`: grouped by key path, each key segment in the order it was first created under its
 *   parent (a segment emptied by deletes/moves and created again goes last); within one full
 *   key in insertion order. Replacing an object without changing its keys keeps its place; an
 *   object whose keys change goes last under its new full key.
 * - `list`: in order of first insertion of each identity; replacing or moving keeps the place,
 *   delete then add goes last.
 *
 * Stored objects are the ones passed in (not copied); treat them as read-only. Not safe for
 * concurrent mutation from worker threads (plain in-process data).
 */
export class MemoryStore<T extends KubeObject = KubeObject> implements Store<T> {
  #keyCount: number | undefined;
  #root = new Branch<T>(undefined, '');
  #byId = new SplitMap<Entry<T>>();
  #first: Entry<T> | undefined = undefined;
  #last: Entry<T> | undefined = undefined;

  constructor(options: MemoryStoreOptions = {}) {
    validate(options);
    this.#keyCount = options.keyCount;
  }

  /** The number of index keys per object; `undefined` until the first write when not configured. */
  get keyCount(): number | undefined {
    return this.#keyCount;
  }

  /** {@link getSync}, as a Promise (rejects instead of throwing). */
  async get(keys: readonly string[]): Promise<T[]> {
    return this.getSync(keys);
  }

  /** {@link getByIdSync}, as a Promise. */
  async getById(id: ObjectId): Promise<T | undefined> {
    return this.getByIdSync(id);
  }

  /** {@link listSync}, as a Promise. */
  async list(): Promise<T[]> {
    return this.listSync();
  }

  /** {@link sizeSync}, as a Promise. */
  async size(): Promise<number> {
    return this.sizeSync();
  }

  /**
   * Objects whose keys start with `keys` — all of them (full-key lookup) or a leading prefix
   * (partial-key lookup) — in the documented order, as a new array. O(result × keyCount).
   * Throws {@link KeyCountError} for no keys or more than `keyCount`. Before the first write
   * without a configured `keyCount`, any non-empty `keys` finds nothing.
   */
  getSync(keys: readonly string[]): T[] {
    const expected = this.#keyCount;
    if (keys.length === 0) {
      throw new KeyCountError(
        `get([]): no keys given — pass 1 to ${expected ?? 'keyCount'} leading index keys, or use list() for every object`,
        keys,
        expected,
      );
    }
    if (expected === undefined) return [];
    if (keys.length > expected) {
      throw new KeyCountError(
        `get(${JSON.stringify(keys)}): ${keys.length} keys given, the store indexes ${expected} — pass at most ${expected} leading index keys`,
        keys,
        expected,
      );
    }
    let node: Branch<T> | Leaf<T> | undefined = this.#root;
    for (const key of keys) {
      node = (node as Branch<T>).children.get(key);
      if (node === undefined) return [];
    }
    const out: T[] = [];
    collect(node, out);
    return out;
  }

  /** The object with this identity (`namespace/name` or `name`), or `undefined`. O(1). */
  getByIdSync(id: ObjectId): T | undefined {
    return this.#byId.get(id)?.obj;
  }

  /** Every object, in identity first-insertion order, as a new array. O(size). */
  listSync(): T[] {
    const out = new Array<T>(this.#byId.size);
    let i = 0;
    for (let e = this.#first; e !== undefined; e = e.listNext) out[i++] = e.obj;
    return out;
  }

  /** How many objects the store holds. O(1). */
  sizeSync(): number {
    return this.#byId.size;
  }

  /** The index keys the object with this identity is stored under (a new array), or `undefined`. O(keyCount). */
  keysOf(id: ObjectId): readonly string[] | undefined {
    const entry = this.#byId.get(id);
    if (entry === undefined) return undefined;
    const keys: string[] = [entry.leaf.segment];
    for (let node = entry.leaf.parent; node.parent !== undefined; node = node.parent) keys.push(node.segment);
    return keys.reverse();
  }

  /**
   * Stores `obj` under `keys`, replacing the object with the same identity (same as
   * {@link update}). Throws {@link KeyCountError} or {@link MissingIdentityError}. O(keyCount).
   */
  add(obj: T, keys: readonly string[]): void {
    this.#put(obj, keys);
  }

  /**
   * Replaces the object with `obj`'s identity — in place when its keys are unchanged, else
   * moved to the end of its new full key — or adds it if absent. O(keyCount).
   */
  update(obj: T, keys: readonly string[]): void {
    this.#put(obj, keys);
  }

  /** Removes the object with `obj`'s identity (only that one, whatever its keys); returns whether it was there. O(keyCount). */
  delete(obj: T): boolean {
    return this.#remove(objectId(obj));
  }

  /** Removes every object. A learned `keyCount` stays enforced. */
  clear(): void {
    this.#root = new Branch<T>(undefined, '');
    this.#byId = new SplitMap();
    this.#first = undefined;
    this.#last = undefined;
  }

  /**
   * Applies a relist's diff atomically for readers: validates every entry first (key counts,
   * identities), so a throw leaves the store unchanged, then commits upserts and then deletes in
   * one synchronous loop. The result, order included, equals calling `update` for each upsert and
   * `delete` for each delete. O(diff × keyCount); about 1 µs per entry (see bench/).
   */
  replace(diff: StoreDiff<T>): void {
    const { upserts, deletes } = diff;
    let expected = this.#keyCount;
    const upsertIds = new Array<ObjectId>(upserts.length);
    for (let i = 0; i < upserts.length; i++) {
      const { obj, keys } = upserts[i]!;
      this.#checkWriteKeys(obj, keys, expected);
      expected = keys.length;
      upsertIds[i] = objectId(obj, keys);
    }
    const deleteIds = new Array<ObjectId>(deletes.length);
    for (let i = 0; i < deletes.length; i++) deleteIds[i] = objectId(deletes[i]!);
    // Commit: nothing below throws.
    if (expected !== undefined) this.#keyCount = expected;
    for (let i = 0; i < upserts.length; i++) {
      const { obj, keys } = upserts[i]!;
      this.#commit(obj, upsertIds[i]!, keys);
    }
    for (const id of deleteIds) this.#remove(id);
  }

  #put(obj: T, keys: readonly string[]): void {
    this.#checkWriteKeys(obj, keys, this.#keyCount);
    const id = objectId(obj, keys);
    this.#keyCount = keys.length;
    this.#commit(obj, id, keys);
  }

  #checkWriteKeys(obj: T, keys: readonly string[], expected: number | undefined): void {
    if (keys.length === 0 || (expected !== undefined && keys.length !== expected)) {
      throw new KeyCountError(
        `write of ${describeId(obj)} with keys ${JSON.stringify(keys)}: expected ${expected ?? 'at least 1'} index key${expected === 1 ? '' : 's'}, got ${keys.length} — build every write's keys with the same KeyExtractor (one key per indexBy expression)`,
        keys,
        expected,
      );
    }
  }

  #commit(obj: T, id: ObjectId, keys: readonly string[]): void {
    const entry = this.#byId.get(id);
    if (entry === undefined) {
      const created = new Entry(obj, this.#leafFor(keys));
      append(created);
      created.listPrev = this.#last;
      if (this.#last === undefined) this.#first = created;
      else this.#last.listNext = created;
      this.#last = created;
      this.#byId.set(id, created);
      return;
    }
    entry.obj = obj;
    if (isPathOf(entry.leaf, keys)) return;
    // Create the new path before pruning the old one, so a shared prefix keeps its place.
    const oldLeaf = entry.leaf;
    const newLeaf = this.#leafFor(keys);
    unlink(entry);
    entry.leaf = newLeaf;
    append(entry);
    prune(oldLeaf);
  }

  #remove(id: ObjectId): boolean {
    const entry = this.#byId.get(id);
    if (entry === undefined) return false;
    this.#byId.delete(id);
    if (entry.listPrev === undefined) this.#first = entry.listNext;
    else entry.listPrev.listNext = entry.listNext;
    if (entry.listNext === undefined) this.#last = entry.listPrev;
    else entry.listNext.listPrev = entry.listPrev;
    unlink(entry);
    prune(entry.leaf);
    return true;
  }

  #leafFor(keys: readonly string[]): Leaf<T> {
    let branch = this.#root;
    const last = keys.length - 1;
    for (let i = 0; i < last; i++) {
      const key = keys[i]!;
      let next = branch.children.get(key) as Branch<T> | undefined;
      if (next === undefined) {
        next = new Branch(branch, key);
        adopt(branch, next);
      }
      branch = next;
    }
    const key = keys[last]!;
    let leaf = branch.children.get(key) as Leaf<T> | undefined;
    if (leaf === undefined) {
      leaf = new Leaf(branch, key);
      adopt(branch, leaf);
    }
    return leaf;
  }
}

function collect<T>(node: Branch<T> | Leaf<T>, out: T[]): void {
  if (node instanceof Leaf) {
    for (let e = node.head; e !== undefined; e = e.next) out.push(e.obj);
    return;
  }
  for (let child = node.first; child !== undefined; child = child.nextSibling) collect(child, out);
}

function isPathOf<T>(leaf: Leaf<T>, keys: readonly string[]): boolean {
  if (leaf.segment !== keys[keys.length - 1]) return false;
  let node = leaf.parent;
  for (let i = keys.length - 2; i >= 0; i--, node = node.parent!) {
    if (node.segment !== keys[i]) return false;
  }
  return true;
}

/** Adds `child` under `parent`, last in creation order. */
function adopt<T>(parent: Branch<T>, child: Branch<T> | Leaf<T>): void {
  parent.children.set(child.segment, child);
  child.prevSibling = parent.last;
  if (parent.last === undefined) parent.first = child;
  else parent.last.nextSibling = child;
  parent.last = child;
}

function append<T>(entry: Entry<T>): void {
  const leaf = entry.leaf;
  entry.prev = leaf.tail;
  entry.next = undefined;
  if (leaf.tail === undefined) leaf.head = entry;
  else leaf.tail.next = entry;
  leaf.tail = entry;
}

function unlink<T>(entry: Entry<T>): void {
  const leaf = entry.leaf;
  if (entry.prev === undefined) leaf.head = entry.next;
  else entry.prev.next = entry.next;
  if (entry.next === undefined) leaf.tail = entry.prev;
  else entry.next.prev = entry.prev;
  entry.prev = undefined;
  entry.next = undefined;
}

/** Removes `leaf` if empty, then every ancestor branch it leaves empty (never the root). */
function prune<T>(leaf: Leaf<T>): void {
  if (leaf.head !== undefined) return;
  let child: Branch<T> | Leaf<T> = leaf;
  let parent = leaf.parent;
  for (;;) {
    parent.children.delete(child.segment);
    if (child.prevSibling === undefined) parent.first = child.nextSibling;
    else child.prevSibling.nextSibling = child.nextSibling;
    if (child.nextSibling === undefined) parent.last = child.prevSibling;
    else child.nextSibling.prevSibling = child.prevSibling;
    if (parent.children.size > 0 || parent.parent === undefined) return;
    child = parent;
    parent = parent.parent;
  }
}

function describeId(obj: KubeObject): string {
  const meta = obj?.metadata;
  const name = meta?.name ?? '<no name>';
  return `${obj?.kind ?? 'object'} "${meta?.namespace ? `${meta.namespace}/${name}` : name}"`;
}
