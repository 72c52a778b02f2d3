import type { KubeObject, MaybePromise, SingleChange, SingleWatcherConfig, WatcherStatus } from '@kw/types';
import { CallbackError, InvalidConfigError } from './errors';
import { abortable } from './internal/abort';
import { ListWatch } from './list-watch';
import { isThenable } from './maybe-promise';
import { optionalFunction, requiredFunction, show, targetSettings, WATCHER_DEFAULTS } from './options';
import type { ApplyResult, WatchStep } from './watch-step';

/**
 * Watches one object by namespace and name (a list+watch with `fieldSelector=metadata.name=<name>`)
 * and calls `onChange(obj, 'added' | 'modified' | 'deleted')` without debouncing or a store: once
 * synced with the object that exists then (`'added'`), then for every later change.
 *
 * The stream never waits for `onChange`: while a call runs, later changes are coalesced into the
 * object's latest state, delivered (as one change from what the callback last saw) when the call
 * settles. So an `onChange` that never settles stops further calls but not the watch: `object`
 * stays current. Recovers from failures like `Watcher`; after a relist it reports what happened
 * meanwhile (vanished → `deleted`, changed → `modified`, appeared → `added`).
 */
export class SingleWatcher<T extends KubeObject = KubeObject> {
  /** The watched object's name. */
  readonly name: string;
  /** The watched object's namespace (`undefined` for cluster-scoped resources). */
  readonly namespace: string | undefined;
  readonly #listWatch: ListWatch<T>;
  readonly #onChange: (obj: T, change: SingleChange) => MaybePromise<void>;
  readonly #onSyncComplete: ((obj: T | undefined) => MaybePromise<void>) | undefined;
  readonly #signal: AbortSignal | undefined;
  /** The object as last read from the server. */
  #current: T | undefined;
  /** The last version read before it was deleted, for a `'deleted'` call. */
  #lastKnown: T | undefined;
  /** What `onChange` was last handed (`undefined`: nothing, or a delete). */
  #shown: T | undefined;
  #seenInList = false;
  #synced = false;
  #calling = false;
  #stopping: Promise<void> | undefined;

