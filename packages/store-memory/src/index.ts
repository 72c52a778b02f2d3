export { InvalidConfigError, KeyCountError } from './errors';
export { MissingIdentityError, objectId } from './internal/object-id';
export { MemoryStore } from './memory-store';
export type { MemoryStoreOptions } from './options';
