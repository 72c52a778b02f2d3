export { MissingIdentityError, objectId } from './internal/object-id';
export { InvalidConfigError, KeyCountError } from './internal/store-errors';
export { MemoryStore } from './memory-store';
export type { MemoryStoreOptions } from './options';
