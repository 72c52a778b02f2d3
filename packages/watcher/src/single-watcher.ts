import type { KubeObject, MaybePromise, SingleChange, SingleWatcherConfig, WatcherStatus } from '@kw/types';
import { optionalFunction, requiredFunction, show, targetSettings } from './config';
import { isThenable } from './debouncer';
import { WATCHER_DEFAULTS } from './defaults';
import { CallbackError, InvalidConfigError } from './errors';
import { abortable, ListWatch } from './list-watch';

/**
 * Watches one object by namespace and name (a list+watch with `fieldSelector=metadata.name=<name>`)
 * and calls `onChange(obj, 'added' | 'modified' | 'deleted')` for every change, in order, without
 * debouncing or a store. The callback is awaited before the next change is applied. Recovers from
 * failures like `Watcher`; after a relist it reports what happened meanwhile (vanished → `deleted`,
 * changed → `modified`, appeared → `added`).
 */
export class SingleWatcher<T extends KubeObject = KubeObject> {
  /** The watched object's name. */
  readonly name: string;
  /** The watched object's namespace (`undefined` for cluster-scoped resources). */
  readonly namespace: string | undefined;
  private readonly listWatch: ListWatch<T>;
  private readonly onChange: (obj: T, change: SingleChange) => MaybePromise<void>;
  private readonly onSyncComplete: ((obj: T | undefined) => MaybePromise<void>) | undefined;
  private readonly signal: AbortSignal | undefined;
  private current: T | undefined;
  private seenInList = false;
  private initialSyncDone = false;
  private stopping: Promise<void> | undefined;

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
    this.signal = settings.signal;
    this.onChange = config.onChange;
    this.onSyncComplete = optionalFunction('onSyncComplete', config.onSyncComplete) as
      | ((obj: T | undefined) => MaybePromise<void>)
      | undefined;
    const byName = `metadata.name=${name}`;
    this.listWatch = new ListWatch<T>({
      ...settings,
      fieldSelector: settings.fieldSelector === undefined ? byName : `${byName},${settings.fieldSelector}`,
      listMode: WATCHER_DEFAULTS.listMode,
      pageSize: WATCHER_DEFAULTS.pageSize,
      metadataOnly: false,
      sink: {
        beginList: () => {
          this.seenInList = false;
        },
        listed: (obj) => {
          if (obj.metadata?.name !== this.name) return;
          this.seenInList = true;
          return this.apply(obj);
        },
        endList: () => this.endList(),
        changed: (type, obj) => {
          if (obj.metadata?.name !== this.name) return;
          if (type !== 'DELETED') return this.apply(obj);
          if (this.current === undefined) return;
          this.current = undefined;
          return this.notify(obj, 'deleted');
        },
      },
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
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.signal?.aborted) void this.stop();
  }

  /** The object as last seen, or `undefined` when it does not exist (or before sync). */
  get object(): T | undefined {
    return this.current;
  }

  /** Begins in the background. Idempotent; a no-op once stopped. */
  start(): void {
    if (this.stopping === undefined) this.listWatch.start();
  }

  /** Resolves after the first read (and `onSyncComplete` has settled); starts the watcher if needed. Rejects like `Watcher.waitForSync`. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.listWatch.waitForSync(signal);
  }

  isSynced(): boolean {
    return this.listWatch.isSynced();
  }

  /** A snapshot of phase, counters and recovery state (see `Watcher.status()`). */
  status(): WatcherStatus {
    return this.listWatch.status();
  }

  /** Stops everything; resolves when the loop has ended. */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      this.signal?.removeEventListener('abort', this.onAbort);
      this.stopping = this.listWatch.stop();
    }
    return this.stopping;
  }

  private readonly onAbort = (): void => {
    void this.stop();
  };

  private apply(obj: T): MaybePromise<void> {
    const prev = this.current;
    this.current = obj;
    if (!this.initialSyncDone) return;
    if (prev === undefined) return this.notify(obj, 'added');
    if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) return this.notify(obj, 'modified');
  }

  private async endList(): Promise<void> {
    if (!this.seenInList && this.current !== undefined) {
      const last = this.current;
      this.current = undefined;
      if (this.initialSyncDone) await this.notify(last, 'deleted');
    }
    if (this.initialSyncDone) return;
    this.initialSyncDone = true;
    if (this.onSyncComplete !== undefined) await this.call('onSyncComplete', () => this.onSyncComplete?.(this.current));
  }

  private notify(obj: T, change: SingleChange): MaybePromise<void> {
    return this.call('onChange', () => this.onChange(obj, change));
  }

  /** Runs a user callback; awaits it (abortably) when it returns a promise; reports failures as `KW_CALLBACK`. */
  private call(callback: string, fn: () => MaybePromise<void>): MaybePromise<void> {
    const failed = (err: unknown) => {
      if (!this.listWatch.signal.aborted) this.listWatch.report(new CallbackError(callback, err), `${callback} failed`);
    };
    try {
      const result = fn();
      if (isThenable(result)) return abortable(result, this.listWatch.signal).catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}
