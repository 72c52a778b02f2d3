import type { LeaseClient, LeaseRecord, LeaseRequestOptions, NewLeaseRecord } from '../src/index';

/** What a real client (`@kw/client`) rejects with: an error carrying a `code`. */
class FakeApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** How a {@link FakeLeaseClient}'s requests behave. */
export type NetworkMode =
  /** Normal: applied after `latencyMs`, answered `latencyMs` later. */
  | 'ok'
  /** Rejected with KW_NETWORK after the latency, and never applied. */
  | 'fail'
  /** Applied at the server, but the answer is lost: rejected with KW_NETWORK (an ambiguous failure). */
  | 'lost-reply'
  /** Never answered and never applied (a blackholed connection). Honours the abort signal. */
  | 'hang';

/** One write that reached the server. */
export interface AppliedWrite {
  client: string;
  verb: 'create' | 'update';
  /** Fake time when the request was sent and when the server applied it. */
  sentAt: number;
  appliedAt: number;
  record: LeaseRecord;
}

/**
 * An in-memory API server holding Leases with the Kubernetes semantics leader election relies
 * on: every write bumps `resourceVersion`; `update` with a stale version and `create` of an
 * existing Lease fail with 409.
 */
export class FakeLeaseServer {
  readonly leases = new Map<string, LeaseRecord>();
  readonly writes: AppliedWrite[] = [];
  #version = 0;

  /** A client whose network behaviour can be changed while it runs. */
  client(name = 'client'): FakeLeaseClient {
    return new FakeLeaseClient(this, name);
  }

  /** The stored Lease (a copy). */
  get(namespace: string, name: string): LeaseRecord | undefined {
    const found = this.leases.get(`${namespace}/${name}`);
    return found === undefined ? undefined : { ...found };
  }

  /** Writes directly, like another controller or `kubectl` would; bumps the version. */
  put(record: NewLeaseRecord): LeaseRecord {
    const stored = { ...record, resourceVersion: String(++this.#version) };
    this.leases.set(`${record.namespace}/${record.name}`, stored);
    return { ...stored };
  }

  delete(namespace: string, name: string): void {
    this.leases.delete(`${namespace}/${name}`);
  }

  apply(verb: 'create' | 'update', record: LeaseRecord | NewLeaseRecord): LeaseRecord {
    const key = `${record.namespace}/${record.name}`;
    const current = this.leases.get(key);
    if (verb === 'create') {
      if (current !== undefined) throw new FakeApiError('KW_CONFLICT', `lease ${key} already exists`);
    } else {
      if (current === undefined) throw new FakeApiError('KW_NOT_FOUND', `lease ${key} not found`);
      const expected = (record as LeaseRecord).resourceVersion;
      if (current.resourceVersion !== expected) {
        throw new FakeApiError(
          'KW_CONFLICT',
          `lease ${key}: version ${expected} is stale (now ${current.resourceVersion})`,
        );
      }
    }
    return this.put(record);
  }
}

/** A {@link LeaseClient} talking to a {@link FakeLeaseServer} through a controllable fake network. */
export class FakeLeaseClient implements LeaseClient {
  readonly server: FakeLeaseServer;
  readonly name: string;
  mode: NetworkMode = 'ok';
  /** One-way delay, ms (fake timers). */
  latencyMs = 0;
  /** Requests sent, by verb. */
  readonly calls = { get: 0, create: 0, update: 0 };

  constructor(server: FakeLeaseServer, name: string) {
    this.server = server;
    this.name = name;
  }

  get(namespace: string, name: string, options?: LeaseRequestOptions): Promise<LeaseRecord | undefined> {
    this.calls.get++;
    return this.#request('get', options, () => this.server.get(namespace, name));
  }

  create(record: NewLeaseRecord, options?: LeaseRequestOptions): Promise<LeaseRecord> {
    this.calls.create++;
    return this.#write('create', record, options);
  }

  update(record: LeaseRecord, options?: LeaseRequestOptions): Promise<LeaseRecord> {
    this.calls.update++;
    return this.#write('update', record, options);
  }

  #write(verb: 'create' | 'update', record: LeaseRecord | NewLeaseRecord, options?: LeaseRequestOptions) {
    const sentAt = Date.now();
    const copy = { ...record };
    return this.#request(verb, options, () => {
      const stored = this.server.apply(verb, copy);
      this.server.writes.push({ client: this.name, verb, sentAt, appliedAt: Date.now(), record: stored });
      return stored;
    });
  }

  async #request<T>(verb: string, options: LeaseRequestOptions | undefined, serve: () => T): Promise<T> {
    const mode = this.mode;
    const latency = this.latencyMs;
    const signal = options?.signal;
    const wait = (ms: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const aborted = () => new FakeApiError('KW_ABORTED', `${verb} aborted`);
        if (signal?.aborted) return reject(aborted());
        if (ms === Number.POSITIVE_INFINITY) {
          signal?.addEventListener('abort', () => reject(aborted()), { once: true });
          return;
        }
        if (ms === 0) return resolve();
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(aborted());
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    const network = () => new FakeApiError('KW_NETWORK', `${verb} failed: connection reset`);
    await wait(mode === 'hang' ? Number.POSITIVE_INFINITY : latency);
    if (mode === 'fail') throw network();
    let result: T;
    try {
      result = serve();
    } catch (error) {
      await wait(latency);
      throw error;
    }
    await wait(latency);
    if (mode === 'lost-reply') throw network();
    return result;
  }
}
