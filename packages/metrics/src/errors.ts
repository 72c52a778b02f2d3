import type { InvalidConfigErrorShape } from '@kw/types';
import { KwError } from './internal/kw-error';

/** An option of `Metrics` or `probes()` is invalid (thrown by the constructor / factory). */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The option path, e.g. `clock` or `watchers.pods`. */
  readonly field: string;

  constructor(field: string, value: unknown, message: string) {
    super('KW_INVALID_CONFIG', message, { value });
    this.field = field;
  }
}

/** A hook of `Metrics` failed (a bad argument, a prom-client error); it was reported to `onError` instead of thrown. `cause` is the failure. */
export class HookError extends KwError {
  declare readonly code: 'KW_INTERNAL';
  /** The hook that failed: `requestDone`, `eventsApplied`, `collect` ... */
  readonly hook: string;

  constructor(hook: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'KW_INTERNAL',
      `@kw/metrics hook ${hook} failed: ${why} — the metric was not updated; the caller keeps running. Check the value the component passed`,
      { value: cause, cause },
    );
    this.hook = hook;
  }
}
