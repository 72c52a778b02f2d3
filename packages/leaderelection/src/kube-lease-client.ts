import type { KubeClient, KubeObject, ObjectMeta, ResolvedResource } from '@kw/types';
import type { LeaseClient, LeaseRecord, NewLeaseRecord } from './lease-client';

/**
 * `coordination.k8s.io/v1` `leases`, namespaced. Static rather than resolved through discovery:
 * every Kubernetes since 1.14 serves it, and a discovery round trip (and its RBAC) would buy nothing.
 */
export const LEASE_RESOURCE: ResolvedResource = Object.freeze({
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
  verbs: Object.freeze(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
});

/** A `coordination.k8s.io/v1` Lease as JSON; times are MicroTime strings. Compatible with client-node's `V1Lease`. */
export interface Lease extends KubeObject {
  metadata?: ObjectMeta;
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string | Date;
    renewTime?: string | Date;
    leaseTransitions?: number;
    [field: string]: unknown;
  };
}

/** The reads and writes a Lease client needs: `createClient()` from `@kw/client` provides them, a fake in tests. */
export type LeaseApi = Pick<KubeClient, 'get' | 'create' | 'replace'>;

/** Options of {@link createLeaseClient}. */
export interface LeaseClientOptions {
  /**
   * The API to write the Lease through, e.g. `createClient()` from `@kw/client`
   * (its QPS limit, `Retry-After` handling and typed errors apply). The identity needs get,
   * create and update on `leases.coordination.k8s.io` in the Lease's namespace.
   */
  api: LeaseApi;
}

/**
 * A {@link LeaseClient} on the Kubernetes API (`coordination.k8s.io/v1`). Updates are PUTs
 * carrying the record's `resourceVersion`, so the API server rejects stale writes with 409
 * (code `KW_CONFLICT`, from the client); labels, annotations and other spec fields of the last
 * Lease read are preserved. Times are written as MicroTime (RFC 3339 with microseconds).
 */
export function createLeaseClient(options: LeaseClientOptions): LeaseClient {
  const { api } = options;
  /** Last Lease seen per `namespace/name`, so a PUT keeps the fields a LeaseRecord does not model. */
  const seen = new Map<string, Lease>();
  const remember = (lease: Lease): LeaseRecord => {
    const record = toLeaseRecord(lease);
    seen.set(`${record.namespace}/${record.name}`, lease);
    return record;
  };
  return {
    async get(namespace, name, requestOptions) {
      try {
        return remember(await api.get<Lease>(LEASE_RESOURCE, namespace, name, signalOnly(requestOptions)));
      } catch (error) {
        if (codeOf(error) !== 'KW_NOT_FOUND') throw error;
        seen.delete(`${namespace}/${name}`);
        return undefined;
      }
    },
    async create(record, requestOptions) {
      const body = toLease(record, undefined, undefined);
      return remember(await api.create<Lease>(LEASE_RESOURCE, record.namespace, body, signalOnly(requestOptions)));
    },
    async update(record, requestOptions) {
      const body = toLease(record, record.resourceVersion, seen.get(`${record.namespace}/${record.name}`));
      return remember(await api.replace<Lease>(LEASE_RESOURCE, record.namespace, body, signalOnly(requestOptions)));
    },
  };
}

function signalOnly(options: { signal?: AbortSignal } | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** A Kubernetes MicroTime string: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}

/** Parses a MicroTime/Time value (a string from JSON, or a `Date`). */
export function parseKubeTime(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  if (typeof value !== 'string' || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Builds the Lease to write, starting from `previous` so unmodelled fields survive. */
export function toLease(
  record: NewLeaseRecord,
  resourceVersion: string | undefined,
  previous: Lease | undefined,
): Lease {
  const metadata: ObjectMeta = { ...previous?.metadata, name: record.name, namespace: record.namespace };
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  const spec: NonNullable<Lease['spec']> = {
    ...previous?.spec,
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
  };
  delete spec.acquireTime;
  delete spec.renewTime;
  if (record.acquireTime !== undefined) spec.acquireTime = formatMicroTime(record.acquireTime);
  if (record.renewTime !== undefined) spec.renewTime = formatMicroTime(record.renewTime);
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
}

/** Reads the leader-election fields of a Lease. */
export function toLeaseRecord(lease: Lease): LeaseRecord {
  const spec = lease.spec;
  return {
    namespace: lease.metadata?.namespace ?? '',
    name: lease.metadata?.name ?? '',
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseKubeTime(spec?.acquireTime),
    renewTime: parseKubeTime(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}
