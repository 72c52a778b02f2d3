import { Indexer } from '@kw/indexer';
import { MemoryStore } from '@kw/store-memory';
import type { InspectCommand } from './args';
import { CLI_DEFAULTS } from './cli-defaults';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { formatBytes } from './format';
import { startAndSync } from './initial-sync';
import { type Io, writeLine } from './io';
import { adviseStore, measureSizes } from './object-sizes';
import type { ErrorContext } from './report-error';
import { openSelection } from './selection';

/**
 * `kw inspect`: syncs once (keeping whole objects, minus `--ignore-field`s), then reports key
 * cardinality per index expression, JSON bytes per object with and without the default field
 * filtering, and which store fits.
 */
export async function inspectCommand(
  command: InspectCommand,
  io: Io,
  signal: AbortSignal,
  context: ErrorContext,
): Promise<ExitCode> {
  const selection = await openSelection(command, { ignoreFields: command.ignoreFields, signal }, io, context);
  try {
    const store = new MemoryStore();
    const { watcher } = await startAndSync(
      selection,
      {
        store,
        debounceMs: CLI_DEFAULTS.debounceMs,
        metadataOnly: false,
        ...(command.listMode === undefined ? {} : { listMode: command.listMode }),
        ...(command.labelSelector === undefined ? {} : { labelSelector: command.labelSelector }),
        signal,
        onChange: () => {},
      },
      io,
    );
    await watcher.stop();
    const objects = store.listSync();
    const { indexer } = selection;
    writeLine(io.stdout, 'keys:');
    const distinct = indexer.indexBy.map(() => new Set<string>());
    for (const obj of objects) {
      indexer.extractKeys(obj).forEach((key, i) => {
        distinct[i]?.add(key);
      });
    }
    const width = Math.max(...indexer.indexBy.map((e) => e.length));
    indexer.indexBy.forEach((expr, i) => {
      const values = distinct[i]?.size ?? 0;
      const empty = distinct[i]?.has('') === true ? ' (includes "": field missing on some objects)' : '';
      writeLine(io.stdout, `  ${expr.padEnd(width)}  ${values} distinct value${values === 1 ? '' : 's'}${empty}`);
    });
    const defaults = new Indexer({ indexBy: indexer.indexBy, ignoreFields: CLI_DEFAULTS.ignoreFields, mutate: false });
    const sizes = measureSizes(objects, (obj) => defaults.filterFields(obj));
    const per = (bytes: number): string => formatBytes(sizes.count === 0 ? 0 : bytes / sizes.count);
    writeLine(io.stdout, 'size (JSON):');
    writeLine(
      io.stdout,
      `  as received            ${per(sizes.rawBytes)} per object, ${formatBytes(sizes.rawBytes)} total`,
    );
    writeLine(
      io.stdout,
      `  default filtering      ${per(sizes.filteredBytes)} per object, ${formatBytes(sizes.filteredBytes)} total (without managedFields and the last-applied-configuration annotation)`,
    );
    const advice = adviseStore(sizes);
    writeLine(io.stdout, `recommended store: ${advice.store} — ${advice.reason}`);
    return EXIT_CODES.ok;
  } finally {
    selection.client.close();
  }
}
