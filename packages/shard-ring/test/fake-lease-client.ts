import type { ApiStatus, DeleteOptions, KubeObject, ListOptions, ListPage, ResolvedResource } from '@kw/types';
import type { RingLease, ShardRingClient } from '../src/index';

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

/**
 * Leases in memory with the API server's write rules: `create` conflicts on an existing name,
 * `replace` conflicts on a stale resourceVersion, `delete` honours preconditions, `list` filters
 * by an equality label selector. `client(name)` returns a view that can be cut off (a crashed or
 * partitioned replica: every request rejects with `KW_NETWORK`).
 */
export class FakeLeases {
  readonly objects = new Map<string, RingLease>();
  #version = 0;
  readonly #cut = new Set<string>();

  /** Requests seen, in order, as `verb name resourceVersion`. */
  readonly log: string[] = [];

  /** A client for one replica; `cut(replica)` makes all its requests fail. */
  client(replica: string): ShardRingClient {
    const guard = (): void => {
      if (this.#cut.has(replica)) fail('KW_NETWORK', `${replica} is cut off`);
    };
    const store = this;
    return {
      async list<T extends KubeObject = KubeObject>(
        _r: ResolvedResource,
        namespace: string | undefined,
        options?: ListOptions,
      ): Promise<ListPage<T>> {
        guard();
        const [key, value] = (options?.labelSelector ?? '').split('=');
        const items = [...store.objects.values()].filter(
          (o) => o.metadata?.namespace === namespace && (key === '' || o.metadata?.labels?.[key ?? ''] === value),
        );
        return { items: structuredClone(items) as T[], resourceVersion: String(store.#version) };
      },
      async get<T extends KubeObject = KubeObject>(_r: ResolvedResource, namespace: string | undefined, name: string) {
        guard();
        const found = store.objects.get(`${namespace}/${name}`);
        if (found === undefined) fail('KW_NOT_FOUND', `lease ${name} not found`);
        return structuredClone(found) as T;
      },
      async create<T extends KubeObject = KubeObject>(_r: ResolvedResource, namespace: string | undefined, obj: T) {
        guard();
        const key = `${namespace}/${obj.metadata?.name}`;
        store.log.push(`create ${obj.metadata?.name}`);
        if (store.objects.has(key)) fail('KW_CONFLICT', `lease ${key} already exists`);
        const stored = {
          ...structuredClone(obj),
          metadata: { ...obj.metadata, resourceVersion: String(++store.#version) },
        };
        store.objects.set(key, stored);
        return structuredClone(stored) as T;
      },
      async replace<T extends KubeObject = KubeObject>(_r: ResolvedResource, namespace: string | undefined, obj: T) {
        guard();
        const key = `${namespace}/${obj.metadata?.name}`;
        store.log.push(`replace ${obj.metadata?.name} ${obj.metadata?.resourceVersion}`);
        const found = store.objects.get(key);
        if (found === undefined) fail('KW_NOT_FOUND', `lease ${key} not found`);
        if (found.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
          fail('KW_CONFLICT', 'stale resourceVersion');
        const stored = {
          ...structuredClone(obj),
          metadata: { ...obj.metadata, resourceVersion: String(++store.#version) },
        };
        store.objects.set(key, stored);
        return structuredClone(stored) as T;
      },
      async delete<T extends KubeObject = KubeObject>(
        _r: ResolvedResource,
        namespace: string | undefined,
        name: string,
        options?: DeleteOptions,
      ): Promise<T | ApiStatus> {
        guard();
        const key = `${namespace}/${name}`;
        store.log.push(`delete ${name} ${options?.preconditions?.resourceVersion}`);
        const found = store.objects.get(key);
        if (found === undefined) fail('KW_NOT_FOUND', `lease ${key} not found`);
        const expected = options?.preconditions?.resourceVersion;
        if (expected !== undefined && expected !== found.metadata?.resourceVersion)
          fail('KW_CONFLICT', 'precondition failed');
        store.objects.delete(key);
        return { kind: 'Status', status: 'Success' };
      },
    };
  }

  /** Makes every request of `replica` fail from now on. */
  cut(replica: string): void {
    this.#cut.add(replica);
  }

  /** Writes a Lease as another process would (a new resourceVersion). */
  put(lease: RingLease): void {
    const key = `${lease.metadata?.namespace}/${lease.metadata?.name}`;
    this.objects.set(key, { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.#version) } });
  }
}
