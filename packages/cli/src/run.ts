import pkg from '../package.json' with { type: 'json' };
import { parseCommandLine } from './args';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { helpText } from './help';
import { type Io, writeLine } from './io';
import { debugDetails, type ErrorContext, reportError } from './report-error';

/** Options of {@link run}. */
export interface RunOptions {
  /** Output streams and environment; default: the process's. */
  io?: Io;
  /** Aborting it stops `watch` and `leader` cleanly (the bin wires it to SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/**
 * Runs one `kw` command line (`argv` without `node` and the script) and resolves its exit code
 * (see `EXIT_CODES`). Never rejects: failures are reported on stderr as one line, with the stack
 * only when `KW_DEBUG=1`.
 */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<ExitCode> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const signal = options.signal ?? new AbortController().signal;
  const context: ErrorContext = { neededVerbs: ['list', 'watch'] };
  try {
    const command = parseCommandLine(argv);
    switch (command.command) {
      case 'help':
        io.stdout.write(helpText(command.topic));
        return EXIT_CODES.ok;
      case 'version':
        writeLine(io.stdout, pkg.version);
        return EXIT_CODES.ok;
      // Commands load lazily: help, version and usage errors need no Kubernetes client.
      case 'watch':
        return await (await import('./watch-command')).watchCommand(command, io, signal, context);
      case 'inspect':
        return await (await import('./inspect-command')).inspectCommand(command, io, signal, context);
      case 'leader':
        return await (await import('./leader-command')).leaderCommand(command, io, signal);
    }
  } catch (error) {
    if (signal.aborted && (error as { code?: unknown }).code === 'KW_ABORTED') return EXIT_CODES.ok;
    const report = reportError(error, context);
    writeLine(io.stderr, report.message);
    if (io.env.KW_DEBUG === '1') writeLine(io.stderr, debugDetails(error));
    return report.exitCode;
  }
}
