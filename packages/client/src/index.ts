export { ACCEPT_JSON, ACCEPT_METADATA, ACCEPT_METADATA_LIST, resourcePath } from './api-paths';
export { createClient, KubeClient } from './client';
export type { KubeConfigLike } from './client-node-auth';
export type { Clock } from './clock';
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
  MissingDependencyError,
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
export type { ClientConfig } from './load-kube-config';
export type { ClientOptions } from './options';
export { CLIENT_DEFAULTS } from './options';
export type { RateLimiterOptions } from './rate-limiter';
export { RateLimiter } from './rate-limiter';
export { parseRetryAfter } from './retry-after';
export type { ErrorResponse, FailedRequest } from './to-api-error';
export { toApiError } from './to-api-error';
export type { DecodedWatchEvent } from './watch-decoder';
export { WatchDecoder } from './watch-decoder';
