import type { KubeApi, KubeObject, ListOptions, ListPage, ResolvedResource, WatchEvent, WatchOptions } from '@kw/types';
import { FakeApiError } from './fake-api-error';
import { CONFIGMAPS, type TestObject } from './test-objects';

/** A watch script step: a batch of events, an error to throw, a pause (fake-timer aware), or hang until aborted. */
export type WatchStep = WatchEvent[] | Error | { sleepMs: number } | 'hang';

/** One recorded request (options without the signal, which is kept apart). */
export interface RecordedCall {
  verb: 'resolve' | 'list' | 'watch';
  namespace: string | undefined;
  options: Omit<ListOptions & WatchOptions, 'signal'>;
  /** The request's signal: aborted once the caller dropped the request. */
  signal: AbortSignal | undefined;
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
    const { signal, ...rest } = options;
    this.calls.push({ verb, namespace, options: rest, signal });
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
