// Copy of tools/repo-checks/shared/kw-error.ts: edit that file, then run `pnpm copies:sync`.
import type { KwErrorCode, KwErrorShape } from '@kw/types';

/**
 * Base of every error a kw package throws: an `Error` with a stable `code`, the offending `value`
 * and the wrapped `cause`. Not exported from package barrels: match errors on `code`, never with
 * `instanceof` (each package holds its own copy of this class).
 */
export class KwError extends Error implements KwErrorShape {
  /** Stable machine-readable code. */
  readonly code: KwErrorCode;
  /** The offending value (an option, a selector, an object), when there is one. */
  readonly value: unknown;

  constructor(code: KwErrorCode, message: string, options: { value?: unknown; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.value = options.value;
  }
}
