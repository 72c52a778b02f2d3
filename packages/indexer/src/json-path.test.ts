import { describe, expect, it } from 'vitest';
import { InvalidJsonPathError, toKey, validateJsonPath } from './index';

function rejection(expr: string): InvalidJsonPathError {
  try {
    validateJsonPath(expr);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidJsonPathError);
    return error as InvalidJsonPathError;
  }
  throw new Error(`expected ${JSON.stringify(expr)} to be rejected`);
}

describe('validateJsonPath', () => {
  it.each([
    ['metadata.namespace', ['metadata', 'namespace']],
    ['.metadata.namespace', ['metadata', 'namespace']],
    ['$.spec.ingressClassName', ['spec', 'ingressClassName']],
    ["$['spec']['ingressClassName']", ['spec', 'ingressClassName']],
    ["metadata.labels['app.kubernetes.io/name']", ['metadata', 'labels', 'app.kubernetes.io/name']],
    ['metadata.labels["x"]', ['metadata', 'labels', 'x']],
    ["metadata.labels['it\\'s']", ['metadata', 'labels', "it's"]],
    ['spec.rules[0].host', ['spec', 'rules', '0', 'host']],
    ['spec.rules[*].host', ['spec', 'rules', '*', 'host']],
    ['spec.rules.*.host', ['spec', 'rules', '*', 'host']],
    ['spec.rules[?(@.host=="a.example")].host', ['spec', 'rules', '?(@.host=="a.example")', 'host']],
    ['spec.containers[(@.length-1)].name', ['spec', 'containers', '(@.length-1)', 'name']],
    ['spec.rules[-1:].host', ['spec', 'rules', '-1:', 'host']],
    ['spec.rules[0,2].host', ['spec', 'rules', '0,2', 'host']],
    ["metadata.labels['a','b']", ['metadata', 'labels', "'a','b'"]],
    ['$..host', ['..', 'host']],
    ['metadata.owner-references_x', ['metadata', 'owner-references_x']],
  ])('accepts %s', (expr, segments) => {
    expect(validateJsonPath(expr)).toEqual(segments);
  });

  it.each([
    ['', 'empty expression — give a field path such as "metadata.name"'],
    ['   ', 'empty expression — give a field path such as "metadata.name"'],
    [' metadata.name', 'leading or trailing whitespace — remove it'],
    ['metadata..namespace', 'empty segment after "metadata." — did you mean "metadata.namespace"?'],
    ['..metadata.name', 'empty segment at the start — did you mean "metadata.name"?'],
    ['metadata.', 'ends with "." — did you mean "metadata"?'],
    ['$', 'selects the whole object — give a field path such as "metadata.name"'],
    ['.', 'selects the whole object — give a field path such as "metadata.name"'],
    ['$metadata', 'expected "." or "[" after "$" at column 2'],
    ['spec.rules[0', 'unclosed "[" at column 11 — close it with "]"'],
    ['spec.rules]', 'unexpected "]" with no matching "[" at column 11 — quote unusual names: [\'rules]\']'],
    ['spec.rules[0]]', 'unexpected "]" at column 14 with no matching "["'],
    ["metadata.labels['x]", "unterminated quote ' at column 17 — close it with '"],
    ['metadata.labels["x\']', 'unterminated quote " at column 17 — close it with "'],
    ['spec.rules[]', 'empty brackets at column 11 — put an index, "*" or a quoted name inside'],
    ['spec.rules[-1]', 'negative index [-1] is not supported — use the slice [-1:] to select from the end'],
    ['metadata.labels[app]', "unquoted name [app] at column 16 — did you mean ['app']?"],
    ['spec.rules[0]host', 'expected "." or "[" at column 14, found "h"'],
    ['spec.rules.[0]', '"." before "[" at column 11 — did you mean "spec.rules[0]"?'],
    ["metadata.labels['a'x]", 'expected "]" after the quoted name at column 20'],
    ['spec.rules[?(@.host=="a"]', 'unbalanced "(" at column 13 — close it with ")"'],
    ['spec.rules[?@.host]', 'a filter is written "[?(...)]" (column 11)'],
    ['metadata.na me', 'unexpected character " " in "na me" at column 12 — quote unusual names: [\'na me\']'],
    ['{.metadata.name}', 'kubectl template braces are not used here — write ".metadata.name"'],
    ['$..', 'ends with ".." — name what to search for, e.g. "$..name"'],
  ])('rejects %j', (expr, problem) => {
    const error = rejection(expr);
    expect(error.code).toBe('KW_INVALID_JSONPATH');
    expect(error.expression).toBe(expr);
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(`invalid JSONPath ${JSON.stringify(expr)}: ${problem}`);
  });
});

describe('toKey', () => {
  it.each([
    [undefined, ''],
    [null, ''],
    ['', ''],
    ['web', 'web'],
    [3, '3'],
    [0, '0'],
    [1.5, '1.5'],
    [true, 'true'],
    [false, 'false'],
    [{ a: 1 }, '{"a":1}'],
    [[1, 'x'], '[1,"x"]'],
  ])('converts %j to %j', (value, key) => {
    expect(toKey(value)).toBe(key);
  });
});
