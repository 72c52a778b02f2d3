export { ACCEPT_JSON, ACCEPT_METADATA, ACCEPT_METADATA_LIST, resourcePath } from './api-paths';
export { createClient, KubeClient } from './client';
export type { ClientOptions } from './client-options';
export { CLIENT_DEFAULTS } from './client-options';
export type { ApiErrorContext } from './errors';
export {
  AbortedError,
  ApiError,
  BadRequestError,
  ConflictError,
  DecodeError,
  ForbiddenError,
  GoneError,
  InvalidConfigError,
  InvalidError,
  isApiError,
  KwError,
  NetworkError,
  NotFoundError,
  ServerError,
  TimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
  UnknownResourceError,
} from './errors';
export type { FetcherOptions } from './fetcher';
export { createFetcher } from './fetcher';
export { listAll } from './list-all';
export type { Clock, RateLimiterOptions } from './rate-limiter';
export { RateLimiter } from './rate-limiter';
export { parseRetryAfter } from './retry-after';
export type { ErrorResponse, FailedRequest } from './to-api-error';
export { toApiError } from './to-api-error';
export { WatchDecoder } from './watch-decoder';
