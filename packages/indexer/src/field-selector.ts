import { InvalidFieldSelectorError, InvalidJsonPathError } from './errors';
import { type CompiledPath, compileJsonPath } from './json-path';

/** One `path=value` / `path!=value` term of a field selector. */
export interface FieldRequirement {
  /** The field path as written, e.g. `status.phase`. */
  readonly path: string;
  /** Its normalized segments (see `validateJsonPath`). */
  readonly segments: readonly string[];
  /** `=` (also written `==`) or `!=`. */
  readonly operator: '=' | '!=';
  /** The value compared against, unescaped. */
  readonly value: string;
}

/** A parsed client-side field selector: a conjunction of requirements. */
export interface FieldSelector {
  /** The selector as given. */
  readonly selector: string;
  /** Its terms, in order; empty for an empty selector (which matches everything). */
  readonly requirements: readonly FieldRequirement[];
  /**
   * Whether `obj` satisfies every requirement. Field values are compared as strings (numbers
   * and booleans via `String`); a missing or null field compares as `''`, as the API server does.
   */
  matches(obj: unknown): boolean;
}

/** Splits on `sep` not preceded by a backslash; keeps the escapes. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Finds the operator outside quotes and brackets: returns its index and length. */
function findOperator(term: string): { at: number; op: '=' | '==' | '!=' } | undefined {
  let depth = 0;
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (c === '\\') i++;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if ((c === "'" || c === '"') && depth > 0) {
      const close = term.indexOf(c, i + 1);
      if (close === -1) return undefined;
      i = close;
    } else if (depth === 0 && c === '!' && term[i + 1] === '=') return { at: i, op: '!=' };
    else if (depth === 0 && c === '=') return { at: i, op: term[i + 1] === '=' ? '==' : '=' };
  }
  return undefined;
}

const unescapeValue = (value: string): string => value.replace(/\\(.)/g, '$1');

/**
 * Parses a field selector in the API server's syntax: comma-joined `path=value`, `path==value`
 * or `path!=value` terms, matched on the client. Paths are dotted field paths (`spec.nodeName`,
 * `metadata.namespace`) or use quoted brackets (`metadata.labels['app.kubernetes.io/name']`);
 * values may escape `\,` `\=` `\\`. Whitespace around paths and values is trimmed. An empty
 * selector has no requirements and matches everything.
 *
 * @throws {InvalidFieldSelectorError} naming the selector and the bad term.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  const compiled: CompiledPath[] = [];
  if (selector.trim() !== '') {
    for (const term of splitUnescaped(selector, ',')) {
      if (term.trim() === '') {
        throw new InvalidFieldSelectorError(selector, term, 'empty term — remove the extra ","');
      }
      const found = findOperator(term);
      if (!found) {
        throw new InvalidFieldSelectorError(selector, term, 'no operator — write "path=value" or "path!=value"');
      }
      const path = term.slice(0, found.at).trim();
      const rawValue = term.slice(found.at + found.op.length).trim();
      if (path === '') throw new InvalidFieldSelectorError(selector, term, 'missing field path before the operator');
      if (/^[=!]/.test(rawValue)) {
        throw new InvalidFieldSelectorError(selector, term, `unknown operator — use "=", "==" or "!="`);
      }
      let compiledPath: CompiledPath;
      try {
        compiledPath = compileJsonPath(path);
      } catch (cause) {
        const problem = cause instanceof InvalidJsonPathError ? cause.problem : String(cause);
        throw new InvalidFieldSelectorError(selector, term, `field path ${JSON.stringify(path)}: ${problem}`, {
          cause,
        });
      }
      if (compiledPath.keys === undefined) {
        throw new InvalidFieldSelectorError(
          selector,
          term,
          `field path ${JSON.stringify(path)} must be a plain path (names and [n] indexes), not a wildcard or filter`,
        );
      }
      compiled.push(compiledPath);
      requirements.push({
        path,
        segments: compiledPath.segments,
        operator: found.op === '!=' ? '!=' : '=',
        value: unescapeValue(rawValue),
      });
    }
  }
  const count = requirements.length;
  return {
    selector,
    requirements,
    matches(obj) {
      for (let i = 0; i < count; i++) {
        const req = requirements[i] as FieldRequirement;
        const equal = (compiled[i] as CompiledPath).extract(obj) === req.value;
        if (equal !== (req.operator === '=')) return false;
      }
      return true;
    },
  };
}
