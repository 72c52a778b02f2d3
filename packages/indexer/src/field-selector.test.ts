import { describe, expect, it } from 'vitest';
import { InvalidFieldSelectorError, InvalidJsonPathError, parseFieldSelector } from './index';

function rejection(selector: string): InvalidFieldSelectorError {
  try {
    parseFieldSelector(selector);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFieldSelectorError);
    return error as InvalidFieldSelectorError;
  }
  throw new Error(`expected ${JSON.stringify(selector)} to be rejected`);
}

describe('parseFieldSelector', () => {
  it('parses =, == and != terms joined by commas', () => {
    expect(
      parseFieldSelector('status.phase=Running,spec.nodeName==n1,metadata.namespace!=kube-system').requirements,
    ).toEqual([
      { path: 'status.phase', segments: ['status', 'phase'], operator: '=', value: 'Running' },
      { path: 'spec.nodeName', segments: ['spec', 'nodeName'], operator: '=', value: 'n1' },
      { path: 'metadata.namespace', segments: ['metadata', 'namespace'], operator: '!=', value: 'kube-system' },
    ]);
  });

  it('accepts bracket paths, an empty value, whitespace and escaped values', () => {
    expect(
      parseFieldSelector(" metadata.labels['app.kubernetes.io/name'] = web , spec.nodeName=, a.b=x\\,y\\=z\\\\")
        .requirements,
    ).toEqual([
      {
        path: "metadata.labels['app.kubernetes.io/name']",
        segments: ['metadata', 'labels', 'app.kubernetes.io/name'],
        operator: '=',
        value: 'web',
      },
      { path: 'spec.nodeName', segments: ['spec', 'nodeName'], operator: '=', value: '' },
      { path: 'a.b', segments: ['a', 'b'], operator: '=', value: 'x,y=z\\' },
    ]);
  });

  it('finds the operator after a quoted bracket name containing "="', () => {
    expect(parseFieldSelector("metadata.labels['a=b']!=c").requirements[0]).toMatchObject({
      segments: ['metadata', 'labels', 'a=b'],
      operator: '!=',
      value: 'c',
    });
  });

  it('parses an empty selector as matching everything', () => {
    const selector = parseFieldSelector('');
    expect(selector.requirements).toEqual([]);
    expect(selector.matches({})).toBe(true);
  });

  it.each([
    ['status.phase', 'status.phase', 'no operator — write "path=value" or "path!=value"'],
    ['a=b,,c=d', '', 'empty term — remove the extra ","'],
    ['a=b,', '', 'empty term — remove the extra ","'],
    ['=Running', '=Running', 'missing field path before the operator'],
    ['status.phase===Running', 'status.phase===Running', 'unknown operator — use "=", "==" or "!="'],
    [
      'status..phase=Running',
      'status..phase=Running',
      'field path "status..phase": empty segment after "status." — did you mean "status.phase"?',
    ],
    [
      'spec.rules[*].host=a',
      'spec.rules[*].host=a',
      'field path "spec.rules[*].host" must be a plain path (names and [n] indexes), not a wildcard or filter',
    ],
  ])('rejects %j', (selector, term, problem) => {
    const error = rejection(selector);
    expect(error.code).toBe('KW_INVALID_FIELD_SELECTOR');
    expect(error.selector).toBe(selector);
    expect(error.term).toBe(term);
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(`fieldSelector ${JSON.stringify(selector)}: term ${JSON.stringify(term)}: ${problem}`);
  });

  it('keeps the path error as the cause', () => {
    expect(rejection('a..b=c').cause).toBeInstanceOf(InvalidJsonPathError);
  });
});

describe('FieldSelector.matches', () => {
  const pod = {
    metadata: { namespace: 'default', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: { nodeName: 'n1', priority: 0, hostNetwork: false },
    status: { phase: 'Running', nominatedNodeName: null },
  };

  it('requires every term to hold', () => {
    expect(parseFieldSelector('status.phase=Running,spec.nodeName=n1').matches(pod)).toBe(true);
    expect(parseFieldSelector('status.phase=Running,spec.nodeName=n2').matches(pod)).toBe(false);
    expect(parseFieldSelector('status.phase!=Running').matches(pod)).toBe(false);
    expect(parseFieldSelector('status.phase!=Pending').matches(pod)).toBe(true);
  });

  it('compares a missing or null field as ""', () => {
    expect(parseFieldSelector('spec.schedulerName=').matches(pod)).toBe(true);
    expect(parseFieldSelector('status.nominatedNodeName=').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.schedulerName!=').matches(pod)).toBe(false);
    expect(parseFieldSelector('spec.nodeName!=').matches(pod)).toBe(true);
    expect(parseFieldSelector('metadata.name=x').matches({})).toBe(false);
  });

  it('compares numbers and booleans as strings', () => {
    expect(parseFieldSelector('spec.priority=0,spec.hostNetwork=false').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.hostNetwork=true').matches(pod)).toBe(false);
  });

  it('reads bracketed label keys', () => {
    expect(parseFieldSelector("metadata.labels['app.kubernetes.io/name']=web").matches(pod)).toBe(true);
  });
});