  constructor(config: SingleWatcherConfig<T>) {
    const settings = targetSettings(config, 'SingleWatcher');
    const name: unknown = config.name;
    if (typeof name !== 'string' || name === '' || /[/,\s]/.test(name)) {
      throw new InvalidConfigError(
        'name',
        `expected the object's name (non-empty, no "/", "," or spaces), got ${show(name)}`,
        name,
      );
    }
    requiredFunction('onChange', config.onChange);
    this.name = name;
    this.namespace = settings.namespace;
    this.#signal = settings.signal;
    this.#onChange = config.onChange;
    this.#onSyncComplete = optionalFunction('onSyncComplete', config.onSyncComplete) as
      | ((obj: T | undefined) => MaybePromise<void>)
      | undefined;
    const byName = `metadata.name=${name}`;
    this.#listWatch = new ListWatch<T>({
      ...settings,
      fieldSelector: settings.fieldSelector === undefined ? byName : `${byName},${settings.fieldSelector}`,
      listMode: WATCHER_DEFAULTS.listMode,
      pageSize: WATCHER_DEFAULTS.pageSize,
      pageBytes: WATCHER_DEFAULTS.pageBytes,
      metadataOnly: false,
      sink: { apply: (step) => this.#apply(step) },
      checkResolved: (resource) => {
        if (resource.namespaced && this.namespace === undefined) {
          return new InvalidConfigError(
            'namespace',
            `${resource.resource} is namespaced, so a SingleWatcher of "${name}" needs a namespace`,
            undefined,
          );
        }
        if (!resource.namespaced && this.namespace !== undefined) {
          return new InvalidConfigError(
            'namespace',
            `${show(this.namespace)} was given but ${resource.resource} is cluster-scoped — omit namespace`,
            this.namespace,
          );
        }
        return undefined;
      },
    });
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#signal?.aborted) void this.stop();
  }

  /** The object as last seen, or `undefined` when it does not exist (or before sync). */
  get object(): T | undefined {
    return this.#current;
  }

  /** Begins in the background. Idempotent; a no-op once stopped. */
  start(): void {
    if (this.#stopping === undefined) this.#listWatch.start();
  }

  /** Resolves after the first read (and `onSyncComplete` has settled); starts the watcher if needed. Rejects like `Watcher.waitForSync`. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#listWatch.waitForSync(signal);
  }

  /** Whether the first read is done. */
  isSynced(): boolean {
    return this.#listWatch.isSynced();
  }

  /** A snapshot of phase, counters and recovery state (see `Watcher.status()`). */
  status(): WatcherStatus {
    return this.#listWatch.status();
  }

  /** Stops everything; resolves when the loop has ended. A running `onChange` is not awaited. */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      this.#signal?.removeEventListener('abort', this.#onAbort);
      this.#stopping = this.#listWatch.stop();
    }
    return this.#stopping;
  }

  readonly #onAbort = (): void => {
    void this.stop();
  };

  #apply(step: WatchStep<T>): MaybePromise<ApplyResult> {
    switch (step.type) {
      case 'init':
        this.#seenInList = false;
        return undefined;
      case 'initApply':
        if (step.obj.metadata?.name !== this.name) return undefined;
        this.#seenInList = true;
        this.#set(step.obj);
        return undefined;
      case 'initDone':
        if (!this.#seenInList) this.#set(undefined);
        return this.#synced ? undefined : this.#firstSync();
      case 'apply':
        if (step.obj.metadata?.name === this.name) this.#set(step.obj);
        return undefined;
      case 'delete':
        if (step.obj.metadata?.name !== this.name || this.#current === undefined) return undefined;
        // The delete event carries the object's final state.
        this.#current = step.obj;
        this.#set(undefined);
        return undefined;
    }
  }

  #set(obj: T | undefined): void {
    if (obj === undefined && this.#current !== undefined) this.#lastKnown = this.#current;
    this.#current = obj;
    this.#deliver();
  }

  async #firstSync(): Promise<undefined> {
    if (this.#onSyncComplete !== undefined) {
      const onSyncComplete = this.#onSyncComplete;
      const done = this.#call('onSyncComplete', () => onSyncComplete(this.#current));
      if (isThenable(done)) await abortable(done, this.#listWatch.signal);
    }
    this.#synced = true;
    this.#deliver();
    return undefined;
  }

  /** Hands `onChange` the change from what it last saw to the current state, unless a call is running. */
  #deliver(): void {
    while (this.#synced && !this.#calling && !this.#listWatch.signal.aborted) {
      const change = this.#nextChange();
      if (change === undefined) return;
      this.#shown = this.#current;
      const result = this.#call('onChange', () => this.#onChange(change[0], change[1]));
      if (isThenable(result)) {
        this.#calling = true;
        void result.then(() => {
          this.#calling = false;
          this.#deliver();
        });
        return;
      }
    }
  }

  #nextChange(): [T, SingleChange] | undefined {
    const shown = this.#shown;
    const current = this.#current;
    if (current === undefined) return shown === undefined ? undefined : [this.#lastKnown ?? shown, 'deleted'];
    if (shown === undefined) return [current, 'added'];
    return shown.metadata?.resourceVersion === current.metadata?.resourceVersion ? undefined : [current, 'modified'];
  }

  /** Runs a user callback; reports failures as `KW_CALLBACK`; a returned promise never rejects. */
  #call(callback: string, fn: () => MaybePromise<void>): MaybePromise<void> {
    const failed = (err: unknown) => {
      if (!this.#listWatch.signal.aborted)
        this.#listWatch.report(new CallbackError(callback, err), `${callback} failed`);
    };
    try {
      const result = fn();
      if (isThenable(result)) return result.then(undefined, failed);
    } catch (err) {
      failed(err);
    }
    return undefined;
  }
}
