export { InvalidConfigError, KeyCountError, MissingIdentityError } from './errors';
export { MemoryStore } from './memory-store';
export { objectId } from './object-id';
export type { MemoryStoreOptions } from './options';
