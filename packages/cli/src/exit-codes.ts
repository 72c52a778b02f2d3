import type { KwErrorCode } from '@kw/types';

/**
 * The process exit codes of `kw`. `0` also ends `watch` and `leader` after Ctrl-C/SIGTERM
 * (a clean stop is a success).
 */
export const EXIT_CODES = {
  /** Success, or a clean stop after a signal. */
  ok: 0,
  /** A runtime failure: network, server error, unexpected error. */
  failure: 1,
  /** Usage or configuration error: bad flag, JSONPath, a selector the server rejects (400/422), unknown resource, kubeconfig (or a peer dependency it needs). */
  usage: 2,
  /** Not permitted: the API answered 403 Forbidden or 401 Unauthorized. */
  forbidden: 3,
} as const;

/** One of {@link EXIT_CODES}' values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

const USAGE_CODES: ReadonlySet<KwErrorCode> = new Set<KwErrorCode>([
  'KW_INVALID_CONFIG',
  'KW_MISSING_DEPENDENCY',
  'KW_INVALID_JSONPATH',
  'KW_INVALID_FIELD_SELECTOR',
  'KW_KEY_COUNT',
  'KW_UNKNOWN_RESOURCE',
  'KW_BAD_REQUEST',
  'KW_INVALID',
]);

/** The exit code for an error with this `code` (`undefined` for errors without one: a failure). */
export function exitCodeFor(code: string | undefined): ExitCode {
  if (code === 'KW_FORBIDDEN' || code === 'KW_UNAUTHORIZED') return EXIT_CODES.forbidden;
  if (code !== undefined && USAGE_CODES.has(code as KwErrorCode)) return EXIT_CODES.usage;
  return EXIT_CODES.failure;
}
