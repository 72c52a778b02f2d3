export { InvalidConfigError, InvalidFieldSelectorError, InvalidJsonPathError } from './errors';
export type { FieldRequirement, FieldSelector } from './field-selector';
export { parseFieldSelector } from './field-selector';
export type { IndexerOptions } from './indexer';
export { INDEXER_DEFAULTS, Indexer } from './indexer';
export { toKey, validateJsonPath } from './json-path';
