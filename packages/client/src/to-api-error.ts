import type { ApiStatus } from '@kw/types';
import {
  type ApiError,
  type ApiErrorContext,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  NotFoundError,
  ServerError,
  TimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
} from './errors';
import { parseRetryAfter } from './retry-after';

/** The request an error response answered, for the error's fields and message. */
export interface FailedRequest {
  /** `list`, `watch`, `get`, `discover`, `create`, `replace`, `patch`, `delete`... */
  verb: string;
  /** `configmaps`, `deployments.apps`. */
  resource: string;
  /** The resource's kind (`ConfigMap`), to name the object in a 404. */
  kind?: string | undefined;
  namespace: string | undefined;
  /** Object name, for verbs on one object. */
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
 * Maps a non-2xx API response (or a watch ERROR event's Status) to its typed {@link ApiError}
 * subclass; kw's one HTTP status → code table:
 *
 * | status / Status reason | error | code |
 * |---|---|---|
 * | 401 | `UnauthorizedError` | `KW_UNAUTHORIZED` |
 * | 403 | `ForbiddenError` | `KW_FORBIDDEN` |
 * | 404 | `NotFoundError` | `KW_NOT_FOUND` |
 * | 409 | `ConflictError` | `KW_CONFLICT` |
 * | 410, reason `Expired` or `Gone` | `GoneError` | `KW_GONE` |
 * | 422 | `InvalidError` | `KW_INVALID` |
 * | 429 | `TooManyRequestsError` | `KW_TOO_MANY_REQUESTS` |
 * | 408, 504, reason `Timeout` | `TimeoutError` | `KW_TIMEOUT` |
 * | other 5xx | `ServerError` | `KW_SERVER_ERROR` |
 * | other (400, unknown 4xx) | `BadRequestError` | `KW_BAD_REQUEST` |
 *
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
      return new NotFoundError(
        request.name === undefined
          ? `${what} found nothing (404)${said}`
          : `${what}: ${objectLabel(request)} does not exist (404)${said}`,
        context,
      );
    case status === 409:
      return new ConflictError(conflictMessage(what, apiStatus, said), context);
    case status === 410 || apiStatus?.reason === 'Expired' || apiStatus?.reason === 'Gone':
      return new GoneError(
        `${what} asked for a resourceVersion or continue token the server no longer has (${status || 'Gone'})${said} — start again with a fresh list`,
        context,
      );
    case status === 422:
      return new InvalidError(invalidMessage(what, apiStatus, said), context);
    case status === 429:
      return new TooManyRequestsError(
        `${what} was throttled by the server (429)${said} — retry after ${retryAfterSeconds ?? 1}s`,
        context,
      );
    case status === 408 || status === 504 || apiStatus?.reason === 'Timeout':
      return new TimeoutError(`${what} timed out on the server (${status})${said} — retry`, context);
    case status >= 500:
      return new ServerError(`${what} failed on the server (${status})${said} — retry later`, context);
    default:
      return new BadRequestError(`${what} was rejected as invalid (${status})${said}`, context);
  }
}

/** `ConfigMap "team-a/settings"`, `Namespace "team-a"`: the object a request named. */
function objectLabel(request: FailedRequest): string {
  const id = request.namespace === undefined ? request.name : `${request.namespace}/${request.name}`;
  return `${request.kind ?? request.resource} "${id}"`;
}

/** A 409; for a server-side apply conflict, each conflicting field and the manager that owns it. */
function conflictMessage(what: string, apiStatus: ApiStatus | undefined, said: string): string {
  const fields = (apiStatus?.details?.causes ?? []).filter((c) => c.reason === 'FieldManagerConflict');
  if (fields.length === 0) {
    return `${what} conflicted (409)${said} — read the object again and retry with its current resourceVersion`;
  }
  const list = fields.map((c) => `${c.field ?? '?'} (${c.message ?? 'conflict'})`).join('; ');
  return `${what} conflicted with other field managers (409) on ${fields.length} field(s): ${list} — drop those fields from the applied object, or apply with force: true to take them over`;
}

/** A 422 listing each field cause as `spec.replicas: Invalid value: -1: must be ...`. */
function invalidMessage(what: string, apiStatus: ApiStatus | undefined, said: string): string {
  const causes = apiStatus?.details?.causes ?? [];
  if (causes.length === 0) return `${what} was rejected as invalid (422)${said} — fix the object and retry`;
  const list = causes.map((c) =>
    c.field ? `${c.field}: ${c.message ?? c.reason ?? 'invalid'}` : (c.message ?? c.reason ?? 'invalid'),
  );
  return `${what} was rejected as invalid (422): ${list.join('; ')} — fix ${causes.length === 1 ? 'that field' : 'those fields'} and retry`;
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
