import { JSONPath } from 'jsonpath-plus';
import { InvalidJsonPathError } from './errors';

/** One step of a parsed expression. */
type Token =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descent' }
  /** `?(...)` filter or `(...)` script, as written inside the brackets. */
  | { kind: 'filter'; text: string }
  /** `[start:end:step]` slice or `[0,2]` / `['a','b']` union, as written inside the brackets. */
  | { kind: 'slice' | 'union'; text: string };

/** A property key of a simple path: a name, or a numeric array index. */
export type PathKey = string | number;

/** An expression compiled once, evaluated per object. */
export interface CompiledPath {
  /** The expression as given. */
  readonly expression: string;
  /** Normalized segments, as {@link validateJsonPath} returns them. */
  readonly segments: readonly string[];
  /** Property keys when the path is simple (names and indexes only); `undefined` otherwise. */
  readonly keys: readonly PathKey[] | undefined;
  /** The first segment, when it is a plain name (`metadata` for `metadata.name`). */
  readonly rootField: string | undefined;
  /** The key for `obj`: see {@link toKey}; multi-valued matches joined with `,`. */
  extract(obj: unknown): string;
}

/** A Kubernetes-style plain name: what may follow a `.` without brackets. */
const DOTTED_NAME = /^[A-Za-z0-9_\-/]+$/;
/** Characters jsonpath-plus's own path parser handles as literals inside a quoted name. */
const JSONPATH_PLUS_SAFE_NAME = /^[A-Za-z0-9_./-]+$/;
const SLICE = /^-?\d*:-?\d*(?::-?\d*)?$/;
const INDEX_UNION = /^\d+(?:\s*,\s*\d+)+$/;

function fail(expr: string, problem: string): never {
  throw new InvalidJsonPathError(expr, problem);
}

