import { hostname } from 'node:os';
import { createFetcher } from '@kw/client';
import { Metrics, type Probes, probes } from '@kw/metrics';
import { ShardRing } from '@kw/shard-ring';
import { CachedStore } from '@kw/store-cached';
import { MemoryStore } from '@kw/store-memory';
import type {
  GroupVersionResource,
  Instrumentation,
  KubeObject,
  ShardOption,
  ShardRange,
  ShardStatus,
  Store,
} from '@kw/types';
import type { Watcher } from '@kw/watcher';
import { Registry } from 'prom-client';
import type { WatchCommand } from './args';
import { CLI_DEFAULTS } from './cli-defaults';
import { UsageError } from './errors';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { clockTime, formatDuration, plural } from './format';
import { startAndSync } from './initial-sync';
import { CLEAR_LINE, type Io, writeLine } from './io';
import { type MetricsServer, startMetricsServer } from './metrics-server';
import type { ErrorContext } from './report-error';
import { openSelection, type Selection } from './selection';

/** Most objects printed per `--get` lookup; the rest are counted. */
const MAX_LISTED = 10;

/**
 * `kw watch`: syncs, answers the `--get` lookups, then prints a debounced change line until
 * `signal` aborts (Ctrl-C) — or returns right after the lookups with `--once`.
 */
export async function watchCommand(
  command: WatchCommand,
  io: Io,
  signal: AbortSignal,
  context: ErrorContext,
): Promise<ExitCode> {
  let health: Probes | undefined;
  const telemetry = command.metrics === undefined ? undefined : await serveMetrics(command.metrics, () => health, io);
  try {
    return await watchWith(command, io, signal, context, telemetry?.metrics, (name, watcher) => {
      health = probes({ watchers: { [name]: watcher } });
    });
  } finally {
    await telemetry?.server.close();
  }
}

/** Starts the `--metrics-port` server on a registry of its own and prints its URL on stderr. */
async function serveMetrics(
  options: { host: string; port: number },
  health: () => Probes | undefined,
  io: Io,
): Promise<{ metrics: Metrics; server: MetricsServer }> {
  const registry = new Registry();
  const metrics = new Metrics({ registry });
  let server: MetricsServer;
  try {
    server = await startMetricsServer({ ...options, registry, probes: health });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(
      `watch: --metrics-port ${options.port}: cannot listen on ${options.host} (${reason}) — choose a free port, or 0 for any`,
      options.port,
      'watch',
    );
  }
  writeLine(io.stderr, `metrics on ${server.url} (and /readyz, /livez)`);
  return { metrics, server };
}

async function watchWith(
  command: WatchCommand,
  io: Io,
  signal: AbortSignal,
  context: ErrorContext,
  instrumentation: Instrumentation | undefined,
  onWatcher: (name: string, watcher: Watcher) => void,
): Promise<ExitCode> {
  const selection = await openSelection(
    command,
    {
      ignoreFields: [...CLI_DEFAULTS.ignoreFields, ...command.ignoreFields],
      metadataOnly: command.metadataOnly,
      signal,
      ...(instrumentation === undefined ? {} : { instrumentation }),
    },
    io,
    context,
  );
  let ring: JoinedRing | undefined;
  try {
    const store = createStore(command.store, selection, instrumentation);
    const live = new LiveLine(io);
    let syncedAt = 0;
    let shard: ShardOption | undefined = command.shard;
    if (command.ring !== undefined) {
      ring = await joinRing(command.ring, command, selection, io, signal);
      shard = ring.first;
    }
    const { watcher, failed } = await startAndSync(
      selection,
      {
        store,
        debounceMs: command.debounceMs,
        metadataOnly: command.metadataOnly,
        ...(command.listMode === undefined ? {} : { listMode: command.listMode }),
        ...(command.labelSelector === undefined ? {} : { labelSelector: command.labelSelector }),
        ...(shard === undefined ? {} : { shard }),
        signal,
        onWatcher: (watcher) => onWatcher(watcherName(selection.resource), watcher),
        ...(instrumentation === undefined ? {} : { instrumentation }),
        onChange: async (changed, stats) => {
          if (syncedAt === 0 || stats.isInitialSync) return;
          live.show(
            `${clockTime(new Date())}  +${stats.added} ~${stats.modified} -${stats.deleted}  total ${await changed.size()}  relists ${watcher.status().relists}${shardLabel(watcher.status().shard)}${lookupCounts(store, command.gets)}`,
          );
        },
      },
      io,
    );
    syncedAt = performance.now();
    const shardStatus = watcher.status().shard;
    if (shardStatus !== undefined) writeLine(io.stdout, `holding${shardLabel(shardStatus)}`);
    ring?.follow((range, members) => {
      if (range === undefined) return;
      writeLine(
        io.stderr,
        `ring ${command.ring}: ${plural(members.length, 'member')}, now holding${shardLabel({ range, filtering: undefined })}`,
      );
      watcher.setShard(range);
    });
    for (const keys of command.gets) await printLookup(store, selection, keys, io);
    if (command.once || signal.aborted) {
      await watcher.stop();
      return EXIT_CODES.ok;
    }
    writeLine(io.stderr, `watching for changes (debounce ${command.debounceMs} ms); Ctrl-C to stop`);
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      await Promise.race([stopped, failed]);
    } finally {
      live.end();
      await watcher.stop();
    }
    writeLine(io.stderr, `stopped after ${formatDuration(performance.now() - syncedAt)}`);
    return EXIT_CODES.ok;
  } finally {
    await ring?.ring.stop();
    selection.client.close();
  }
}

