import type { InvalidConfigErrorShape } from '@kw/types';
import { KwError } from './internal/kw-error';

/** An `Indexer` option has the wrong shape (e.g. an empty `indexBy`). Code `KW_INVALID_CONFIG`. */
export class InvalidConfigError extends KwError implements InvalidConfigErrorShape {
  declare readonly code: 'KW_INVALID_CONFIG';
  /** The option at fault, e.g. `indexBy`; `value` holds what was given. */
  readonly field: string;
  /** @deprecated Renamed {@link InvalidConfigError.field} (one vocabulary across kw); this alias goes in the next minor. */
  readonly option: string;

  constructor(field: string, value: unknown, problem: string) {
    super('KW_INVALID_CONFIG', `${field}: ${problem}`, { value });
    this.field = field;
    this.option = field;
  }
}

/**
 * A JSONPath expression cannot be parsed or is not allowed where it was given.
 * Code `KW_INVALID_JSONPATH`.
 */
export class InvalidJsonPathError extends KwError {
  /** The expression as given. */
  readonly expression: string;
  /** What is wrong with it (and how to fix it), without the expression. */
  readonly problem: string;
  /** The option that held it, e.g. `indexBy[1]`; `undefined` from `validateJsonPath`. */
  readonly option: string | undefined;

  constructor(expression: string, problem: string, options: { option?: string; cause?: unknown } = {}) {
    const where = options.option === undefined ? 'invalid JSONPath' : options.option;
    super(
      'KW_INVALID_JSONPATH',
      `${where} ${JSON.stringify(expression)}: ${problem}`,
      options.cause === undefined ? { value: expression } : { value: expression, cause: options.cause },
    );
    this.expression = expression;
    this.problem = problem;
    this.option = options.option;
  }
}

/** A client-side field selector cannot be parsed. Code `KW_INVALID_FIELD_SELECTOR`. */
export class InvalidFieldSelectorError extends KwError {
  /** The whole selector as given. */
  readonly selector: string;
  /** The comma-separated term at fault. */
  readonly term: string;
  /** What is wrong with the term (and how to fix it). */
  readonly problem: string;

  constructor(selector: string, term: string, problem: string, options?: { cause?: unknown }) {
    super(
      'KW_INVALID_FIELD_SELECTOR',
      `fieldSelector ${JSON.stringify(selector)}: term ${JSON.stringify(term)}: ${problem}`,
      { value: selector, ...options },
    );
    this.selector = selector;
    this.term = term;
    this.problem = problem;
  }
}
