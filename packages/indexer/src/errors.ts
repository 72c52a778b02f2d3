import type { KwErrorCode, KwErrorShape } from '@kw/types';

/** Base of every error `@kw/indexer` throws: an `Error` with a stable {@link KwErrorCode}. */
export class KwError extends Error implements KwErrorShape {
  readonly code: KwErrorCode;

  constructor(code: KwErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An `Indexer` option has the wrong shape (e.g. an empty `indexBy`). Code `KW_INVALID_CONFIG`. */
export class InvalidConfigError extends KwError {
  /** The option at fault, e.g. `indexBy`. */
  readonly option: string;
  /** The value given for it. */
  readonly value: unknown;

  constructor(option: string, value: unknown, problem: string) {
    super('KW_INVALID_CONFIG', `${option}: ${problem}`);
    this.option = option;
    this.value = value;
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
      options.cause === undefined ? undefined : { cause: options.cause },
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
      options,
    );
    this.selector = selector;
    this.term = term;
    this.problem = problem;
  }
}
