import type { ApiErrorShape, ApiStatus, InvalidConfigErrorShape, KwErrorCode } from '@kw/types';
import { KwError } from './internal/kw-error';

/**
 * An invalid client option (thrown by `createClient()`) or argument (a malformed resource name, a
 * namespace for a cluster-scoped resource, a patch without its `fieldManager`); `field` names it
 * (`qps`, `retryAfter.maxRetries`, `namespace`, `fieldManager`) and `value` holds what was given.
 */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The option or argument, e.g. `requestTimeoutMs`, `metadata.name`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown, cause?: unknown) {
    super('KW_INVALID_CONFIG', message, cause === undefined ? { value } : { value, cause });
    this.field = field;
  }
}

/**
 * A kubeconfig entry needs an optional peer dependency that is not installed: a user with an
 * `exec` plugin or `auth-provider`, or a cluster with `proxy-url`, needs `@kubernetes/client-node`.
 * `field` names the entry (`users["gke-user"].exec`), `value` is the entry's name.
 */
export class MissingDependencyError extends KwError {
  declare readonly code: 'KW_MISSING_DEPENDENCY';
  /** The package to install, e.g. `@kubernetes/client-node`. */
  readonly dependency: string;
  /** The kubeconfig entry that needs it, e.g. `users["gke-user"].exec`. */
  readonly field: string;

  constructor(dependency: string, field: string, message: string, value: unknown, cause?: unknown) {
    super('KW_MISSING_DEPENDENCY', message, cause === undefined ? { value } : { value, cause });
    this.dependency = dependency;
    this.field = field;
  }
}

/** The request was cancelled through its `AbortSignal` (or the client was closed); `cause` is the signal's reason. */
export class AbortedError extends KwError {
  constructor(message: string, cause?: unknown) {
    super('KW_ABORTED', message, cause === undefined ? {} : { cause });
  }
}

/** A watch stream line that is not a JSON watch event; the watcher should treat it like a dropped connection. */
export class DecodeError extends KwError {
  constructor(message: string, line: string, cause?: unknown) {
    super('KW_DECODE', message, cause === undefined ? { value: line } : { value: line, cause });
  }
}

/** The server does not serve the requested resource; `value` is the GVR given to `resolve` or the name given to `resolveName`. */
export class UnknownResourceError extends KwError {
  constructor(message: string, gvr: unknown, cause?: unknown) {
    super('KW_UNKNOWN_RESOURCE', message, cause === undefined ? { value: gvr } : { value: gvr, cause });
  }
}

/** What an {@link ApiError} is about: the request that failed and what the server said. */
export interface ApiErrorContext {
  /** HTTP status; 0 for transport errors. */
  status: number;
  verb: string;
  /** `configmaps`, `deployments.apps`. */
  resource: string;
  namespace: string | undefined;
  apiStatus?: ApiStatus | undefined;
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/** Base class of the errors answered by the API server or its transport; implements `ApiErrorShape`. */
export abstract class ApiError extends KwError implements ApiErrorShape {
  readonly status: number;
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly apiStatus: ApiStatus | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: KwErrorCode, message: string, context: ApiErrorContext) {
    super(
      code,
      message,
      'cause' in context && context.cause !== undefined
        ? { value: context.apiStatus, cause: context.cause }
        : { value: context.apiStatus },
    );
    this.status = context.status;
    this.verb = context.verb;
    this.resource = context.resource;
    this.namespace = context.namespace;
    this.apiStatus = context.apiStatus;
    this.retryAfterSeconds = context.retryAfterSeconds;
  }
}

/** HTTP 400 (and other unclassified 4xx): the request was malformed. */
export class BadRequestError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_BAD_REQUEST', message, context);
  }
}

/** HTTP 401: missing or rejected credentials; status 0 when credentials could not be obtained locally. */
export class UnauthorizedError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_UNAUTHORIZED', message, context);
  }
}

/** HTTP 403: the identity may not perform the verb on the resource in the namespace. */
export class ForbiddenError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_FORBIDDEN', message, context);
  }
}

/** HTTP 404: the object (or resource path) does not exist. */
export class NotFoundError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_NOT_FOUND', message, context);
  }
}

/**
 * HTTP 409: a conflicting write: a stale `resourceVersion`, a name that exists, a failed delete
 * precondition, or a server-side apply field conflict (the message names each field and its manager).
 */
export class ConflictError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_CONFLICT', message, context);
  }
}

/** HTTP 422: the object failed validation; the message lists each field cause (`spec.replicas: Invalid value: -1: ...`). */
export class InvalidError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_INVALID', message, context);
  }
}

/** HTTP 410, or a Status with reason `Expired` / `Gone`: the resourceVersion or continue token is too old; re-list. */
export class GoneError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_GONE', message, context);
  }
}

/** HTTP 429: throttled by the server (API priority and fairness); wait `retryAfterSeconds`. */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_TOO_MANY_REQUESTS', message, context);
  }
}

/** HTTP 408 or 504, or a Status with reason `Timeout`; status 0 when the client's `requestTimeoutMs` elapsed. */
export class TimeoutError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_TIMEOUT', message, context);
  }
}

/** HTTP 5xx other than 504. */
export class ServerError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_SERVER_ERROR', message, context);
  }
}

/** Socket, DNS or TLS failure, or a connection dropped mid-response; status 0, `cause` is the Node error. */
export class NetworkError extends ApiError {
  constructor(message: string, context: ApiErrorContext) {
    super('KW_NETWORK', message, context);
  }
}

/** True when `error` is an {@link ApiError}, optionally with the given code (`isApiError(e, 'KW_GONE')`). */
export function isApiError(error: unknown, code?: KwErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
