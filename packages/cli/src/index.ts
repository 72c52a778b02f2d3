export type { CommandName, ParsedCommand } from './args';
export { parseCommandLine } from './args';
export { CLI_DEFAULTS } from './cli-defaults';
export { KubeconfigError, UsageError } from './errors';
export type { ExitCode } from './exit-codes';
export { EXIT_CODES } from './exit-codes';
export type { Io, OutputStream } from './io';
export type { RunOptions } from './run';
export { run } from './run';
