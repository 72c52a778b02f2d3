import type { ApiErrorShape, ApiStatus, KwErrorCode, KwErrorShape } from '@kw/types';

/** Base class of every error this package throws: an `Error` with a stable `code` and the offending value. */
export class KwError extends Error implements KwErrorShape {
  readonly code: KwErrorCode;
  /** The value that was wrong (an option, a lease `namespace/name`, a callback name). */
  readonly value: unknown;

  constructor(code: KwErrorCode, message: string, value: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.value = value;
  }
}

/** A `LeaderElector` option is invalid (thrown by the constructor; `value` is the option's value). */
export class LeaderElectionConfigError extends KwError {
  /** The option's name, e.g. `renewDeadlineMs` or `lease.name`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown) {
    super('KW_INVALID_CONFIG', message, value);
    this.field = field;
  }
}

/** What a {@link LeaseApiError} is built from. */
export interface LeaseApiErrorInit {
  /** HTTP status; 0 for transport errors and aborts. */
  status: number;
  /** `get`, `create` or `update`. */
  verb: string;
  namespace: string;
  name: string;
  apiStatus?: ApiStatus | undefined;
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/**
 * A Lease request failed (`code` from the HTTP status: `KW_FORBIDDEN` for 403, `KW_NETWORK` for
 * transport errors, ...; `value` is `namespace/name`). Conflicts and missing leases have their
 * own subclasses.
 */
export class LeaseApiError extends KwError implements ApiErrorShape {
  readonly status: number;
  readonly verb: string;
  readonly resource = 'leases.coordination.k8s.io';
  readonly namespace: string;
  readonly apiStatus: ApiStatus | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: KwErrorCode, message: string, init: LeaseApiErrorInit) {
    super(code, message, `${init.namespace}/${init.name}`, { cause: init.cause });
    this.status = init.status;
    this.verb = init.verb;
    this.namespace = init.namespace;
    this.apiStatus = init.apiStatus;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** A Lease write lost an optimistic-concurrency race (409): someone else wrote the Lease first. */
export class LeaseConflictError extends LeaseApiError {
  constructor(message: string, init: Omit<LeaseApiErrorInit, 'status'> & { status?: number }) {
    super('KW_CONFLICT', message, { status: 409, ...init });
  }
}

/** The Lease does not exist (404), e.g. it was deleted while being updated. */
export class LeaseNotFoundError extends LeaseApiError {
  constructor(message: string, init: Omit<LeaseApiErrorInit, 'status'> & { status?: number }) {
    super('KW_NOT_FOUND', message, { status: 404, ...init });
  }
}

/**
 * Why an `onStartedLeading` signal aborted (its `reason`): leadership was lost (conflict, renew
 * deadline passed, lease taken or deleted) or the elector stopped. `value` is the identity.
 */
export class LeadershipLostError extends KwError {
  constructor(message: string, identity: string) {
    super('KW_NOT_LEADER', message, identity);
  }
}

/** A user callback threw or rejected; passed to the logger, never thrown (`value` is the callback name). */
export class LeaderElectionCallbackError extends KwError {
  constructor(callback: string, cause: unknown) {
    super('KW_CALLBACK', `${callback} failed: ${describe(cause)}`, callback, { cause });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
