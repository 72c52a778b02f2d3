import { ApiException, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LeaseApiError, LeaseConflictError, LeaseNotFoundError } from './errors';
import { formatMicroTime, parseKubeTime, toLease, toLeaseApiError, toLeaseRecord } from './kube-lease-client';

const record = {
  namespace: 'ns',
  name: 'lock',
  holderIdentity: 'pod-a',
  leaseDurationSeconds: 15,
  acquireTime: new Date('2025-01-02T03:04:05.678Z'),
  renewTime: new Date('2025-01-02T03:04:06.001Z'),
  leaseTransitions: 2,
};

describe('Lease mapping', () => {
  it('writes times as MicroTime: RFC 3339 UTC with six fractional digits', () => {
    expect(formatMicroTime(new Date('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05.678000Z');
    const json = JSON.parse(JSON.stringify(toLease(record, '42', undefined)));
    expect(json.spec).toEqual({
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 15,
      leaseTransitions: 2,
      acquireTime: '2025-01-02T03:04:05.678000Z',
      renewTime: '2025-01-02T03:04:06.001000Z',
    });
    expect(json.metadata).toEqual({ name: 'lock', namespace: 'ns', resourceVersion: '42' });
  });

  it('keeps labels, annotations and unmodelled spec fields of the last Lease read', () => {
    const previous: V1Lease = {
      metadata: { name: 'lock', namespace: 'ns', resourceVersion: '41', labels: { app: 'x' } },
      spec: { holderIdentity: 'old', strategy: 'OldestEmulationVersion', renewTime: new V1MicroTime(0) },
    };
    const lease = toLease({ ...record, renewTime: undefined }, '41', previous);
    expect(lease.metadata).toEqual({ name: 'lock', namespace: 'ns', resourceVersion: '41', labels: { app: 'x' } });
    expect(lease.spec?.strategy).toBe('OldestEmulationVersion');
    expect(lease.spec?.holderIdentity).toBe('pod-a');
    expect(lease.spec && 'renewTime' in lease.spec).toBe(false);
  });

  it('reads MicroTime strings (as client-node returns them) and fills absent fields', () => {
    const lease = {
      metadata: { name: 'lock', namespace: 'ns', resourceVersion: '7' },
      spec: { holderIdentity: 'pod-b', renewTime: '2025-01-02T03:04:05.123456Z' },
    } as unknown as V1Lease;
    expect(toLeaseRecord(lease)).toEqual({
      namespace: 'ns',
      name: 'lock',
      holderIdentity: 'pod-b',
      leaseDurationSeconds: 0,
      acquireTime: undefined,
      renewTime: new Date('2025-01-02T03:04:05.123Z'),
      leaseTransitions: 0,
      resourceVersion: '7',
    });
    expect(parseKubeTime('not a time')).toBeUndefined();
    expect(parseKubeTime(new Date(5))).toEqual(new Date(5));
  });
});

describe('toLeaseApiError', () => {
  const status = (code: number, reason: string) =>
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: `leases "lock" ${reason}`,
      reason,
      code,
    });

  it('maps 409 to LeaseConflictError with the API Status', () => {
    const error = toLeaseApiError(
      new ApiException(409, 'Conflict', status(409, 'Conflict'), {}),
      'update',
      'ns',
      'lock',
    );
    expect(error).toBeInstanceOf(LeaseConflictError);
    expect(error).toMatchObject({
      code: 'KW_CONFLICT',
      status: 409,
      verb: 'update',
      namespace: 'ns',
      value: 'ns/lock',
    });
    expect(error.apiStatus?.reason).toBe('Conflict');
    expect(error.message).toBe('update lease ns/lock: conflict: leases "lock" Conflict');
  });

  it('maps 404 to LeaseNotFoundError and 403 to KW_FORBIDDEN with what to grant', () => {
    expect(
      toLeaseApiError(new ApiException(404, 'x', status(404, 'NotFound'), {}), 'get', 'ns', 'lock'),
    ).toBeInstanceOf(LeaseNotFoundError);
    const forbidden = toLeaseApiError(new ApiException(403, 'x', status(403, 'Forbidden'), {}), 'create', 'ns', 'lock');
    expect(forbidden.code).toBe('KW_FORBIDDEN');
    expect(forbidden.message).toContain('grant get, create and update on leases.coordination.k8s.io');
  });

  it('maps server errors, throttling with Retry-After, transport failures and aborts', () => {
    expect(toLeaseApiError(new ApiException(503, 'x', 'oops', {}), 'get', 'ns', 'lock').code).toBe('KW_SERVER_ERROR');
    const throttled = toLeaseApiError(new ApiException(429, 'x', '', { 'retry-after': '3' }), 'get', 'ns', 'lock');
    expect(throttled).toMatchObject({ code: 'KW_TOO_MANY_REQUESTS', retryAfterSeconds: 3 });
    const network = toLeaseApiError(new TypeError('fetch failed'), 'get', 'ns', 'lock');
    expect(network).toBeInstanceOf(LeaseApiError);
    expect(network).toMatchObject({ code: 'KW_NETWORK', status: 0, message: 'get lease ns/lock failed: fetch failed' });
    const aborted = toLeaseApiError(new DOMException('aborted', 'AbortError'), 'update', 'ns', 'lock');
    expect(aborted.code).toBe('KW_ABORTED');
  });
});
