import { hostname } from 'node:os';
import { createLeaseClient, LeaderElector } from '@kw/leaderelection';
import type { Logger } from '@kw/types';
import type { LeaderCommand } from './args';
import { connect } from './connection';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { clockTime } from './format';
import { type Io, writeLine } from './io';
import { reportError } from './report-error';

/**
 * `kw leader`: joins the election of a Lease and prints each transition until `signal` aborts,
 * then stops (releasing the Lease if held). A 401/403 on the Lease ends it with exit code 3.
 */
export async function leaderCommand(command: LeaderCommand, io: Io, signal: AbortSignal): Promise<ExitCode> {
  // One client: the default namespace, the identity for error messages, and the Lease requests.
  const client = connect(command, io.env);
  const namespace = command.namespace ?? client.defaultNamespace;
  const identity = command.identity ?? `${hostname()}-${process.pid}`;
  const say = (text: string): void => writeLine(io.stdout, `${clockTime(new Date())}  ${text}`);

  let fatal: unknown;
  const stopOnFatal = new AbortController();
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message, fields) => report(message, fields),
    error: (message, fields) => report(message, fields),
  };
  function report(message: string, fields: Record<string, unknown> | undefined): void {
    const error = fields?.error;
    if (error === undefined) return; // transitions are printed by the callbacks
    const code = (error as { code?: unknown } | undefined)?.code;
    if ((code === 'KW_FORBIDDEN' || code === 'KW_UNAUTHORIZED') && fatal === undefined) {
      fatal = error;
      stopOnFatal.abort();
      return;
    }
    const detail = error instanceof Error ? `: ${error.message.split('\n')[0]}` : '';
    writeLine(io.stderr, `kw: warning: ${message}${detail}`);
  }

  const elector = new LeaderElector({
    lease: { name: command.lease, namespace },
    identity,
    leaseClient: createLeaseClient({ api: client }),
    logger,
    onStartedLeading: () => say(`${identity} started leading`),
    onStoppedLeading: () => say(`${identity} stopped leading`),
    onNewLeader: (leader) => say(leader === identity ? `leader is ${leader} (this process)` : `leader is ${leader}`),
  });
  writeLine(
    io.stderr,
    `joining the election of lease "${command.lease}" in namespace "${namespace}" as "${identity}"; Ctrl-C to leave`,
  );
  elector.start();
  await new Promise<void>((resolve) => {
    if (signal.aborted || stopOnFatal.signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    stopOnFatal.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const wasLeader = elector.isLeader();
  await elector.stop();
  client.close();
  if (fatal !== undefined) {
    const { message, exitCode } = reportError(fatal, {
      identity: client.identity,
      neededVerbs: ['get', 'create', 'update'],
    });
    writeLine(io.stderr, message);
    return exitCode;
  }
  writeLine(io.stderr, wasLeader ? `left the election; released lease "${command.lease}"` : 'left the election');
  return EXIT_CODES.ok;
}
