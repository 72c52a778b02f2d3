export type { CachedStoreStats, ReadOptions } from './cached-store';
export { CachedStore } from './cached-store';
export { MissingIdentityError } from './internal/object-id';
export { InvalidConfigError, KeyCountError } from './internal/store-errors';
export type { CachedStoreOptions } from './options';
export { CACHED_STORE_DEFAULTS } from './options';
export type { ReadFailure } from './read-errors';
export { PartialReadError, ReadAbortedError } from './read-errors';
