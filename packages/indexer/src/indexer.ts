import type { KeyExtractor, KubeObject } from '@kw/types';
import { InvalidConfigError, InvalidJsonPathError } from './errors';
import { compileFieldRemover } from './field-remover';
import { type FieldSelector, parseFieldSelector } from './field-selector';
import { type CompiledPath, compileJsonPath, type PathKey } from './json-path';

/** Options of an {@link Indexer}. */
export interface IndexerOptions {
  /** JSONPath expressions, one per index key, in key order (`['metadata.namespace', 'spec.ingressClassName']`). Not empty. */
  indexBy: readonly string[];
  /** Plain field paths removed before an object is stored (`metadata.managedFields`). Default none. */
  ignoreFields?: readonly string[];
  /** Client-side field selector (`status.phase=Running,spec.nodeName!=`). Default none: everything matches. */
  fieldSelector?: string;
  /**
   * Let `filterFields` change the object it is given instead of copying it (for objects nobody else
   * holds). Default `false`. Objects that lose a key are replaced in their parent by fresh copies
   * (no `delete`, so they keep V8's fast properties); the object itself stays the same.
   */
  mutate?: boolean;
}

/** Defaults of the optional {@link IndexerOptions}. */
export const INDEXER_DEFAULTS = {
  ignoreFields: [] as readonly string[],
  mutate: false,
} as const;

function compileOption(option: string, expr: unknown): CompiledPath {
  if (typeof expr !== 'string') {
    throw new InvalidConfigError(option, expr, `expected a JSONPath string, got ${typeof expr}`);
  }
  try {
    return compileJsonPath(expr);
  } catch (cause) {
    if (!(cause instanceof InvalidJsonPathError)) throw cause;
    throw new InvalidJsonPathError(expr, cause.problem, { option, cause });
  }
}

/**
 * Compiles index expressions, field removal and a client-side field selector once, then
 * applies them to every object a watcher sees. Every option is validated here: a bad
 * expression throws from the constructor, never later.
 *
 * Key semantics, per expression: missing field or `null` → `''`; string → itself;
 * number/boolean → `String(v)`; object/array → `JSON.stringify(v)`; a multi-valued match
 * (wildcard, filter, slice, `..`) → each match converted so, joined with `,` in document order.
 *
 * @throws {InvalidConfigError} `KW_INVALID_CONFIG` for an empty or mistyped option.
 * @throws {InvalidJsonPathError} `KW_INVALID_JSONPATH` naming the option, e.g. `indexBy[1] "metadata..name": ...`.
 * @throws {InvalidFieldSelectorError} `KW_INVALID_FIELD_SELECTOR` naming the bad term.
 */
export class Indexer<T extends KubeObject = KubeObject> implements KeyExtractor<T> {
  readonly indexBy: readonly string[];
  /** The `ignoreFields` paths, as given. */
  readonly ignoreFields: readonly string[];
  /** The parsed client-side field selector, or `undefined` without one. */
  readonly fieldSelector: FieldSelector | undefined;
  readonly metadataOnly: boolean;
  readonly #extractors: ((obj: unknown) => string)[];
  readonly #remove: (obj: T) => T;

  constructor(options: IndexerOptions) {
    const { indexBy } = options;
    if (!Array.isArray(indexBy) || indexBy.length === 0) {
      throw new InvalidConfigError(
        'indexBy',
        indexBy,
        'needs at least one JSONPath expression, e.g. ["metadata.namespace", "metadata.name"]',
      );
    }
    const ignoreFields = options.ignoreFields ?? INDEXER_DEFAULTS.ignoreFields;
    if (!Array.isArray(ignoreFields)) {
      throw new InvalidConfigError('ignoreFields', ignoreFields, 'expected an array of field paths');
    }
    const mutate = options.mutate ?? INDEXER_DEFAULTS.mutate;

    const indexPaths = indexBy.map((expr, i) => compileOption(`indexBy[${i}]`, expr));
    const removed = ignoreFields.map((expr, i): readonly PathKey[] => {
      const option = `ignoreFields[${i}]`;
      const path = compileOption(option, expr);
      if (path.keys === undefined) {
        throw new InvalidJsonPathError(expr, 'ignoreFields takes plain field paths (names and [n] indexes) only', {
          option,
        });
      }
      if (typeof path.keys[path.keys.length - 1] === 'number') {
        throw new InvalidJsonPathError(expr, 'cannot remove an array element — name a field to remove', { option });
      }
      return path.keys;
    });
    let fieldSelector: FieldSelector | undefined;
    if (options.fieldSelector !== undefined) {
      if (typeof options.fieldSelector !== 'string') {
        throw new InvalidConfigError(
          'fieldSelector',
          options.fieldSelector,
          'expected a string such as "status.phase=Running"',
        );
      }
      fieldSelector = parseFieldSelector(options.fieldSelector);
    }

    this.indexBy = Object.freeze([...indexBy]);
    this.ignoreFields = Object.freeze([...ignoreFields]);
    this.fieldSelector = fieldSelector;
    this.metadataOnly =
      indexPaths.every((p) => p.rootField === 'metadata') &&
      removed.every((keys) => keys[0] === 'metadata') &&
      (fieldSelector?.requirements.every((r) => r.segments[0] === 'metadata') ?? true);
    this.#extractors = indexPaths.map((p) => p.extract);
    this.#remove = compileFieldRemover<T>(removed, mutate);
  }

  /** One key per `indexBy` expression, in order. Simple paths are a direct property walk (no JSONPath engine per call). */
  extractKeys(obj: T): string[] {
    const extractors = this.#extractors;
    const keys = new Array<string>(extractors.length);
    for (let i = 0; i < extractors.length; i++) keys[i] = (extractors[i] as (obj: unknown) => string)(obj);
    return keys;
  }

  /**
   * `obj` without the `ignoreFields` paths. Copy-on-write by default (only objects on a
   * removed path are shallow-cloned; `obj` itself is returned when nothing is removed); in
   * place with `mutate: true` (`obj` is returned, its objects on a removed path replaced by
   * copies without the removed keys). Removing the last key of an object leaves `{}` (e.g. `annotations: {}`).
   */
  filterFields(obj: T): T {
    return this.#remove(obj);
  }

  /** Whether `obj` passes the field selector; always `true` without one. */
  matches(obj: T): boolean {
    return this.fieldSelector === undefined || this.fieldSelector.matches(obj);
  }
}
