import type { ApiStatus } from '@kw/types';
import {
  type ApiError,
  type ApiErrorContext,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  ServerError,
  TimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
} from './errors';
import { parseRetryAfter } from './retry-after';

/** The request an error response answered, for the error's fields and message. */
export interface FailedRequest {
  /** `list`, `watch`, `get`, `discover`... */
  verb: string;
  /** `configmaps`, `deployments.apps`. */
  resource: string;
  namespace: string | undefined;
  /** Object name, for `get`. */
  name?: string | undefined;
  /** Who the request ran as. */
  identity: string;
}

/** A non-2xx HTTP response: status, headers and (raw or parsed) body. */
export interface ErrorResponse {
  status: number;
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw body (a Status JSON or text) or an already parsed Status. */
  body?: Buffer | string | ApiStatus | undefined;
}

const MAX_TEXT = 300;

/**
 * Maps a non-2xx API response to its typed {@link ApiError} subclass: 400/4xx `BadRequestError`,
 * 401 `UnauthorizedError`, 403 `ForbiddenError`, 404 `NotFoundError`, 409 `ConflictError`,
 * 410 `GoneError`, 429 `TooManyRequestsError`, 504 or reason `Timeout` `TimeoutError`, 5xx `ServerError`.
 * `retryAfterSeconds` comes from the `Retry-After` header or the Status details.
 */
export function toApiError(response: ErrorResponse, request: FailedRequest, now: number = Date.now()): ApiError {
  const { status } = response;
  const { apiStatus, text } = readBody(response.body);
  const header = response.headers?.['retry-after'];
  const retryAfterSeconds =
    parseRetryAfter(Array.isArray(header) ? header[0] : header, now) ??
    validSeconds(apiStatus?.details?.retryAfterSeconds);
  const context: ApiErrorContext = {
    status,
    verb: request.verb,
    resource: request.resource,
    namespace: request.namespace,
    apiStatus,
    retryAfterSeconds,
  };
  const serverSays = apiStatus?.message ?? text;
  const said = serverSays ? `: ${serverSays}` : '';
  const what = describe(request);

  switch (true) {
    case status === 401:
      return new UnauthorizedError(
        `${what} was rejected as unauthenticated (401) for "${request.identity}"${said} — check the kubeconfig user's credentials (token, client certificate or exec plugin)`,
        context,
      );
    case status === 403:
      return new ForbiddenError(
        `"${request.identity}" may not ${request.verb} ${request.resource} ${scope(request.namespace)} (403)${said} — grant it with a Role/ClusterRole and binding, or narrow the namespace`,
        context,
      );
    case status === 404:
      return new NotFoundError(`${what} found nothing (404)${said}`, context);
    case status === 409:
      return new ConflictError(`${what} conflicted (409)${said}`, context);
    case status === 410:
      return new GoneError(
        `${what} asked for a resourceVersion or continue token the server no longer has (410 Gone)${said} — start again with a fresh list`,
        context,
      );
    case status === 429:
      return new TooManyRequestsError(
        `${what} was throttled by the server (429)${said} — retry after ${retryAfterSeconds ?? 1}s`,
        context,
      );
    case status === 504 || apiStatus?.reason === 'Timeout':
      return new TimeoutError(`${what} timed out on the server (${status})${said} — retry`, context);
    case status >= 500:
      return new ServerError(`${what} failed on the server (${status})${said} — retry later`, context);
    default:
      return new BadRequestError(`${what} was rejected as invalid (${status})${said}`, context);
  }
}

/** `list configmaps in namespace "a"`, `get configmaps "x" in namespace "a"`. */
export function describe(request: Pick<FailedRequest, 'verb' | 'resource' | 'namespace' | 'name'>): string {
  const name = request.name === undefined ? '' : ` "${request.name}"`;
  return `${request.verb} ${request.resource}${name} ${scope(request.namespace)}`;
}

function scope(namespace: string | undefined): string {
  return namespace === undefined ? 'cluster-wide' : `in namespace "${namespace}"`;
}

function readBody(body: ErrorResponse['body']): { apiStatus: ApiStatus | undefined; text: string | undefined } {
  if (body === undefined) return { apiStatus: undefined, text: undefined };
  if (typeof body === 'object' && !Buffer.isBuffer(body)) return { apiStatus: body, text: undefined };
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  const text = raw.trim();
  if (text === '') return { apiStatus: undefined, text: undefined };
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatus(parsed)) return { apiStatus: parsed, text: undefined };
  } catch {
    // Not JSON: report the text.
  }
  return { apiStatus: undefined, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text };
}

/** True for an object that looks like a Kubernetes `Status`. */
export function isStatus(value: unknown): value is ApiStatus {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

function validSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
