export { InvalidConfigError, KeyCountError, KwError, MissingIdentityError } from './errors';
export type { MemoryStoreOptions } from './memory-store';
export { MemoryStore } from './memory-store';
export { objectId } from './object-id';
