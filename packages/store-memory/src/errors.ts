import type { InvalidConfigErrorShape, KwErrorCode, KwErrorShape } from '@kw/types';

// Identical in @kw/store-memory and @kw/store-cached (packages share only types): keep them so.

/** Base class of every error this package throws: an `Error` with a stable `code` and the offending value. Match on `code`. */
export class KwError extends Error implements KwErrorShape {
  readonly code: KwErrorCode;
  /** The value that was wrong (an option, a keys array, an object). */
  readonly value: unknown;

  constructor(code: KwErrorCode, message: string, value: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.value = value;
  }
}

/** A store option is invalid (thrown by the constructor); names the `field` and its `value`. */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The offending option, e.g. `keyCount` or `maxEntries`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown) {
    super('KW_INVALID_CONFIG', `${field}: ${message}`, value);
    this.field = field;
  }
}

/** A write or lookup passed a number of keys the store does not index (`value` is the keys given). */
export class KeyCountError extends KwError {
  /** The number of keys the store indexes, or `undefined` when not yet known. */
  readonly expected: number | undefined;

  constructor(message: string, keys: readonly string[], expected: number | undefined) {
    super('KW_KEY_COUNT', message, keys);
    this.expected = expected;
  }
}

/** An object has no `metadata.name`, so it has no identity in a store (`value` is the object). */
export class MissingIdentityError extends KwError {
  constructor(message: string, obj: unknown) {
    super('KW_MISSING_IDENTITY', message, obj);
  }
}
