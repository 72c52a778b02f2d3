import type { CallbackErrorShape, InvalidConfigErrorShape } from '@kw/types';
import { KwError } from './internal/kw-error';

/** A `ShardRing` option is missing or invalid; thrown by the constructor. */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The offending option, e.g. `name` or `leaseDurationMs`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown) {
    super('KW_INVALID_CONFIG', `ShardRing option ${field}: ${message}`, { value });
    this.field = field;
  }
}

/** `onChange` threw or rejected; reported to the logger, the ring keeps running. */
export class CallbackError extends KwError implements CallbackErrorShape {
  declare readonly code: 'KW_CALLBACK';
  /** Which callback failed. */
  readonly callback: string;

  constructor(callback: string, cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super('KW_CALLBACK', `${callback} threw: ${what} — the ring keeps running`, { value: cause, cause });
    this.callback = callback;
  }
}
