import type { KwErrorCode, KwErrorShape } from '@kw/types';

/** Base class of every error this package throws: an `Error` with a stable `code` and the offending value. */
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

/** A `CachedStore` option is invalid (thrown by the constructor; `value` is the option's value). */
export class InvalidConfigError extends KwError {
  constructor(message: string, value: unknown) {
    super('KW_INVALID_CONFIG', message, value);
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
