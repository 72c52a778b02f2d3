import type { ObjectId } from '@kw/types';
import { SplitMap } from './internal/split-map';

/**
 * What the index needs of each entry: its identity and its full index keys (owned by the index:
 * change them through `set`), and its neighbours under those keys (owned by the index: start them
 * `undefined`).
 */
export interface IndexedRef {
  readonly id: ObjectId;
  keys: readonly string[];
  prev: IndexedRef | undefined;
  next: IndexedRef | undefined;
}

/** A trie level: its entries (when keys end here) and its children, each in insertion order. */
class TrieNode {
  readonly segment: string;
  /** Children by the next key segment, created on the first child. */
  children: SplitMap<TrieNode> | undefined = undefined;
  first: TrieNode | undefined = undefined;
  last: TrieNode | undefined = undefined;
  prevSibling: TrieNode | undefined = undefined;
  nextSibling: TrieNode | undefined = undefined;
  head: IndexedRef | undefined = undefined;
  tail: IndexedRef | undefined = undefined;
  constructor(segment: string) {
    this.segment = segment;
  }
}

/**
 * Entries by identity and by composite key: a trie keyed by `keys[i]`, pruned on removal, so
 * full- and leading-partial-key lookups cost O(key count + result). Results come in
 * first-insertion order per key segment, then insertion order within a full key; replacing an
 * entry under the same keys keeps its position, moving it appends it to its new keys. Its maps
 * are {@link SplitMap}s and its orders are links on the nodes and entries, so no single write
 * rehashes more than a fraction of the entries. Does not validate key counts: the caller does.
 */
export class RefIndex<R extends IndexedRef> {
  readonly #byId = new SplitMap<R>();
  #root = new TrieNode('');

  /** How many entries the index holds. */
  get size(): number {
    return this.#byId.size;
  }

  /** The entry with this identity, or `undefined`. */
  byIdentity(id: ObjectId): R | undefined {
    return this.#byId.get(id);
  }

  /**
   * Stores `ref` under `keys` (assigning `ref.keys`), replacing the entry with the same identity;
   * `ref` may be that entry itself. Keeps the position under unchanged keys, appends otherwise
   * (links before unlinking, so key segments it keeps do not lose their position).
   */
  set(ref: R, keys: readonly string[]): void {
    const old = this.#byId.get(ref.id);
    let node = this.#root;
    for (const key of keys) {
      node.children ??= new SplitMap();
      let child = node.children.get(key);
      if (child === undefined) {
        child = new TrieNode(key);
        adopt(node, child);
      }
      node = child;
    }
    if (old === undefined) append(node, ref);
    else if (sameKeys(old.keys, keys)) {
      if (old !== ref) swap(node, old, ref);
    } else {
      const path = this.#path(old.keys);
      if (path !== undefined) detach(path[path.length - 1]!, old);
      append(node, ref);
      if (path !== undefined) prune(path);
    }
    ref.keys = keys;
    this.#byId.set(ref.id, ref);
  }

  /** Removes the entry with this identity and returns it, or `undefined` when absent. */
  delete(id: ObjectId): R | undefined {
    const ref = this.#byId.get(id);
    if (ref === undefined) return undefined;
    this.#byId.delete(id);
    const path = this.#path(ref.keys);
    if (path !== undefined) {
      detach(path[path.length - 1]!, ref);
      prune(path);
    }
    return ref;
  }

  /** Entries whose keys start with `prefix` (1 to key-count segments). */
  find(prefix: readonly string[]): R[] {
    let node: TrieNode | undefined = this.#root;
    for (let i = 0; i < prefix.length && node !== undefined; i++) node = node.children?.get(prefix[i]!);
    const out: R[] = [];
    if (node !== undefined) collect(node, out);
    return out;
  }

  /** Every entry, in lookup order. */
  all(): R[] {
    const out: R[] = [];
    collect(this.#root, out);
    return out;
  }

  /** Removes every entry. */
  clear(): void {
    this.#byId.clear();
    this.#root = new TrieNode('');
  }

  /** The nodes from the root to the node of `keys`, or `undefined` when it does not exist. */
  #path(keys: readonly string[]): TrieNode[] | undefined {
    const path: TrieNode[] = [this.#root];
    let node: TrieNode | undefined = this.#root;
    for (const key of keys) {
      node = node.children?.get(key);
      if (node === undefined) return undefined;
      path.push(node);
    }
    return path;
  }
}

function collect<R>(node: TrieNode, out: R[]): void {
  for (let ref = node.head; ref !== undefined; ref = ref.next) out.push(ref as R);
  for (let child = node.first; child !== undefined; child = child.nextSibling) collect(child, out);
}

/** Adds `child` under `parent`, last in creation order. */
function adopt(parent: TrieNode, child: TrieNode): void {
  parent.children!.set(child.segment, child);
  child.prevSibling = parent.last;
  if (parent.last === undefined) parent.first = child;
  else parent.last.nextSibling = child;
  parent.last = child;
}

function append(node: TrieNode, ref: IndexedRef): void {
  ref.prev = node.tail;
  ref.next = undefined;
  if (node.tail === undefined) node.head = ref;
  else node.tail.next = ref;
  node.tail = ref;
}

function detach(node: TrieNode, ref: IndexedRef): void {
  if (ref.prev === undefined) node.head = ref.next;
  else ref.prev.next = ref.next;
  if (ref.next === undefined) node.tail = ref.prev;
  else ref.next.prev = ref.prev;
  ref.prev = undefined;
  ref.next = undefined;
}

/** Puts `ref` in `old`'s place under `node`. */
function swap(node: TrieNode, old: IndexedRef, ref: IndexedRef): void {
  ref.prev = old.prev;
  ref.next = old.next;
  if (old.prev === undefined) node.head = ref;
  else old.prev.next = ref;
  if (old.next === undefined) node.tail = ref;
  else old.next.prev = ref;
  old.prev = undefined;
  old.next = undefined;
}

/** Removes the path's last node if empty, then every ancestor it leaves empty (never the root). */
function prune(path: readonly TrieNode[]): void {
  for (let i = path.length - 1; i > 0; i--) {
    const node = path[i]!;
    if (node.head !== undefined || node.first !== undefined) return;
    const parent = path[i - 1]!;
    parent.children!.delete(node.segment);
    if (node.prevSibling === undefined) parent.first = node.nextSibling;
    else node.prevSibling.nextSibling = node.nextSibling;
    if (node.nextSibling === undefined) parent.last = node.prevSibling;
    else node.nextSibling.prevSibling = node.prevSibling;
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
