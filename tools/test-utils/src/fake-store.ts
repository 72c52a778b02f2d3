import type { KubeObject, ObjectId, Store, StoreDiff } from '@kw/types';
import type { TestObject } from './test-objects';

/**
 * A Map-backed store recording writes; `async: true` makes every write return a promise;
 * `replace: false` leaves out the optional `replace` (the watcher then relists in place).
 */
export class FakeStore<T extends KubeObject = TestObject> implements Store<T> {
  readonly objects = new Map<ObjectId, { obj: T; keys: readonly string[] }>();
  readonly ops: string[] = [];
  /** The diffs `replace` was called with. */
  readonly replaced: StoreDiff<T>[] = [];
  replace?: (diff: StoreDiff<T>) => void | Promise<void>;
  constructor(private readonly options: { async?: boolean; replace?: boolean } = {}) {
    if (options.replace !== false) {
      this.replace = (diff) => {
        this.replaced.push(diff);
        this.ops.push(`replace +${diff.upserts.length} -${diff.deletes.length}`);
        for (const { obj, keys } of diff.upserts) this.objects.set(this.id(obj), { obj, keys });
        for (const obj of diff.deletes) this.objects.delete(this.id(obj));
        return this.done(undefined);
      };
    }
  }

  private id(obj: T): ObjectId {
    const m = obj.metadata ?? {};
    return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
  }
  private done<V>(value: V): V | Promise<V> {
    return this.options.async ? Promise.resolve(value) : value;
  }
  async get(keys: readonly string[]): Promise<T[]> {
    return [...this.objects.values()].filter((e) => keys.every((k, i) => e.keys[i] === k)).map((e) => e.obj);
  }
  async getById(id: ObjectId): Promise<T | undefined> {
    return this.objects.get(id)?.obj;
  }
  async list(): Promise<T[]> {
    return [...this.objects.values()].map((e) => e.obj);
  }
  add(obj: T, keys: readonly string[]) {
    this.ops.push(`add ${this.id(obj)}`);
    this.objects.set(this.id(obj), { obj, keys });
    return this.done(undefined);
  }
  update(obj: T, keys: readonly string[]) {
    this.ops.push(`update ${this.id(obj)}`);
    this.objects.set(this.id(obj), { obj, keys });
    return this.done(undefined);
  }
  delete(obj: T) {
    this.ops.push(`delete ${this.id(obj)}`);
    return this.done(this.objects.delete(this.id(obj)));
  }
  clear() {
    this.objects.clear();
    return this.done(undefined);
  }
  async size(): Promise<number> {
    return this.objects.size;
  }
  /** name → resourceVersion of what the store holds. */
  versions(): Record<string, string | undefined> {
    return Object.fromEntries([...this.objects].map(([id, e]) => [id, e.obj.metadata?.resourceVersion]));
  }
}
