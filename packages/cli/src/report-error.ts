import type { ApiErrorShape } from '@kw/types';
import { type ExitCode, exitCodeFor } from './exit-codes';

/** What the failing command was doing, for messages that name it. */
export interface ErrorContext {
  /** Who the requests ran as (`KubeApi.identity`). */
  identity?: string;
  /** Verbs the command needs on the resource, e.g. `['list', 'watch']`. */
  neededVerbs?: readonly string[];
}

/** A failure as `kw` reports it: one line and an exit code. */
export interface ErrorReport {
  message: string;
  exitCode: ExitCode;
}

function isApiErrorShape(error: unknown): error is ApiErrorShape {
  return error instanceof Error && typeof (error as Partial<ApiErrorShape>).verb === 'string' && 'resource' in error;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns any error into one line for stderr and the exit code: 403 names the verb, resource,
 * namespace and identity (or the discovery document); 401 says the credentials were rejected; configuration errors keep
 * their own message (it names the value already).
 */
export function reportError(error: unknown, context: ErrorContext = {}): ErrorReport {
  const code = codeOf(error);
  const exitCode = exitCodeFor(code);
  const who = context.identity === undefined ? 'this identity' : `"${context.identity}"`;
  if (code === 'KW_FORBIDDEN' && isApiErrorShape(error) && error.verb === 'discover') {
    return {
      message: `kw: forbidden: ${who} may not read API discovery (${error.resource}) — it needs get on the non-resource URLs /api and /apis (the system:discovery ClusterRole grants it)`,
      exitCode,
    };
  }
  if (code === 'KW_FORBIDDEN' && isApiErrorShape(error)) {
    const where =
      error.namespace === undefined ? 'at cluster scope (all namespaces)' : `in namespace "${error.namespace}"`;
    const verbs = context.neededVerbs?.length ? context.neededVerbs : [error.verb];
    const nsFlag = error.namespace === undefined ? '-A' : `-n ${error.namespace}`;
    return {
      message: `kw: forbidden: ${who} may not ${error.verb} ${error.resource} ${where} — it needs RBAC permission to ${verbs.join(' and ')} ${error.resource} (check: kubectl auth can-i ${error.verb} ${error.resource} ${nsFlag})`,
      exitCode,
    };
  }
  if (code === 'KW_UNAUTHORIZED') {
    return {
      message: `kw: unauthorized: the API server rejected the credentials of ${who} — refresh them or choose another --kubeconfig/--context`,
      exitCode,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `kw: ${message.split('\n')[0]}`, exitCode };
}

/** The error with its stack and `cause` chain, for `KW_DEBUG=1`. */
export function debugDetails(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
