import type {
  KeyExtractor,
  KubeObject,
  KwErrorShape,
  MaybePromise,
  ObjectId,
  ResolvedResource,
  Store,
  StoreDiff,
  StoreVersions,
} from '@kw/types';
import type { ChangeType } from './change-event-queue';
import { KeyExtractionError, toKwError } from './errors';
import { groupVersion } from './group-version';
import { objectId, splitObjectId } from './internal/object-id';
import { SplitMap } from './internal/split-map';
import { isThenable } from './maybe-promise';
import { show } from './options';
import { TimeSlicer } from './time-slicer';
import type { ApplyResult, StepSink, WatchStep } from './watch-step';

/** What a {@link StoreWriter} needs besides its store. */
export interface StoreWriterOptions<T extends KubeObject> {
  store: Store<T>;
  keys: KeyExtractor<T>;
  /** Largest relist diff (upserts + deletes) committed with one `store.replace` call; above it the relist is applied in place. */
  maxAtomicDiff: number;
  /** Reports a problem the writer recovered from (never throws). */
  report(error: KwErrorShape, message: string): void;
  /** Receives every change once it is visible in the store: for a relist, only after the whole relist is. */
  changed(id: ObjectId, type: ChangeType, obj: T): void;
  /** Called when a listing is in the store; `first` for the first one. Awaited before the loop continues. */
  listed(first: boolean): MaybePromise<void>;
  /** The resolved resource (apiVersion and kind of tombstones). */
  resource(): ResolvedResource | undefined;
  /** Aborted when the watcher stops: ends a time-sliced apply early. */
  signal: AbortSignal;
}

interface Change<T> {
  id: ObjectId;
  type: ChangeType;
  obj: T;
  rv: string;
}

/** A listing in progress: the ids it contained, and its changes when they are held back until its end. */
interface Listing<T> {
  /** `null` for a listing that started with nothing known (no sweep). */
  seen: SplitMap<true> | null;
  /** Changed objects not yet written (an atomic relist), or `undefined` when writing through. */
  staged: Array<{ obj: T; keys: readonly string[]; change: Change<T> }> | undefined;
}

/**
 * The one writer of a watcher's store (kube-rs's reflector `Writer`): applies the list-watch loop's
 * {@link WatchStep}s and remembers only `identity → resourceVersion` of what it stored.
 *
 * - The first listing writes through (no staging, no extra memory). A store that already holds
 *   objects when the watcher starts is read once (`resourceVersions()`, else `list()`), so that listing
 *   reconciles with it: what the server no longer has is deleted.
 * - A relist stages only its diff (new or changed resourceVersion; deletes are known ids it did not
 *   contain) and commits it with one `store.replace(diff)` call, so readers see the state before or
 *   after it, never a mix. Without `replace`, or when the diff outgrows `maxAtomicDiff`, it applies
 *   in place, time-sliced (counted in {@link relistsInPlace}).
 * - Changes of a relist reach `changed` only once the whole relist is in the store.
 * - A failed store write is reported and answered with `'relist'`; `known` keeps what the store holds.
 * - `known` and a relist's seen ids are {@link SplitMap}s, so growing them never rehashes more than
 *   1/64 of the ids at once; a relist's deletes come in their deterministic order, not insertion order.
 */
export class StoreWriter<T extends KubeObject = KubeObject> implements StepSink<T> {
  readonly #options: StoreWriterOptions<T>;
  readonly #known = new SplitMap<string>();
  #listing: Listing<T> | undefined;
  /** Changes applied in place by an unfinished relist, announced when it ends. */
  #held: Change<T>[] | undefined;
  #seeded = false;
  #listed = false;
  #relistsInPlace = 0;

  constructor(options: StoreWriterOptions<T>) {
    this.#options = options;
  }

  /** How many objects the store holds, as far as the writer knows. */
  get size(): number {
    return this.#known.size;
  }

  /** Relists applied in place (no `store.replace`, or a diff over `maxAtomicDiff`): readers could see them half-done. */
  get relistsInPlace(): number {
    return this.#relistsInPlace;
  }

  /** Whether a relist is being applied in place right now: the store holds a mix of old and new state. */
  get midRelist(): boolean {
    return this.#held !== undefined;
  }

  apply(step: WatchStep<T>): MaybePromise<ApplyResult> {
    switch (step.type) {
      case 'init':
        return this.#seeded ? this.#init() : this.#seed().then(() => this.#init());
      case 'initApply':
        return this.#initApply(step.obj);
      case 'initDone':
        return this.#initDone();
      case 'apply':
        return this.#upsert(step.obj, undefined);
      case 'delete': {
        const id = this.#id(step.obj);
        if (id === undefined || !this.#known.has(id)) return undefined;
        return this.#remove(id, step.obj, undefined);
      }
    }
  }

  /** Reads what a reused store already holds, so the first listing reconciles with it. */
  async #seed(): Promise<void> {
    const { store } = this.#options;
    const versioned = store as Partial<StoreVersions>;
    if (typeof versioned.resourceVersions === 'function') {
      for (const [id, rv] of await versioned.resourceVersions()) this.#known.set(id, rv);
    } else if ((await store.size()) > 0) {
      for (const obj of await store.list()) {
        const id = this.#id(obj);
        if (id !== undefined) this.#known.set(id, obj.metadata?.resourceVersion ?? '');
      }
    }
    this.#seeded = true;
  }

