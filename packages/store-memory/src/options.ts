import { InvalidConfigError } from './internal/store-errors';

/** Options of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How many index keys every object has (the length of the indexer's `indexBy`). Default:
   * learned from the first write, then enforced. A positive integer.
   */
  keyCount?: number;
}

/** Throws {@link InvalidConfigError} naming the first invalid option. */
export function validate(options: MemoryStoreOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigError(
      'options',
      `must be an object (e.g. { keyCount: 2 }), got ${String(options)}`,
      options,
    );
  }
  const { keyCount } = options;
  if (keyCount !== undefined && !(Number.isInteger(keyCount) && keyCount > 0)) {
    throw new InvalidConfigError(
      'keyCount',
      `${String(keyCount)} must be a positive integer (the number of indexBy expressions) — or omit it to learn it from the first write`,
      keyCount,
    );
  }
}