/** Scans a quoted string starting at `start` (the quote); returns its value and the index after it. */
function readQuoted(expr: string, start: number): { value: string; end: number } {
  const quote = expr[start];
  let value = '';
  for (let i = start + 1; i < expr.length; i++) {
    const c = expr[i];
    if (c === '\\' && i + 1 < expr.length) {
      value += expr[++i];
    } else if (c === quote) {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  return fail(expr, `unterminated quote ${quote} at column ${start + 1} — close it with ${quote}`);
}

/** Scans a parenthesized script starting at `start` (the `(`), quote-aware; returns the index after `)`. */
function readParens(expr: string, start: number): number {
  let depth = 0;
  for (let i = start; i < expr.length; i++) {
    const c = expr[i];
    if (c === "'" || c === '"') {
      i = readQuoted(expr, i).end - 1;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i + 1;
    }
  }
  return fail(expr, `unbalanced "(" at column ${start + 1} — close it with ")"`);
}

function parseBracket(expr: string, open: number, tokens: Token[]): number {
  const next = expr[open + 1];
  if (next === "'" || next === '"') {
    const names: string[] = [];
    let i = open + 1;
    for (;;) {
      const q = readQuoted(expr, i);
      names.push(q.value);
      i = q.end;
      while (expr[i] === ' ') i++;
      if (expr[i] === ']') break;
      if (expr[i] !== ',') {
        return fail(expr, `expected "]" after the quoted name at column ${i + 1}`);
      }
      i++;
      while (expr[i] === ' ') i++;
      if (expr[i] !== "'" && expr[i] !== '"') {
        return fail(expr, `expected a quoted name after "," at column ${i + 1}`);
      }
    }
    if (names.length === 1) tokens.push({ kind: 'name', name: names[0] as string });
    else tokens.push({ kind: 'union', text: expr.slice(open + 1, i) });
    return i + 1;
  }
  if (next === '?' || next === '(') {
    const parenAt = next === '?' ? open + 2 : open + 1;
    if (expr[parenAt] !== '(') {
      return fail(expr, `a filter is written "[?(...)]" (column ${open + 1})`);
    }
    const end = readParens(expr, parenAt);
    if (expr[end] !== ']') {
      return fail(expr, `expected "]" after the filter at column ${end + 1}`);
    }
    tokens.push({ kind: 'filter', text: expr.slice(open + 1, end) });
    return end + 1;
  }
  const close = expr.indexOf(']', open);
  if (close === -1) {
    return fail(expr, `unclosed "[" at column ${open + 1} — close it with "]"`);
  }
  const content = expr.slice(open + 1, close).trim();
  if (content === '') {
    fail(expr, `empty brackets at column ${open + 1} — put an index, "*" or a quoted name inside`);
  } else if (content === '*') {
    tokens.push({ kind: 'wildcard' });
  } else if (/^\d+$/.test(content)) {
    tokens.push({ kind: 'index', index: Number(content) });
  } else if (/^-\d+$/.test(content)) {
    fail(expr, `negative index [${content}] is not supported — use the slice [${content}:] to select from the end`);
  } else if (SLICE.test(content)) {
    tokens.push({ kind: 'slice', text: content });
  } else if (INDEX_UNION.test(content)) {
    tokens.push({ kind: 'union', text: content });
  } else {
    fail(expr, `unquoted name [${content}] at column ${open + 1} — did you mean ['${content}']?`);
  }
  return close + 1;
}

function readName(expr: string, start: number, tokens: Token[]): number {
  let end = start;
  while (end < expr.length && expr[end] !== '.' && expr[end] !== '[') end++;
  const name = expr.slice(start, end);
  if (!DOTTED_NAME.test(name)) {
    const bad = [...name].find((c) => !DOTTED_NAME.test(c)) ?? name;
    const hint =
      bad === ']'
        ? 'unexpected "]" with no matching "["'
        : `unexpected character ${JSON.stringify(bad)} in ${JSON.stringify(name)}`;
    fail(expr, `${hint} at column ${start + 1 + name.indexOf(bad)} — quote unusual names: ['${name}']`);
  }
  tokens.push({ kind: 'name', name });
  return end;
}

/** Parses `expr` into tokens; whether it is `$`-rooted decides whether `..` means recursive descent. */
function tokenize(expr: string): Token[] {
  if (expr.trim() === '') fail(expr, 'empty expression — give a field path such as "metadata.name"');
  if (expr !== expr.trim()) fail(expr, 'leading or trailing whitespace — remove it');
  if (expr.startsWith('{') && expr.endsWith('}')) {
    fail(expr, `kubectl template braces are not used here — write ${JSON.stringify(expr.slice(1, -1))}`);
  }
  const tokens: Token[] = [];
  const rooted = expr.startsWith('$');
  let i = rooted ? 1 : 0;
  if (rooted && i < expr.length && expr[i] !== '.' && expr[i] !== '[') {
    fail(expr, `expected "." or "[" after "$" at column 2`);
  }
  // Without "$", one leading "." is allowed (kubectl style ".metadata.name").
  if (!rooted && expr[0] === '.' && expr[1] !== '.') i = 1;
  let first = !rooted;
  while (i < expr.length) {
    const c = expr[i];
    if (first) {
      first = false;
      if (c === '.') {
        const fixed = expr.replace(/\.{2,}/g, '.').replace(/^\./, '');
        fail(expr, `empty segment at the start — did you mean ${JSON.stringify(fixed)}?`);
      }
      if (c === '[') i = parseBracket(expr, i, tokens);
      else if (c === '*') {
        tokens.push({ kind: 'wildcard' });
        i++;
      } else i = readName(expr, i, tokens);
    } else if (c === '.') {
      if (expr[i + 1] === '.') {
        if (!rooted) {
          const fixed = expr.replace(/\.{2,}/g, '.').replace(/^\./, '');
          fail(
            expr,
            `empty segment after ${JSON.stringify(expr.slice(0, i + 1))} — did you mean ${JSON.stringify(fixed)}?`,
          );
        }
        tokens.push({ kind: 'descent' });
        i += 2;
        if (i >= expr.length) fail(expr, 'ends with ".." — name what to search for, e.g. "$..name"');
        if (expr[i] === '.') fail(expr, `too many dots at column ${i + 1}`);
        if (expr[i] === '[') i = parseBracket(expr, i, tokens);
        else if (expr[i] === '*') {
          tokens.push({ kind: 'wildcard' });
          i++;
        } else i = readName(expr, i, tokens);
        continue;
      }
      i++;
      if (i >= expr.length) {
        fail(expr, `ends with "." — did you mean ${JSON.stringify(expr.slice(0, -1))}?`);
      }
      if (expr[i] === '*') {
        tokens.push({ kind: 'wildcard' });
        i++;
      } else if (expr[i] === '[') {
        fail(
          expr,
          `"." before "[" at column ${i} — did you mean ${JSON.stringify(expr.slice(0, i - 1) + expr.slice(i))}?`,
        );
      } else i = readName(expr, i, tokens);
    } else if (c === '[') {
      i = parseBracket(expr, i, tokens);
    } else if (c === ']') {
      fail(expr, `unexpected "]" at column ${i + 1} with no matching "["`);
    } else {
      fail(expr, `expected "." or "[" at column ${i + 1}, found ${JSON.stringify(c)}`);
    }
  }
  if (tokens.length === 0) fail(expr, 'selects the whole object — give a field path such as "metadata.name"');
  return tokens;
}

function segmentOf(token: Token): string {
  switch (token.kind) {
    case 'name':
      return token.name;
    case 'index':
      return String(token.index);
    case 'wildcard':
      return '*';
    case 'descent':
      return '..';
    default:
      return token.text;
  }
}

/**
 * Checks a JSONPath expression and returns its normalized segments: names unquoted
 * (`metadata.labels['app.kubernetes.io/name']` → `['metadata', 'labels', 'app.kubernetes.io/name']`),
 * indexes as digits, `*` for a wildcard, `..` for recursive descent, filters, slices and unions
 * as written inside their brackets.
 *
 * Accepts `metadata.name`, `.metadata.name`, `$.metadata.name`, `a['quoted.name']`, `a["x"]`,
 * `a[0].b`, `a[*].b`, and general JSONPath (`[?(@.x=="y")]`, `[1:3]`, `[0,2]`). Recursive
 * descent (`$..name`) needs the `$` root: without it `a..b` is rejected as a typo.
 *
 * @throws {InvalidJsonPathError} with the expression and what is wrong with it.
 */
export function validateJsonPath(expr: string): string[] {
  return tokenize(expr).map(segmentOf);
}

/** Converts one matched value to key text: missing/null → `''`, string as is, number/boolean → `String(v)`, object/array → JSON. */
export function toKey(value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return JSON.stringify(value);
  }
}

/**
 * Follows `keys` from `obj` with JSONPath property semantics (own properties only, so
 * `constructor` or `__proto__` never leak in; a string's characters and `length` count as its
 * properties, as in jsonpath-plus). Returns `undefined` when a step is missing.
 */
function compileWalk(keys: readonly PathKey[]): (obj: unknown) => unknown {
  const hasOwn = Object.hasOwn;
  if (keys.length === 2) {
    const [k0, k1] = keys as [PathKey, PathKey];
    return (obj) => {
      if (!obj || !hasOwn(obj as object, k0)) return undefined;
      const v = (obj as Record<PathKey, unknown>)[k0];
      if (!v || !hasOwn(v as object, k1)) return undefined;
      return (v as Record<PathKey, unknown>)[k1];
    };
  }
  return (obj) => {
    let v = obj;
    for (const k of keys) {
      if (!v || !hasOwn(v as object, k)) return undefined;
      v = (v as Record<PathKey, unknown>)[k];
    }
    return v;
  };
}

/** The expression jsonpath-plus evaluates: `$`-rooted, names bracket-quoted. */
function toJsonPathPlus(expr: string, tokens: readonly Token[]): string {
  let out = '$';
  for (const token of tokens) {
    switch (token.kind) {
      case 'name':
        if (!JSONPATH_PLUS_SAFE_NAME.test(token.name)) {
          fail(
            expr,
            `name ${JSON.stringify(token.name)} may hold only letters, digits and "_./-" in an expression with wildcards, filters, slices or ".." — use a plain path or remove those`,
          );
        }
        out += `['${token.name}']`;
        break;
      case 'index':
        out += `[${token.index}]`;
        break;
      case 'wildcard':
        out += '[*]';
        break;
      case 'descent':
        out += '..';
        break;
      default:
        out += `[${token.text}]`;
    }
  }
  return out;
}

/** A document on which every step of `tokens` matches once, so a filter's script gets parsed. */
function probeFor(tokens: readonly Token[]): unknown {
  let value: unknown = 'probe';
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i] as Token;
    if (token.kind === 'name') value = { [token.name]: value };
    else if (token.kind === 'index')
      value = Object.assign(new Array<unknown>(token.index + 1).fill(null), { [token.index]: value });
    else if (token.kind !== 'descent') value = [value];
  }
  return value;
}

