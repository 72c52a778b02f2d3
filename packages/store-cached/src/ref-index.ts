import type { ObjectId } from '@kw/types';

/** What the index needs of each entry: its identity and its full index keys (owned by the index: change them through `set`). */
export interface IndexedRef {
  readonly id: ObjectId;
  keys: readonly string[];
}

interface TrieNode<R> {
  /** Children by the next key segment (above the last level). */
  next?: Map<string, TrieNode<R>>;
  /** Entries whose keys end here, in insertion order (last level only). */
  refs?: Map<ObjectId, R>;
}

/**
 * Entries by identity and by composite key: a trie of Maps keyed by `keys[i]`, pruned on
 * removal, so full- and leading-partial-key lookups cost O(key count + result). Results come
 * in first-insertion order per key segment, then insertion order within a full key; replacing
 * an entry under the same keys keeps its position, moving it appends it to its new keys.
 * Does not validate key counts: the caller does.
 */
export class RefIndex<R extends IndexedRef> {
  readonly #byId = new Map<ObjectId, R>();
  #root: TrieNode<R> = {};

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
    const oldKeys = old?.keys;
    let node = this.#root;
    for (const key of keys) {
      node.next ??= new Map();
      let child = node.next.get(key);
      if (child === undefined) {
        child = {};
        node.next.set(key, child);
      }
      node = child;
    }
    node.refs ??= new Map();
    node.refs.set(ref.id, ref);
    if (oldKeys !== undefined && !sameKeys(oldKeys, keys)) this.#unlink(ref.id, oldKeys);
    ref.keys = keys;
    this.#byId.set(ref.id, ref);
  }

  /** Removes the entry with this identity and returns it, or `undefined` when absent. */
  delete(id: ObjectId): R | undefined {
    const ref = this.#byId.get(id);
    if (ref === undefined) return undefined;
    this.#byId.delete(id);
    this.#unlink(id, ref.keys);
    return ref;
  }

  /** Entries whose keys start with `prefix` (1 to key-count segments). */
  find(prefix: readonly string[]): R[] {
    let node: TrieNode<R> | undefined = this.#root;
    for (let i = 0; i < prefix.length && node !== undefined; i++) node = node.next?.get(prefix[i]!);
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
    this.#root = {};
  }

  /** Removes `id` from the trie under `keys`, pruning nodes left empty. */
  #unlink(id: ObjectId, keys: readonly string[]): void {
    const path: TrieNode<R>[] = [];
    let node: TrieNode<R> | undefined = this.#root;
    for (const key of keys) {
      path.push(node);
      node = node.next?.get(key);
      if (node === undefined) return;
    }
    node.refs?.delete(id);
    if (node.refs !== undefined && node.refs.size > 0) return;
    for (let i = path.length - 1; i >= 0; i--) {
      const parent = path[i]!;
      parent.next!.delete(keys[i]!);
      if (parent.next!.size > 0) return;
    }
  }
}

function collect<R>(node: TrieNode<R>, out: R[]): void {
  if (node.refs !== undefined) for (const ref of node.refs.values()) out.push(ref);
  if (node.next !== undefined) for (const child of node.next.values()) collect(child, out);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
