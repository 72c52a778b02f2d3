import type { KubeObject } from './object';

/**
 * Turns an object into its index keys and its stored form. Implemented by `Indexer` in
 * `@kw/indexer`; the watcher receives one and never parses expressions itself.
 */
export interface KeyExtractor<T extends KubeObject = KubeObject> {
  /** The `indexBy` expressions, in key order. Never empty. */
  readonly indexBy: readonly string[];
  /** One key per `indexBy` expression, in order. */
  extractKeys(obj: T): string[];
  /**
   * The object as it should be stored: with `ignoreFields` removed. Returns `obj` itself
   * when nothing is configured; may mutate `obj` when the indexer was built with
   * `mutate: true` (the watcher owns freshly decoded objects, so that is safe there).
   */
  filterFields(obj: T): T;
  /** Whether the object passes the client-side field selector (always `true` without one). */
  matches(obj: T): boolean;
  /**
   * True when every index expression, every ignored field and the field selector touch only
   * `metadata`, so a watcher may watch metadata only (`PartialObjectMetadata`).
   */
  readonly metadataOnly: boolean;
}
