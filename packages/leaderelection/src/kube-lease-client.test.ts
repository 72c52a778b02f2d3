import type { KubeObject, ResolvedResource } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { createLeaseClient, LEASE_RESOURCE } from './index';
import { formatMicroTime, type Lease, type LeaseApi, parseKubeTime, toLease, toLeaseRecord } from './kube-lease-client';

const record = {
  namespace: 'ns',
  name: 'lock',
  holderIdentity: 'pod-a',
  leaseDurationSeconds: 15,
  acquireTime: new Date('2025-01-02T03:04:05.678Z'),
  renewTime: new Date('2025-01-02T03:04:06.001Z'),
  leaseTransitions: 2,
};

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Call {
  verb: 'get' | 'create' | 'replace';
  resource: ResolvedResource;
  namespace: string | undefined;
  body?: unknown;
  name?: string;
  signal?: AbortSignal | undefined;
}

/** A LeaseApi that answers from `answer` and records every call with its body as JSON. */
function fakeApi(answer: (call: Call) => Lease): { api: LeaseApi; calls: Call[] } {
  const calls: Call[] = [];
  const respond = async <T extends KubeObject>(call: Call): Promise<T> => {
    calls.push(call);
    return answer(call) as T;
  };
  const api: LeaseApi = {
    get: (resource, namespace, name, options) =>
      respond({ verb: 'get', resource, namespace, name, signal: options?.signal }),
    create: (resource, namespace, obj, options) =>
      respond({ verb: 'create', resource, namespace, body: JSON.parse(JSON.stringify(obj)), signal: options?.signal }),
    replace: (resource, namespace, obj, options) =>
      respond({ verb: 'replace', resource, namespace, body: JSON.parse(JSON.stringify(obj)), signal: options?.signal }),
  };
  return { api, calls };
}

const stored = (body: unknown, resourceVersion: string): Lease => {
  const lease = body as Lease;
  return { ...lease, metadata: { ...lease.metadata, resourceVersion } };
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
    const previous: Lease = {
      metadata: { name: 'lock', namespace: 'ns', resourceVersion: '41', labels: { app: 'x' } },
      spec: { holderIdentity: 'old', strategy: 'OldestEmulationVersion', renewTime: '1970-01-01T00:00:00.000000Z' },
    };
    const lease = toLease({ ...record, renewTime: undefined }, '41', previous);
    expect(lease.metadata).toEqual({ name: 'lock', namespace: 'ns', resourceVersion: '41', labels: { app: 'x' } });
    expect(lease.spec?.strategy).toBe('OldestEmulationVersion');
    expect(lease.spec?.holderIdentity).toBe('pod-a');
    expect(lease.spec && 'renewTime' in lease.spec).toBe(false);
  });

  it('reads MicroTime strings and fills absent fields', () => {
    const lease: Lease = {
      metadata: { name: 'lock', namespace: 'ns', resourceVersion: '7' },
      spec: { holderIdentity: 'pod-b', renewTime: '2025-01-02T03:04:05.123456Z' },
    };
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

describe('createLeaseClient', () => {
  it('creates, reads and replaces coordination.k8s.io/v1 leases through the injected API', async () => {
    let version = 0;
    const { api, calls } = fakeApi((call) => {
      if (call.verb === 'get')
        return {
          metadata: { name: 'lock', namespace: 'ns', resourceVersion: String(version), labels: { app: 'x' } },
          spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, strategy: 'OldestEmulationVersion' },
        };
      return stored(call.body, String(++version));
    });
    const client = createLeaseClient({ api });
    const signal = new AbortController().signal;

    const created = await client.create(record, { signal });
    const read = await client.get('ns', 'lock');
    const updated = await client.update({ ...record, holderIdentity: 'pod-b', resourceVersion: '1' });

    expect(calls.map((c) => [c.verb, c.namespace, c.name])).toEqual([
      ['create', 'ns', undefined],
      ['get', 'ns', 'lock'],
      ['replace', 'ns', undefined],
    ]);
    expect(calls.every((c) => c.resource === LEASE_RESOURCE)).toBe(true);
    expect(LEASE_RESOURCE).toMatchObject({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' });
    expect(calls[0]?.signal).toBe(signal);
    expect(calls[0]?.body).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lock', namespace: 'ns' },
      spec: {
        holderIdentity: 'pod-a',
        leaseDurationSeconds: 15,
        leaseTransitions: 2,
        acquireTime: '2025-01-02T03:04:05.678000Z',
        renewTime: '2025-01-02T03:04:06.001000Z',
      },
    });
    // The PUT carries the record's version and keeps what the last read had beyond the record.
    expect(calls[2]?.body).toMatchObject({
      metadata: { name: 'lock', namespace: 'ns', resourceVersion: '1', labels: { app: 'x' } },
      spec: { holderIdentity: 'pod-b', strategy: 'OldestEmulationVersion' },
    });
    expect(created).toMatchObject({ holderIdentity: 'pod-a', resourceVersion: '1', renewTime: record.renewTime });
    expect(read).toMatchObject({ holderIdentity: 'pod-a', resourceVersion: '1' });
    expect(updated).toMatchObject({ holderIdentity: 'pod-b', resourceVersion: '2' });
  });

  it('resolves undefined for a missing lease and passes every other typed error through unchanged', async () => {
    const conflict = new CodedError('KW_CONFLICT', 'leases "lock": the object has been modified');
    const { api } = fakeApi((call) => {
      if (call.verb === 'get') throw new CodedError('KW_NOT_FOUND', 'leases "lock" not found');
      throw conflict;
    });
    const client = createLeaseClient({ api });

    await expect(client.get('ns', 'lock')).resolves.toBeUndefined();
    await expect(client.update({ ...record, resourceVersion: '3' })).rejects.toBe(conflict);
    await expect(client.create(record)).rejects.toBe(conflict);
  });

  it('rejects reads that fail for another reason', async () => {
    const forbidden = new CodedError('KW_FORBIDDEN', 'leases "lock" is forbidden');
    const { api } = fakeApi(() => {
      throw forbidden;
    });
    await expect(createLeaseClient({ api }).get('ns', 'lock')).rejects.toBe(forbidden);
  });
});
