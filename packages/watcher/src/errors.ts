import type { ApiErrorShape, CallbackErrorShape, InvalidConfigErrorShape, KwErrorCode, KwErrorShape } from '@kw/types';
import { KwError } from './internal/kw-error';

/**
 * A configuration field is missing or invalid. Thrown by the constructors; also rejected from
 * `waitForSync` when the check needs discovery (a namespace for a cluster-scoped resource).
 */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The offending field, e.g. `debounceMs` or `resource.version`. */
  readonly field: string;

  constructor(field: string, message: string, value: unknown) {
    super('KW_INVALID_CONFIG', `${field}: ${message}`, { value });
    this.field = field;
  }
}

/** A user callback (`onChange`, `onSyncComplete`, ...) threw or rejected; reported via `onError`, the watcher keeps running. */
export class CallbackError extends KwError implements CallbackErrorShape {
  declare readonly code: 'KW_CALLBACK';
  /** Which callback failed. */
  readonly callback: string;

  constructor(callback: string, cause: unknown) {
    super('KW_CALLBACK', `${callback} threw: ${describeError(cause)} — the watcher keeps running`, {
      value: cause,
      cause,
    });
    this.callback = callback;
  }
}

/** `waitForSync` gave up because the watcher was stopped or the caller's signal aborted. */
export class WatcherStoppedError extends KwError {
  constructor(message: string, reason?: unknown) {
    super('KW_ABORTED', message, reason === undefined ? {} : { value: reason, cause: reason });
  }
}

/**
 * The background loop ended on an error nothing expected (a bug): the watcher no longer lists or
 * watches, `status().phase` is `failed`, and pending and later `waitForSync` calls reject with this
 * error. Code `KW_INTERNAL`; `cause` is what escaped. Stop the watcher and create a new one.
 */
export class WatcherCrashedError extends KwError {
  constructor(cause: unknown) {
    super(
      'KW_INTERNAL',
      `the watch loop crashed: ${describeError(cause)} — the watcher stopped working; stop it and create a new one`,
      { value: cause, cause },
    );
  }
}

/**
 * `keys.matches`, `keys.extractKeys` or `keys.filterFields` threw for an object: it is not stored
 * (a version already in the store is removed, reported as deleted) until a later version can be
 * indexed. Code: the cause's code when it has one, else `KW_CALLBACK`; `value` is the object.
 */
export class KeyExtractionError extends KwError {
  /** The object's identity, `namespace/name` or `name`. */
  readonly id: string;
  /** The extractor method that threw. */
  readonly method: 'matches' | 'extractKeys' | 'filterFields';
  /** What it was evaluating: the failing expression when the cause names it, else the configured expressions. */
  readonly expression: string;

  constructor(
    id: string,
    method: 'matches' | 'extractKeys' | 'filterFields',
    expression: string,
    obj: unknown,
    cause: unknown,
  ) {
    const rv = (obj as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
    super(
      isKwError(cause) ? cause.code : 'KW_CALLBACK',
      `${id}${typeof rv === 'string' && rv !== '' ? `@${rv}` : ''}: keys.${method} failed on ${expression}: ${describeError(cause)} — not stored (a stored version is removed) until a later version can be indexed; fix the expression or the object`,
      { value: obj, cause },
    );
    this.id = id;
    this.method = method;
    this.expression = expression;
  }
}

/** A watch received nothing (no event, no bookmark) for `watchIdleTimeoutMs`; it was closed and resumed. */
export class WatchIdleError extends KwError {
  constructor(idleMs: number) {
    super(
      'KW_TIMEOUT',
      `watch received nothing for ${idleMs} ms (watchIdleTimeoutMs) — closed it and resumed from the last resourceVersion`,
      { value: idleMs },
    );
  }
}

/** The watch stream misbehaved: it ended before the initial-events-end bookmark, or the server ignored `sendInitialEvents`. */
export class WatchStreamError extends KwError {
  constructor(code: KwErrorCode, message: string, value: unknown) {
    super(code, message, { value });
  }
}

/** A non-kw error (no `code`) thrown by the API client or the store; retried with backoff like a transport error. */
export class UnexpectedError extends KwError {
  constructor(cause: unknown) {
    super('KW_INTERNAL', `unexpected error (no kw error code): ${describeError(cause)}`, { value: cause, cause });
  }
}

/**
 * The server refused a LIST or WATCH as invalid (400 / 422): a selector it cannot parse or a field
 * it does not know. Retrying cannot help, so the watcher stops: `status().phase` is `failed`,
 * `waitForSync` rejects with this error and `onError` gets it once. Change the configuration and
 * create a new watcher. `value` holds the selectors sent; `cause` is the API error.
 */
export class InvalidRequestError extends KwError {
  declare readonly value: RequestSelectors;
  /** The HTTP status the server answered (400 or 422; 0 when it ignored `sendInitialEvents`). */
  readonly status: number;

  constructor(cause: KwErrorShape, selectors: RequestSelectors) {
    const status = (cause as Partial<ApiErrorShape>).status ?? 0;
    const sent = Object.entries(selectors)
      .map(([field, value]) => `${field} ${JSON.stringify(value)}`)
      .join(', ');
    const said = (cause as Partial<ApiErrorShape>).apiStatus?.message ?? cause.message;
    super(
      status === 422 || cause.code === 'KW_INVALID' ? 'KW_INVALID' : 'KW_BAD_REQUEST',
      `the server rejected the request${status > 0 ? ` (${status})` : ''} with ${sent || 'no selector'}: "${said}" — fix the configuration and create a new watcher; the watcher stopped, as retrying cannot help`,
      { value: selectors, cause },
    );
    this.status = status;
  }
}

/** The selectors a watcher sends with every LIST and WATCH. */
export interface RequestSelectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Whether `err` carries a kw error code. */
export function isKwError(err: unknown): err is KwErrorShape {
  return err instanceof Error && typeof (err as Partial<KwErrorShape>).code === 'string';
}

/** `err` as a kw error: itself when it has a code, else wrapped in {@link UnexpectedError}. */
export function toKwError(err: unknown): KwErrorShape {
  return isKwError(err) ? err : new UnexpectedError(err);
}

/** A short description of a thrown value for messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
