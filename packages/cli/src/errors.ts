import type { KwErrorCode } from '@kw/types';
import { KwError } from './internal/kw-error';

/** The command line is wrong: unknown command or flag, missing or malformed value. Exit code 2. */
export class UsageError extends KwError {
  /** The command whose usage to show, when known. */
  readonly command: string | undefined;

  constructor(message: string, value: unknown, command?: string) {
    super('KW_INVALID_CONFIG', message, { value });
    this.command = command;
  }
}

/** The kubeconfig cannot be loaded, or names no usable cluster or context. Exit code 2. */
export class KubeconfigError extends KwError {
  constructor(message: string, value: unknown, options?: { cause?: unknown }) {
    super('KW_INVALID_CONFIG', message, { value, ...options });
  }
}

/**
 * A flag value the indexer rejected (JSONPath, field selector), re-worded with the flag's name.
 * Keeps the indexer's `code` (`KW_INVALID_JSONPATH`, `KW_INVALID_FIELD_SELECTOR`) and `cause`. Exit code 2.
 */
export class InvalidFlagError extends KwError {
  constructor(code: KwErrorCode, message: string, value: unknown, cause: unknown) {
    super(code, message, { value, cause });
  }
}
