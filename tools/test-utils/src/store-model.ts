import { type ContractObject, idOf, tag } from './contract-object';

/**
 * A trivially correct store: entries in a Map, searched linearly. Order model: each key path
 * (prefix) remembers when it was created and is forgotten when no entry is left below it; an
 * entry remembers when it joined its full key. A `get` sorts by the creation times of the path
 * segments below the prefix, then by that join time.
 */
export class Model {
  keyCount: number | undefined;
  #clock = 0;
  #entries = new Map<string, { tag: string; keys: string[]; joined: number }>();
  #paths = new Map<string, number>();

  constructor(keyCount: number | undefined) {
    this.keyCount = keyCount;
  }

  get size(): number {
    return this.#entries.size;
  }

  put(o: ContractObject, keys: string[]): void {
    this.keyCount = keys.length;
    const id = idOf(o);
    const old = this.#entries.get(id);
    if (old !== undefined && old.keys.join('\0') === keys.join('\0')) {
      old.tag = tag(o);
      return;
    }
    for (let d = 1; d <= keys.length; d++) {
      const path = keys.slice(0, d).join('\0');
      if (!this.#paths.has(path)) this.#paths.set(path, ++this.#clock);
    }
    this.#entries.set(id, { tag: tag(o), keys, joined: ++this.#clock });
    if (old !== undefined) this.#prune(old.keys);
  }

  delete(id: string): boolean {
    const old = this.#entries.get(id);
    if (old === undefined) return false;
    this.#entries.delete(id);
    this.#prune(old.keys);
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#paths.clear();
  }

  byId(id: string): string | undefined {
    return this.#entries.get(id)?.tag;
  }

  list(): string[] {
    return [...this.#entries.values()].map((e) => e.tag);
  }

  get(prefix: string[]): string[] {
    const rank = (keys: string[]): number[] => {
      const out: number[] = [];
      for (let d = prefix.length + 1; d <= keys.length; d++) out.push(this.#paths.get(keys.slice(0, d).join('\0'))!);
      return out;
    };
    return [...this.#entries.values()]
      .filter((e) => prefix.every((k, i) => e.keys[i] === k))
      .map((e) => ({ tag: e.tag, rank: [...rank(e.keys), e.joined] }))
      .sort((a, b) => {
        for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
        return 0;
      })
      .map((e) => e.tag);
  }

  #prune(keys: string[]): void {
    for (let d = keys.length; d >= 1; d--) {
      const path = keys.slice(0, d);
      if (![...this.#entries.values()].some((e) => path.every((k, i) => e.keys[i] === k))) {
        this.#paths.delete(path.join('\0'));
      }
    }
  }
}
