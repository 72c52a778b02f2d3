import { describe, expect, it } from 'vitest';
import {
  ApiError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  isApiError,
  NotFoundError,
  ServerError,
  TimeoutError,
  TooManyRequestsError,
  toApiError,
  UnauthorizedError,
} from './index';

const request = { verb: 'list', resource: 'configmaps', namespace: 'team-a', identity: 'jane' };
const statusBody = (code: number, reason: string, message: string, extra: object = {}) =>
  Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...extra }));

describe('toApiError', () => {
  it.each([
    [400, BadRequestError, 'KW_BAD_REQUEST'],
    [418, BadRequestError, 'KW_BAD_REQUEST'],
    [408, TimeoutError, 'KW_TIMEOUT'],
    [422, InvalidError, 'KW_INVALID'],
    [401, UnauthorizedError, 'KW_UNAUTHORIZED'],
    [403, ForbiddenError, 'KW_FORBIDDEN'],
    [404, NotFoundError, 'KW_NOT_FOUND'],
    [409, ConflictError, 'KW_CONFLICT'],
    [410, GoneError, 'KW_GONE'],
    [429, TooManyRequestsError, 'KW_TOO_MANY_REQUESTS'],
    [500, ServerError, 'KW_SERVER_ERROR'],
    [503, ServerError, 'KW_SERVER_ERROR'],
    [504, TimeoutError, 'KW_TIMEOUT'],
  ])('maps HTTP %i to %o with code %s', (code, type, kwCode) => {
    const error = toApiError({ status: code, body: statusBody(code, 'X', 'server says no') }, request);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe(kwCode);
    expect(error.status).toBe(code);
    expect(error.verb).toBe('list');
    expect(error.resource).toBe('configmaps');
    expect(error.namespace).toBe('team-a');
    expect(error.apiStatus?.message).toBe('server says no');
    expect(error.message).toContain('server says no');
  });

  it('maps a Status with reason Timeout to TimeoutError whatever the status', () => {
    expect(toApiError({ status: 500, body: statusBody(500, 'Timeout', 'too slow') }, request)).toBeInstanceOf(
      TimeoutError,
    );
  });

  it('names identity, verb, resource and namespace in a ForbiddenError message', () => {
    const error = toApiError(
      {
        status: 403,
        body: statusBody(403, 'Forbidden', 'configmaps is forbidden: User "jane" cannot list resource "configmaps"'),
      },
      request,
    );
    expect(error.message).toMatch(
      /^"jane" may not list configmaps in namespace "team-a" \(403\): configmaps is forbidden/,
    );
  });

  it('describes a cluster-wide request without a namespace', () => {
    const error = toApiError({ status: 403 }, { ...request, namespace: undefined });
    expect(error.message).toContain('may not list configmaps cluster-wide');
    expect(error.namespace).toBeUndefined();
  });

  it('takes retryAfterSeconds from the Retry-After header before the Status details', () => {
    const body = statusBody(429, 'TooManyRequests', 'slow down', { details: { retryAfterSeconds: 7 } });
    expect(toApiError({ status: 429, headers: { 'retry-after': '3' }, body }, request).retryAfterSeconds).toBe(3);
    expect(toApiError({ status: 429, body }, request).retryAfterSeconds).toBe(7);
    expect(toApiError({ status: 429, headers: { 'retry-after': 'bogus' }, body }, request).retryAfterSeconds).toBe(7);
  });

  it('reads an HTTP-date Retry-After relative to now', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const error = toApiError(
      { status: 429, headers: { 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' } },
      request,
      now,
    );
    expect(error.retryAfterSeconds).toBe(10);
    expect(error.message).toContain('retry after 10s');
  });

  it('keeps a non-JSON body as text in the message', () => {
    const error = toApiError({ status: 502, body: Buffer.from('Bad Gateway from proxy') }, request);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.apiStatus).toBeUndefined();
    expect(error.message).toContain('Bad Gateway from proxy');
  });

  it('names the object (kind, namespace/name) in a NotFoundError message', () => {
    const error = toApiError({ status: 404 }, { ...request, verb: 'get', name: 'cfg', kind: 'ConfigMap' });
    expect(error.message).toBe(
      'get configmaps "cfg" in namespace "team-a": ConfigMap "team-a/cfg" does not exist (404)',
    );
    const node = toApiError(
      { status: 404 },
      { ...request, verb: 'delete', name: 'n1', kind: 'Node', namespace: undefined },
    );
    expect(node.message).toContain('Node "n1" does not exist (404)');
  });

  it.each([
    ['Expired', 0],
    ['Gone', 500],
  ])('maps a Status with reason %s to GoneError (status %i)', (reason, code) => {
    const error = toApiError({ status: code, body: statusBody(code, reason, 'too old resource version') }, request);
    expect(error).toBeInstanceOf(GoneError);
    expect(error.code).toBe('KW_GONE');
  });

  it('lists each field cause of a 422 in the InvalidError message', () => {
    const body = statusBody(422, 'Invalid', 'Deployment.apps "web" is invalid: ...', {
      details: {
        name: 'web',
        kind: 'Deployment',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: -1: must be greater than or equal to 0',
            field: 'spec.replicas',
          },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
        ],
      },
    });
    const error = toApiError({ status: 422, body }, { ...request, verb: 'create', resource: 'deployments.apps' });
    expect(error).toBeInstanceOf(InvalidError);
    expect(error.message).toBe(
      'create deployments.apps in namespace "team-a" was rejected as invalid (422): spec.replicas: Invalid value: -1: must be greater than or equal to 0; spec.selector: Required value — fix those fields and retry',
    );
  });

  it('names each conflicting field and its manager in a server-side apply ConflictError', () => {
    const body = statusBody(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "alice": .data.color', {
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.color' }] },
    });
    const error = toApiError({ status: 409, body }, { ...request, verb: 'patch', name: 'cfg' });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('on 1 field(s): .data.color (conflict with "alice")');
    expect(error.message).toContain('force: true');
  });

  it('tells a plain 409 to re-read the object', () => {
    const error = toApiError(
      { status: 409, body: statusBody(409, 'Conflict', 'the object has been modified') },
      request,
    );
    expect(error.message).toContain('the object has been modified — read the object again');
  });
});

describe('isApiError', () => {
  it('recognizes API errors, optionally by code', () => {
    const gone = toApiError({ status: 410 }, request);
    expect(isApiError(gone)).toBe(true);
    expect(isApiError(gone, 'KW_GONE')).toBe(true);
    expect(isApiError(gone, 'KW_NOT_FOUND')).toBe(false);
    expect(isApiError(new Error('x'))).toBe(false);
  });
});