/** `  shard uid [0x0000000000000000, 0x5555555555555555) server-filtered`, for the status line. */
export function shardLabel(status: ShardStatus | undefined): string {
  if (status === undefined) return '';
  const { field, start, end } = status.range;
  const where = status.filtering === undefined ? '' : ` ${status.filtering}-filtered`;
  return `  shard ${field} [${start}, ${end})${where}`;
}

/**
 * Joins the ring `name` (Leases in the watch's namespace, else the context's) and resolves this
 * member's first range; later changes go to the callback given to `follow`.
 */
async function joinRing(
  name: string,
  command: WatchCommand,
  selection: Selection,
  io: Io,
  signal: AbortSignal,
): Promise<JoinedRing> {
  let onChange: ((range: ShardRange | undefined, members: readonly string[]) => void) | undefined;
  let resolveFirst: (range: ShardOption) => void = () => {};
  const first = new Promise<ShardOption>((resolve) => {
    resolveFirst = resolve;
  });
  const ring = new ShardRing({
    name,
    namespace: selection.namespace ?? selection.client.defaultNamespace,
    identity: command.identity ?? `${hostname()}-${process.pid}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
    client: selection.client,
    signal,
    logger: {
      debug() {},
      info() {},
      warn: (message) => writeLine(io.stderr, `kw: ring ${name}: ${message}`),
      error: (message) => writeLine(io.stderr, `kw: ring ${name}: ${message}`),
    },
    onChange: (range, members) => {
      if (range !== undefined) resolveFirst(range);
      onChange?.(range, members);
    },
  });
  ring.start();
  writeLine(io.stderr, `joining ring ${name} as ${ring.identity}`);
  const aborted = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );
  aborted.catch(() => {});
  const range = await Promise.race([first, aborted]);
  return {
    ring,
    first: range,
    follow: (callback) => {
      onChange = callback;
      // A change while the watcher synced its first range had no one to tell: catch up now.
      const now = ring.current();
      if (now !== range) callback(now, ring.members());
    },
  };
}

/** A ring this replica joined: its first range, and where later range changes go (`follow` first reports a change missed since `first`). */
interface JoinedRing {
  ring: ShardRing;
  first: ShardOption;
  follow(callback: (range: ShardRange | undefined, members: readonly string[]) => void): void;
}

function createStore(
  kind: 'memory' | 'cached',
  selection: Selection,
  instrumentation: Instrumentation | undefined,
): Store {
  if (kind === 'memory') return new MemoryStore();
  const { client, resource, indexer } = selection;
  return new CachedStore({
    ...(instrumentation === undefined ? {} : { instrumentation, name: watcherName(resource) }),
    keyCount: indexer.indexBy.length,
    filterFields: (obj: KubeObject) => indexer.filterFields(obj),
    fetch: createFetcher(client, resource),
  });
}

/** The watcher's name in metrics and probes, as components default it: `group/version/resource` (`core` for the core group). */
function watcherName(resource: GroupVersionResource): string {
  return `${resource.group === '' ? 'core' : resource.group}/${resource.version}/${resource.resource}`;
}

async function printLookup(store: Store, selection: Selection, keys: string[], io: Io): Promise<void> {
  const found = (await store.get(keys)).map((obj) => ({ obj, id: objectLabel(obj) }));
  found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  writeLine(io.stdout, `get ${keys.join(',')}: ${plural(found.length, 'object')}`);
  for (const { obj, id } of found.slice(0, MAX_LISTED)) {
    writeLine(io.stdout, `  ${id}  [${selection.indexer.extractKeys(obj).join(' | ')}]`);
  }
  if (found.length > MAX_LISTED) writeLine(io.stdout, `  … and ${found.length - MAX_LISTED} more`);
}

/** `  kw-demo,web: 51` per `--get`, for the memory store only (a cached store would fetch bodies). */
function lookupCounts(store: Store, gets: string[][]): string {
  if (!(store instanceof MemoryStore)) return '';
  return gets.map((keys) => `  ${keys.join(',')}: ${store.getSync(keys).length}`).join('');
}

function objectLabel(obj: KubeObject): string {
  const { namespace, name = '?' } = obj.metadata ?? {};
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** The live change line: rewritten in place on a terminal, one line per change otherwise. */
class LiveLine {
  readonly #io: Io;
  #shown = false;

  constructor(io: Io) {
    this.#io = io;
  }

  show(line: string): void {
    if (this.#io.stdout.isTTY === true) {
      this.#io.stdout.write(`${CLEAR_LINE}${line}`);
      this.#shown = true;
    } else {
      writeLine(this.#io.stdout, line);
    }
  }

  end(): void {
    if (this.#shown) this.#io.stdout.write('\n');
  }
}
