import type { CallbackErrorShape, InvalidConfigErrorShape } from '@kw/types';
import { KwError } from './internal/kw-error';

/** A `LeaderElector` option is invalid (thrown by the constructor): `field` names it, `value` holds it. */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The option's path, e.g. `renewDeadlineMs` or `lease.name`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown) {
    super('KW_INVALID_CONFIG', message, { value });
    this.field = field;
  }
}

/**
 * Why an `onStartedLeading` signal aborted (its `reason`): leadership was lost (conflict, renew
 * deadline passed, lease taken or deleted) or the elector stopped. `value` is the identity.
 */
export class LeadershipLostError extends KwError {
  constructor(message: string, identity: string) {
    super('KW_NOT_LEADER', message, { value: identity });
  }
}

/** A user callback threw or rejected; passed to the logger, never thrown (`callback` names it, `cause` and `value` hold what it threw). */
export class CallbackError extends KwError implements CallbackErrorShape {
  declare readonly code: 'KW_CALLBACK';
  /** Which callback: `onStartedLeading`, `onStoppedLeading` or `onNewLeader`. */
  readonly callback: string;

  constructor(callback: string, cause: unknown) {
    super('KW_CALLBACK', `${callback} threw: ${describe(cause)} — the elector keeps running`, { value: cause, cause });
    this.callback = callback;
  }
}

/** @deprecated Renamed {@link InvalidConfigError}; this alias goes in the next minor. */
export const LeaderElectionConfigError = InvalidConfigError;
/** @deprecated Renamed {@link InvalidConfigError}; this alias goes in the next minor. */
export type LeaderElectionConfigError = InvalidConfigError;
/** @deprecated Renamed {@link CallbackError}; this alias goes in the next minor. */
export const LeaderElectionCallbackError = CallbackError;
/** @deprecated Renamed {@link CallbackError}; this alias goes in the next minor. */
export type LeaderElectionCallbackError = CallbackError;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
