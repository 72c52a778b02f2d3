import { InvalidConfigError, UnknownResourceError } from '@kw/client';
import type { ApiErrorShape } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors';
import { EXIT_CODES } from './exit-codes';
import { reportError } from './report-error';

function apiError(code: 'KW_FORBIDDEN' | 'KW_UNAUTHORIZED', fields: Partial<ApiErrorShape>): ApiErrorShape {
  return Object.assign(new Error('server said no'), {
    code,
    status: code === 'KW_FORBIDDEN' ? 403 : 401,
    verb: 'list',
    resource: 'ingresses.networking.k8s.io',
    namespace: 'team-a',
    apiStatus: undefined,
    retryAfterSeconds: undefined,
    ...fields,
  });
}

describe('reportError', () => {
  it('names the verb, resource, namespace and identity of a 403, with exit code 3', () => {
    const report = reportError(apiError('KW_FORBIDDEN', {}), {
      identity: 'kw-restricted',
      neededVerbs: ['list', 'watch'],
    });
    expect(report.exitCode).toBe(EXIT_CODES.forbidden);
    expect(report.message).toBe(
      'kw: forbidden: "kw-restricted" may not list ingresses.networking.k8s.io in namespace "team-a" — it needs RBAC permission to list and watch ingresses.networking.k8s.io (check: kubectl auth can-i list ingresses.networking.k8s.io -n team-a)',
    );
  });

  it('says "cluster scope" for a 403 without a namespace', () => {
    const report = reportError(apiError('KW_FORBIDDEN', { namespace: undefined, verb: 'watch' }), { identity: 'me' });
    expect(report.message).toContain('may not watch ingresses.networking.k8s.io at cluster scope (all namespaces)');
    expect(report.message).toContain('kubectl auth can-i watch ingresses.networking.k8s.io -A');
  });

  it('names the discovery document for a 403 on discovery, with exit code 3', () => {
    const report = reportError(apiError('KW_FORBIDDEN', { verb: 'discover', resource: 'apis', namespace: undefined }), {
      identity: 'me',
      neededVerbs: ['list', 'watch'],
    });
    expect(report).toEqual({
      exitCode: EXIT_CODES.forbidden,
      message:
        'kw: forbidden: "me" may not read API discovery (apis) — it needs get on the non-resource URLs /api and /apis (the system:discovery ClusterRole grants it)',
    });
  });

  it("keeps @kw/client's unknown or malformed resource name message, with exit code 2", () => {
    const unknown = new UnknownResourceError(
      'unknown resource "frobs": the server serves no resource named "frobs"',
      'frobs',
    );
    expect(reportError(unknown)).toEqual({
      exitCode: EXIT_CODES.usage,
      message: 'kw: unknown resource "frobs": the server serves no resource named "frobs"',
    });
    expect(
      reportError(new InvalidConfigError('resource', 'resource "a_b": invalid segment "a_b"', 'a_b')).exitCode,
    ).toBe(2);
  });

  it('reports a 401 as rejected credentials, exit code 3', () => {
    const report = reportError(apiError('KW_UNAUTHORIZED', {}), { identity: 'me' });
    expect(report).toEqual({
      exitCode: EXIT_CODES.forbidden,
      message:
        'kw: unauthorized: the API server rejected the credentials of "me" — refresh them or choose another --kubeconfig/--context',
    });
  });

  it('keeps a configuration error message, first line only, with exit code 2', () => {
    const jsonPath = Object.assign(new Error('indexBy[0] "metadata..name": empty segment\nmore'), {
      code: 'KW_INVALID_JSONPATH',
    });
    expect(reportError(jsonPath)).toEqual({ exitCode: 2, message: 'kw: indexBy[0] "metadata..name": empty segment' });
    expect(reportError(new UsageError('bad flag', 'x')).exitCode).toBe(2);
  });

  it('gives exit code 2 to a request the server rejected as invalid (400 or 422)', () => {
    const rejected = (code: string) => Object.assign(new Error('the server rejected the request'), { code });
    expect(reportError(rejected('KW_BAD_REQUEST')).exitCode).toBe(EXIT_CODES.usage);
    expect(reportError(rejected('KW_INVALID'))).toEqual({
      exitCode: EXIT_CODES.usage,
      message: 'kw: the server rejected the request',
    });
  });

  it('reports other errors as failures with exit code 1', () => {
    expect(reportError(new Error('socket hang up'))).toEqual({ exitCode: 1, message: 'kw: socket hang up' });
    expect(reportError('plain string').exitCode).toBe(1);
  });
});