  #init(): undefined {
    const relist = this.#known.size > 0;
    this.#listing = {
      seen: relist ? new SplitMap() : null,
      staged: relist && typeof this.#options.store.replace === 'function' ? [] : undefined,
    };
    if (relist && this.#listing.staged === undefined) this.#startInPlace();
    return undefined;
  }

  #startInPlace(): void {
    if (this.#held === undefined) {
      this.#held = [];
      this.#relistsInPlace++;
    }
  }

  #initApply(obj: T): MaybePromise<ApplyResult> {
    const listing = this.#listing;
    if (listing === undefined) return this.#upsert(obj, undefined);
    if (listing.staged === undefined) return this.#upsert(obj, listing);
    const id = this.#id(obj);
    if (id === undefined) return undefined;
    const rv = obj.metadata?.resourceVersion ?? '';
    const prev = this.#known.get(id);
    if (prev !== undefined && prev === rv && rv !== '') {
      listing.seen?.set(id, true);
      return undefined;
    }
    const indexed = this.#index(id, obj, prev);
    // Not seen: a stored version that no longer matches (or cannot be indexed) is swept as a delete.
    if (indexed === undefined) return undefined;
    listing.seen?.set(id, true);
    listing.staged.push({
      ...indexed,
      change: { id, type: prev === undefined ? 'added' : 'modified', obj: indexed.obj, rv },
    });
    if (listing.staged.length <= this.#options.maxAtomicDiff) return undefined;
    // Too large to commit within the block budget: write what was staged and go on in place.
    const staged = listing.staged;
    listing.staged = undefined;
    this.#startInPlace();
    return this.#writeAll(staged.map((s) => ({ ...s.change, keys: s.keys })));
  }

  async #initDone(): Promise<ApplyResult> {
    const listing = this.#listing;
    this.#listing = undefined;
    const first = !this.#listed;
    if (listing !== undefined && listing.seen !== null) {
      const deletes = await this.#unseen(listing.seen);
      if (this.#options.signal.aborted) return undefined;
      const staged = listing.staged;
      if (staged !== undefined && staged.length + deletes.length <= this.#options.maxAtomicDiff) {
        if (!(await this.#commit(staged, deletes))) return 'relist';
      } else {
        this.#startInPlace();
        const upserts = staged?.map((s) => ({ ...s.change, keys: s.keys })) ?? [];
        const result = await this.#writeAll([...upserts, ...deletes.map((d) => ({ ...d, keys: undefined }))]);
        if (result === 'relist' || this.#options.signal.aborted) return result;
      }
    }
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined) for (const change of held) this.#options.changed(change.id, change.type, change.obj);
    this.#listed = true;
    await this.#options.listed(first);
    return undefined;
  }

  /**
   * Known ids the listing did not contain, as delete changes with a metadata-only stand-in. O(known),
   * time-sliced: it reads only, so the commit that follows stays the one uninterrupted block.
   */
  async #unseen(seen: SplitMap<true>): Promise<Change<T>[]> {
    const out: Change<T>[] = [];
    const slicer = new TimeSlicer();
    const resource = this.#options.resource();
    for (const [id, rv] of this.#known) {
      if (slicer.due()) await slicer.yield();
      if (!seen.has(id)) out.push({ id, type: 'deleted', obj: tombstone<T>(id, rv, resource), rv });
    }
    return out;
  }

  /** Commits a relist's diff with one `store.replace` call; announces its changes after it. False when the store refused it. */
  async #commit(staged: NonNullable<Listing<T>['staged']>, deletes: Change<T>[]): Promise<boolean> {
    if (staged.length + deletes.length === 0) return true;
    const diff: StoreDiff<T> = {
      upserts: staged.map(({ obj, keys }) => ({ obj, keys })),
      deletes: deletes.map((d) => d.obj),
    };
    try {
      const done = this.#options.store.replace?.(diff);
      if (isThenable(done)) await done;
    } catch (err) {
      this.#options.report(
        toKwError(err),
        `store replace of a relist (${staged.length} upserts, ${deletes.length} deletes) failed; relisting`,
      );
      return false;
    }
    for (const { change } of staged) this.#record(change);
    for (const change of deletes) this.#record(change);
    return true;
  }

  /** Applies changes one by one, in place and time-sliced; stops at the first failed write. */
  async #writeAll(changes: Array<Change<T> & { keys: readonly string[] | undefined }>): Promise<ApplyResult> {
    const slicer = new TimeSlicer();
    for (const change of changes) {
      if (slicer.due()) {
        await slicer.yield();
        if (this.#options.signal.aborted) return undefined;
      }
      const written =
        change.keys === undefined ? this.#remove(change.id, change.obj, undefined) : this.#write(change, change.keys);
      if ((isThenable(written) ? await written : written) === 'relist') return 'relist';
    }
    return undefined;
  }

  /** A watch event or a write-through / in-place listing entry. */
  #upsert(obj: T, listing: Listing<T> | undefined): MaybePromise<ApplyResult> {
    const id = this.#id(obj);
    if (id === undefined) return undefined;
    const rv = obj.metadata?.resourceVersion ?? '';
    const prev = this.#known.get(id);
    if (prev !== undefined && prev === rv && rv !== '') {
      listing?.seen?.set(id, true);
      return undefined;
    }
    const indexed = this.#index(id, obj, prev);
    if (indexed === undefined) {
      // A stale copy under its old keys would be wrong: remove it until a version can be indexed.
      return prev === undefined ? undefined : this.#remove(id, obj, listing);
    }
    listing?.seen?.set(id, true);
    return this.#write({ id, type: prev === undefined ? 'added' : 'modified', obj: indexed.obj, rv }, indexed.keys);
  }

  /** The object as stored and its keys; `undefined` when it does not match or cannot be indexed (reported). */
  #index(id: ObjectId, obj: T, prev: string | undefined): { obj: T; keys: readonly string[] } | undefined {
    const { keys } = this.#options;
    let method: KeyExtractionError['method'] = 'matches';
    try {
      if (!keys.matches(obj)) return undefined;
      method = 'extractKeys';
      const extracted = keys.extractKeys(obj);
      method = 'filterFields';
      return { obj: keys.filterFields(obj), keys: extracted };
    } catch (err) {
      const error = new KeyExtractionError(id, method, this.#expressionOf(method, err), obj, err);
      this.#options.report(error, `${prev === undefined ? 'skipped' : 'removed'} ${id}: it could not be indexed`);
      return undefined;
    }
  }

  #write(change: Change<T>, keys: readonly string[]): MaybePromise<ApplyResult> {
    const { store } = this.#options;
    let written: MaybePromise<void>;
    try {
      written = change.type === 'added' ? store.add(change.obj, keys) : store.update(change.obj, keys);
    } catch (err) {
      return this.#failed(err, `store write of ${change.id} failed`);
    }
    if (isThenable(written)) {
      return written.then(
        () => this.#applied(change),
        (err: unknown) => this.#failed(err, `store write of ${change.id} failed`),
      );
    }
    return this.#applied(change);
  }

  #remove(id: ObjectId, obj: T, listing: Listing<T> | undefined): MaybePromise<ApplyResult> {
    listing?.seen?.delete(id);
    const change: Change<T> = { id, type: 'deleted', obj, rv: '' };
    let removed: MaybePromise<boolean>;
    try {
      removed = this.#options.store.delete(obj);
    } catch (err) {
      return this.#failed(err, `store delete of ${id} failed`);
    }
    if (isThenable(removed)) {
      return removed.then(
        () => this.#applied(change),
        (err: unknown) => this.#failed(err, `store delete of ${id} failed`),
      );
    }
    return this.#applied(change);
  }

  /** A change is in the store: remember it, and announce it now or, mid-relist, when the relist ends. */
  #applied(change: Change<T>): undefined {
    if (this.#held !== undefined) {
      this.#remember(change);
      this.#held.push(change);
    } else {
      this.#record(change);
    }
    return undefined;
  }

  #record(change: Change<T>): void {
    this.#remember(change);
    this.#options.changed(change.id, change.type, change.obj);
  }

  #remember(change: Change<T>): void {
    if (change.type === 'deleted') this.#known.delete(change.id);
    else this.#known.set(change.id, change.rv);
  }

  /** The store did not take a change: report it, leave `known` as it was, and ask for a relist. */
  #failed(err: unknown, message: string): ApplyResult {
    this.#options.report(toKwError(err), `${message}; relisting`);
    return 'relist';
  }

  #id(obj: T): ObjectId | undefined {
    try {
      return objectId(obj);
    } catch (err) {
      this.#options.report(toKwError(err), 'skipped an object');
      return undefined;
    }
  }

  /** The expression a failed `keys` method was evaluating, for error messages. */
  #expressionOf(method: KeyExtractionError['method'], err: unknown): string {
    const expression = (err as { expression?: unknown } | null | undefined)?.expression;
    if (typeof expression === 'string') return show(expression);
    if (method === 'extractKeys') return `indexBy ${show(this.#options.keys.indexBy)}`;
    return method === 'matches' ? 'the field selector' : 'ignoreFields';
  }
}

/**
 * A metadata-only stand-in for an object the writer no longer holds a copy of: what a delete
 * found by a relist passes to the store and to `events()` consumers.
 */
export function tombstone<T extends KubeObject>(
  id: ObjectId,
  resourceVersion: string,
  resource: ResolvedResource | undefined,
): T {
  const { namespace, name } = splitObjectId(id);
  const metadata = namespace === undefined ? { name, resourceVersion } : { namespace, name, resourceVersion };
  const obj: KubeObject = { metadata };
  if (resource !== undefined) {
    obj.apiVersion = groupVersion(resource);
    obj.kind = resource.kind;
  }
  return obj as T;
}
