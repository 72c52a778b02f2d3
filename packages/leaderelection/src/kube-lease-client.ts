import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Lease,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { ApiStatus, KwErrorCode } from '@kw/types';
import { LeaseApiError, LeaseConflictError, LeaseNotFoundError } from './errors';
import type { LeaseClient, LeaseRecord, LeaseRequestOptions, NewLeaseRecord } from './lease-client';

/** Options of {@link createLeaseClient}. */
export interface LeaseClientOptions {
  /** Cluster and credentials (`kc.loadFromDefault()`); needs get, create and update on `leases` in the namespace. */
  kubeConfig: KubeConfig;
}

/**
 * A {@link LeaseClient} on the Kubernetes API (`coordination.k8s.io/v1`, via `CoordinationV1Api`).
 * Updates are PUTs carrying the record's `resourceVersion`, so the API server rejects stale writes
 * with 409 (`LeaseConflictError`); labels, annotations and other spec fields of the last Lease
 * read are preserved. Times are written as MicroTime (RFC 3339 with microseconds).
 */
export function createLeaseClient(options: LeaseClientOptions): LeaseClient {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  /** Last Lease seen per `namespace/name`, so a PUT keeps the fields a LeaseRecord does not model. */
  const seen = new Map<string, V1Lease>();
  const remember = (lease: V1Lease): LeaseRecord => {
    const record = toLeaseRecord(lease);
    seen.set(`${record.namespace}/${record.name}`, lease);
    return record;
  };
  return {
    async get(namespace, name, requestOptions) {
      try {
        return remember(await api.readNamespacedLease({ namespace, name }, callOptions(requestOptions)));
      } catch (error) {
        const mapped = toLeaseApiError(error, 'get', namespace, name);
        if (mapped.code === 'KW_NOT_FOUND') {
          seen.delete(`${namespace}/${name}`);
          return undefined;
        }
        throw mapped;
      }
    },
    async create(record, requestOptions) {
      try {
        const body = toLease(record, undefined, undefined);
        return remember(
          await api.createNamespacedLease({ namespace: record.namespace, body }, callOptions(requestOptions)),
        );
      } catch (error) {
        throw toLeaseApiError(error, 'create', record.namespace, record.name);
      }
    },
    async update(record, requestOptions) {
      try {
        const body = toLease(record, record.resourceVersion, seen.get(`${record.namespace}/${record.name}`));
        return remember(
          await api.replaceNamespacedLease(
            { namespace: record.namespace, name: record.name, body },
            callOptions(requestOptions),
          ),
        );
      } catch (error) {
        throw toLeaseApiError(error, 'update', record.namespace, record.name);
      }
    },
  };
}

/** Per-call client-node options that attach `signal` to the request (appended to the configured middleware). */
function callOptions(options: LeaseRequestOptions | undefined) {
  const signal = options?.signal;
  if (signal === undefined) return undefined;
  const attachSignal: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
  };
  return { middleware: [attachSignal], middlewareMergeStrategy: 'append' as const };
}

/** A Kubernetes MicroTime string: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}

/** Parses a MicroTime/Time value as client-node hands it over (a string, or a `Date` subclass). */
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
  previous: V1Lease | undefined,
): V1Lease {
  const metadata = { ...previous?.metadata, name: record.name, namespace: record.namespace };
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  const spec = {
    ...previous?.spec,
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
  };
  delete spec.acquireTime;
  delete spec.renewTime;
  if (record.acquireTime !== undefined) spec.acquireTime = microTime(record.acquireTime);
  if (record.renewTime !== undefined) spec.renewTime = microTime(record.renewTime);
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
}

/** client-node serializes a `V1MicroTime` with `toISOString()`, which it overrides to print microseconds. */
function microTime(date: Date): V1MicroTime {
  return new V1MicroTime(date.getTime());
}

/** Reads the leader-election fields of a Lease. */
export function toLeaseRecord(lease: V1Lease): LeaseRecord {
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

const codeByStatus: Record<number, KwErrorCode> = {
  400: 'KW_BAD_REQUEST',
  401: 'KW_UNAUTHORIZED',
  403: 'KW_FORBIDDEN',
  404: 'KW_NOT_FOUND',
  408: 'KW_TIMEOUT',
  409: 'KW_CONFLICT',
  410: 'KW_GONE',
  422: 'KW_BAD_REQUEST',
  429: 'KW_TOO_MANY_REQUESTS',
  504: 'KW_TIMEOUT',
};

/** Maps a client-node failure (an `ApiException`, a fetch/transport error, an abort) to a typed {@link LeaseApiError}. */
export function toLeaseApiError(error: unknown, verb: string, namespace: string, name: string): LeaseApiError {
  if (error instanceof LeaseApiError) return error;
  const where = `${verb} lease ${namespace}/${name}`;
  if (error instanceof ApiException) {
    const status = error.code;
    const apiStatus = parseStatus(error.body);
    const detail = apiStatus?.message ?? `HTTP ${status}`;
    const retryAfter = Number(error.headers?.['retry-after'] ?? apiStatus?.details?.retryAfterSeconds);
    const init = {
      status,
      verb,
      namespace,
      name,
      apiStatus,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
      cause: error,
    };
    if (status === 409) return new LeaseConflictError(`${where}: conflict: ${detail}`, init);
    if (status === 404) return new LeaseNotFoundError(`${where}: not found: ${detail}`, init);
    const code = codeByStatus[status] ?? (status >= 500 ? 'KW_SERVER_ERROR' : 'KW_BAD_REQUEST');
    const hint =
      status === 403 ? ' — grant get, create and update on leases.coordination.k8s.io in this namespace' : '';
    return new LeaseApiError(code, `${where} failed: ${detail}${hint}`, init);
  }
  const aborted = error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
  const message = error instanceof Error ? error.message : String(error);
  return new LeaseApiError(aborted ? 'KW_ABORTED' : 'KW_NETWORK', `${where} failed: ${message}`, {
    status: 0,
    verb,
    namespace,
    name,
    cause: error,
  });
}

function parseStatus(body: unknown): ApiStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && (value as ApiStatus).kind === 'Status'
    ? (value as ApiStatus)
    : undefined;
}
