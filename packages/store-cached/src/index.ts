export type { CachedStoreOptions, CachedStoreStats } from './cached-store';
export { CACHED_STORE_DEFAULTS, CachedStore } from './cached-store';
export { InvalidConfigError, KeyCountError, KwError, MissingIdentityError } from './errors';
