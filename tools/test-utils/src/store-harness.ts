import type { KubeObject, ObjectFetcher, Store, StoreDiff } from '@kw/types';
import { type ContractObject, idOf, sorted } from './contract-object';

/** What {@link describeStoreContract} hands the store factory. */
export interface StoreContractEnv {
  /** Configure the store with this key count; learn it from the first write when absent. */
  keyCount?: number;
  /** Serves the latest body the suite wrote for an identity (`undefined` once deleted): for API-backed stores. */
  fetch: ObjectFetcher<ContractObject>;
}

/** A store under test. */
export type Contract = Store<ContractObject>;

/** A store plus the "server" its fetcher reads: writes go to both, so API-backed stores see what was written. */
export class Harness {
  readonly store: Contract;
  readonly #server = new Map<string, ContractObject>();

  constructor(make: (env: StoreContractEnv) => Contract, keyCount?: number) {
    const fetch: ObjectFetcher<ContractObject> = async (namespace, name) =>
      this.#server.get(namespace ? `${namespace}/${name}` : name);
    this.store = make(keyCount === undefined ? { fetch } : { keyCount, fetch });
  }

  async add(o: ContractObject, keys: readonly string[]): Promise<ContractObject> {
    await this.store.add(o, keys);
    this.#server.set(idOf(o), o);
    return o;
  }

  async update(o: ContractObject, keys: readonly string[]): Promise<ContractObject> {
    await this.store.update(o, keys);
    this.#server.set(idOf(o), o);
    return o;
  }

  async delete(o: KubeObject): Promise<boolean> {
    const found = await this.store.delete(o as ContractObject);
    this.#server.delete(idOf(o));
    return found;
  }

  async clear(): Promise<void> {
    await this.store.clear();
    this.#server.clear();
  }

  /** Calls `store.replace`, then mirrors the diff on the server once it succeeded. */
  replace(diff: StoreDiff<ContractObject>): Promise<void> | void {
    const replace = this.store.replace?.bind(this.store);
    if (replace === undefined) throw new Error('the store has no replace()');
    const mirror = () => {
      for (const { obj: o } of diff.upserts) this.#server.set(idOf(o), o);
      for (const o of diff.deletes) this.#server.delete(idOf(o));
    };
    const result = replace(diff);
    if (result instanceof Promise) return result.then(mirror);
    mirror();
  }

  /** Sorted `id@rv` of every object, read through `list()`. */
  async state(): Promise<string[]> {
    return sorted(await this.store.list());
  }
}