function evaluate(path: string, json: unknown): unknown[] {
  return (JSONPath({ path, json: json as object, wrap: true, ignoreEvalErrors: true, eval: 'safe' }) ??
    []) as unknown[];
}

/**
 * Compiles `expr` once for evaluation on many objects. Simple paths (names and indexes only)
 * become a direct property walk; everything else goes through jsonpath-plus, whose matches
 * are converted with {@link toKey} and joined with `,` in document order (no match → `''`).
 * Errors thrown while evaluating a filter count as "no match".
 *
 * @throws {InvalidJsonPathError} when the expression is invalid (including a filter script that does not parse).
 */
export function compileJsonPath(expr: string): CompiledPath {
  const tokens = tokenize(expr);
  const segments = tokens.map(segmentOf);
  const first = tokens[0];
  const rootField = first?.kind === 'name' ? first.name : undefined;
  const simple = tokens.every((t) => t.kind === 'name' || t.kind === 'index');
  if (simple) {
    const keys = tokens.map((t) => (t.kind === 'name' ? t.name : (t as { index: number }).index));
    const walk = compileWalk(keys);
    return { expression: expr, segments, keys, rootField, extract: (obj) => toKey(walk(obj)) };
  }
  const path = toJsonPathPlus(expr, tokens);
  try {
    evaluate(path, probeFor(tokens));
  } catch (cause) {
    throw new InvalidJsonPathError(expr, `jsonpath-plus cannot evaluate it: ${(cause as Error).message}`, { cause });
  }
  return {
    expression: expr,
    segments,
    keys: undefined,
    rootField,
    extract(obj) {
      if (typeof obj !== 'object' || obj === null) return '';
      const matches = evaluate(path, obj);
      if (matches.length === 1) return toKey(matches[0]);
      return matches.map(toKey).join(',');
    },
  };
}
