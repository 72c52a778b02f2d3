import type { ChangeCallback, Instrumentation, KwErrorShape, ShardOption, Store } from '@kw/types';
import { Watcher } from '@kw/watcher';
import { CLI_DEFAULTS } from './cli-defaults';
import { EXIT_CODES, exitCodeFor } from './exit-codes';
import { formatDuration, plural } from './format';
import { type Io, writeLine } from './io';
import { ProgressReporter } from './progress';
import type { Selection } from './selection';

/** Options of {@link startAndSync}. */
export interface SyncOptions {
  store: Store;
  onChange: ChangeCallback;
  debounceMs: number;
  metadataOnly: boolean;
  listMode?: 'auto' | 'paginated' | 'streaming';
  labelSelector?: string;
  /** Hold only this shard (the progress bar's total is then the whole collection's). */
  shard?: ShardOption;
  /** Ends the watch (Ctrl-C). */
  signal: AbortSignal;
  /** Called with the watcher as soon as it exists, before the sync (`/readyz` reads its status). */
  onWatcher?: (watcher: Watcher) => void;
  /** Handed to the watcher (`--metrics-port`). */
  instrumentation?: Instrumentation;
}

/** A synced watcher, and how long the sync took. */
export interface SyncResult {
  watcher: Watcher;
  elapsedMs: number;
  count: number;
  /** Rejects with the first unrecoverable error after sync (403 after RBAC changed, ...). */
  failed: Promise<never>;
}

/**
 * Starts a watcher on the selection, draws progress on stderr until the initial list is in the
 * store, and resolves once synced. Rejects with the first unrecoverable error (403, unknown
 * resource, bad selector) instead of retrying forever; recoverable errors after the sync are
 * printed as warnings while the watcher retries.
 */
export async function startAndSync(selection: Selection, options: SyncOptions, io: Io): Promise<SyncResult> {
  const { client, resource, namespace, indexer, label } = selection;
  // One-item LIST first: an early, clear 403 for `list`, and the total for the progress bar. Any
  // other failure of it (a selector the server rejects, ...) is left to the watcher to report.
  const probe = await client
    .list(resource, namespace, {
      limit: 1,
      ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
      metadataOnly: true,
      signal: options.signal,
    })
    .catch((error: unknown) => {
      if (exitCodeFor((error as { code?: string }).code) === EXIT_CODES.forbidden) throw error;
      return undefined;
    });
  const expected =
    probe === undefined || options.shard !== undefined
      ? undefined
      : probe.remainingItemCount !== undefined
        ? probe.items.length + probe.remainingItemCount
        : probe.continue === undefined
          ? probe.items.length
          : undefined;

  let rejectFailed: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => {});
  const stopOnFatal = new AbortController();
  let fatal: KwErrorShape | undefined;
  let synced = false;
  const watcher = new Watcher({
    api: client,
    resource,
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
    keys: indexer,
    store: options.store,
    onChange: options.onChange,
    debounceMs: options.debounceMs,
    metadataOnly: options.metadataOnly,
    ...(options.listMode === undefined ? {} : { listMode: options.listMode }),
    ...(options.shard === undefined ? {} : { shard: options.shard }),
    signal: AbortSignal.any([options.signal, stopOnFatal.signal]),
    onError: (error) => {
      // The watcher is failed (it stopped, or retries a 403/unknown resource slowly): end the command.
      if (watcher.status().phase === 'failed') {
        fatal ??= error;
        rejectFailed(error);
        stopOnFatal.abort(error);
        return;
      }
      if (synced) writeLine(io.stderr, `kw: warning: ${error.message.split('\n')[0]} (retrying)`);
    },
  });

  options.onWatcher?.(watcher);
  const started = performance.now();
  const progress = new ProgressReporter({
    stream: io.stderr,
    label,
    ttyIntervalMs: CLI_DEFAULTS.progressIntervalMs,
    plainIntervalMs: CLI_DEFAULTS.plainProgressIntervalMs,
    read: async () => ({
      objects: await options.store.size(),
      pages: watcher.status().listPages,
      expected,
      elapsedMs: performance.now() - started,
    }),
  });
  progress.start();
  try {
    watcher.start();
    await Promise.race([watcher.waitForSync(options.signal), failed]);
  } catch (error) {
    await watcher.stop();
    throw fatal ?? error;
  } finally {
    progress.stop();
  }
  synced = true;
  const elapsedMs = performance.now() - started;
  const count = await options.store.size();
  const pages = watcher.status().listPages;
  writeLine(
    io.stdout,
    `synced ${plural(count, 'object')} of ${label} in ${formatDuration(elapsedMs)}${pages > 0 ? ` (${plural(pages, 'list page')})` : ''}`,
  );
  return { watcher, elapsedMs, count, failed };
}
