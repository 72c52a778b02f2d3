import type {
  ApiErrorShape,
  KeyExtractor,
  KubeApi,
  KubeObject,
  KwErrorCode,
  ListOptions,
  ListPage,
  ObjectId,
  ResolvedResource,
  Store,
  StoreDiff,
  WatchEvent,
  WatchOptions,
} from '@kw/types';

/** ConfigMaps as discovery would resolve them. */
export const CONFIGMAPS: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['list', 'watch', 'get'],
};

/** A ConfigMap-like test object. */
export interface TestObject extends KubeObject {
  data?: Record<string, string>;
}

/** A ConfigMap named `name` at resourceVersion `rv`. */
export function cm(
  name: string,
  rv: string,
  extra: { namespace?: string; labels?: Record<string, string>; data?: Record<string, string> } = {},
): TestObject {
  const metadata: TestObject['metadata'] = { name, namespace: extra.namespace ?? 'default', resourceVersion: rv };
  if (extra.labels) metadata.labels = extra.labels;
  const obj: TestObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
  if (extra.data) obj.data = extra.data;
  return obj;
}

/** An error shaped like the ones `@kw/client` throws. */
export class FakeApiError extends Error implements ApiErrorShape {
  readonly code: KwErrorCode;
  readonly status: number;
  readonly verb: string;
  readonly resource = 'configmaps';
  readonly namespace = undefined;
  readonly apiStatus = undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: KwErrorCode, status: number, verb = 'list', retryAfterSeconds?: number, reason?: string) {
    super(`${verb} failed: ${code} (${status}${reason === undefined ? '' : ` ${reason}`})`);
    this.code = code;
    this.status = status;
    this.verb = verb;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const added = <T extends KubeObject>(object: T): WatchEvent<T> => ({ type: 'ADDED', object });
export const modified = <T extends KubeObject>(object: T): WatchEvent<T> => ({ type: 'MODIFIED', object });
export const deleted = <T extends KubeObject>(object: T): WatchEvent<T> => ({ type: 'DELETED', object });
export const bookmark = (rv: string, initialEventsEnd = false): WatchEvent => ({
  type: 'BOOKMARK',
  object: {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: initialEventsEnd
      ? { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } }
      : { resourceVersion: rv },
  },
});
/** A watch `ERROR` event as the client throws it: a typed error (`KW_GONE` for 410, `KW_BAD_REQUEST` for 400). */
export const errorEvent = (status: 400 | 410, reason: string): FakeApiError =>
  new FakeApiError(status === 410 ? 'KW_GONE' : 'KW_BAD_REQUEST', status, 'watch', undefined, reason);

/** A watch script step: a batch of events, an error to throw, a pause (fake-timer aware), or hang until aborted. */
export type WatchStep = WatchEvent[] | Error | { sleepMs: number } | 'hang';

/** One recorded request (options without the signal). */
export interface RecordedCall {
  verb: 'resolve' | 'list' | 'watch';
  namespace: string | undefined;
  options: Omit<ListOptions & WatchOptions, 'signal'>;
}

/**
 * A scripted `KubeApi`: LIST answers come from `lists`, WATCH streams from `watches` (each a
 * list of steps), in order. With an empty queue LIST and WATCH hang until aborted. Records
 * every request's options.
 */
export class FakeKubeApi implements KubeApi {
  readonly identity = 'system:fake';
  readonly calls: RecordedCall[] = [];
  resolveResult: ResolvedResource | Error = CONFIGMAPS;
  readonly lists: Array<ListPage<TestObject> | Error> = [];
  readonly watches: WatchStep[][] = [];
  /** Watch streams currently open. */
  openWatches = 0;
  private readonly waiters: Array<() => void> = [];

  callsOf(verb: RecordedCall['verb']): RecordedCall[] {
    return this.calls.filter((c) => c.verb === verb);
  }

  /** Resolves once `n` requests of `verb` were made. */
  async waitForCalls(verb: RecordedCall['verb'], n: number): Promise<void> {
    while (this.callsOf(verb).length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private record(verb: RecordedCall['verb'], namespace: string | undefined, options: ListOptions | WatchOptions = {}) {
    const { signal: _signal, ...rest } = options;
    this.calls.push({ verb, namespace, options: rest });
    for (const w of this.waiters.splice(0)) w();
  }

  async resolve(): Promise<ResolvedResource> {
    this.record('resolve', undefined);
    if (this.resolveResult instanceof Error) throw this.resolveResult;
    return this.resolveResult;
  }

  async list<T extends KubeObject = KubeObject>(
    _resource: ResolvedResource,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<ListPage<T>> {
    this.record('list', namespace, options);
    const next = this.lists.shift();
    if (next === undefined) {
      await hang(options?.signal);
      throw new FakeApiError('KW_ABORTED', 0);
    }
    if (next instanceof Error) throw next;
    // Hand out copies: the watcher owns (and may mutate) decoded objects.
    return structuredClone(next) as unknown as ListPage<T>;
  }

  async *watch<T extends KubeObject = KubeObject>(
    _resource: ResolvedResource,
    namespace: string | undefined,
    options?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>[]> {
    this.record('watch', namespace, options);
    const script = this.watches.shift() ?? ['hang'];
    this.openWatches++;
    try {
      for (const step of script) {
        if (step === 'hang') {
          await hang(options?.signal);
          throw new FakeApiError('KW_ABORTED', 0, 'watch');
        }
        if (step instanceof Error) throw step;
        if (!Array.isArray(step)) {
          await new Promise((resolve) => setTimeout(resolve, step.sleepMs));
          continue;
        }
        yield structuredClone(step) as unknown as WatchEvent<T>[];
      }
    } finally {
      this.openWatches--;
    }
  }

  async get<T extends KubeObject = KubeObject>(): Promise<T> {
    throw new FakeApiError('KW_NOT_FOUND', 404, 'get');
  }
}

function hang(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** A page of a LIST answer. */
export function page(items: TestObject[], resourceVersion: string, continueToken?: string): ListPage<TestObject> {
  const p: ListPage<TestObject> = { items, resourceVersion };
  if (continueToken !== undefined) p.continue = continueToken;
  return p;
}

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

/** A key extractor indexing by the `app` label; `matches`, `extractKeys`, `filterFields` and `metadataOnly` configurable. */
export class FakeKeys implements KeyExtractor<TestObject> {
  readonly indexBy = ['metadata.labels.app'];
  readonly metadataOnly: boolean;
  private readonly predicate: (obj: TestObject) => boolean;
  private readonly extract: ((obj: TestObject) => string[]) | undefined;
  private readonly filter: ((obj: TestObject) => TestObject) | undefined;
  constructor(
    options: {
      matches?: (obj: TestObject) => boolean;
      extractKeys?: (obj: TestObject) => string[];
      filterFields?: (obj: TestObject) => TestObject;
      metadataOnly?: boolean;
    } = {},
  ) {
    this.predicate = options.matches ?? (() => true);
    this.extract = options.extractKeys;
    this.filter = options.filterFields;
    this.metadataOnly = options.metadataOnly ?? true;
  }
  extractKeys(obj: TestObject): string[] {
    return this.extract ? this.extract(obj) : [obj.metadata?.labels?.app ?? ''];
  }
  filterFields(obj: TestObject): TestObject {
    return this.filter ? this.filter(obj) : obj;
  }
  matches(obj: TestObject): boolean {
    return this.predicate(obj);
  }
}
