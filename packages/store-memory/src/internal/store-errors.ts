// Copy of tools/repo-checks/shared/store-errors.ts: edit that file, then run `pnpm copies:sync`.
import type { InvalidConfigErrorShape } from '@kw/types';
import { KwError } from './kw-error';

/** A store option is invalid (thrown by the constructor); names the `field` and its `value`. */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The offending option, e.g. `keyCount` or `maxEntries`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown) {
    super('KW_INVALID_CONFIG', `${field}: ${message}`, { value });
    this.field = field;
  }
}

/** A write or lookup passed a number of keys the store does not index (`value` is the keys given). */
export class KeyCountError extends KwError {
  /** The number of keys the store indexes, or `undefined` when not yet known. */
  readonly expected: number | undefined;

  constructor(message: string, keys: readonly string[], expected: number | undefined) {
    super('KW_KEY_COUNT', message, { value: keys });
    this.expected = expected;
  }
}
