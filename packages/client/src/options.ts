import type { Instrumentation } from '@kw/types';
import pkg from '../package.json' with { type: 'json' };
import type { KubeConfigLike } from './client-node-auth';
import { type Clock, systemClock } from './clock';
import { InvalidConfigError } from './errors';

/** Options of `createClient()`. Every field is optional; see {@link CLIENT_DEFAULTS}. */
export interface ClientOptions {
  /**
   * A loaded `@kubernetes/client-node` `KubeConfig` to use as is (its current context; auth and TLS
   * through its `applyToHTTPSOptions`). Excludes `kubeconfigPath` and `inCluster`. Not needed in the
   * common case: kw reads kubeconfigs itself, without loading client-node.
   */
  kubeConfig?: KubeConfigLike;
  /** Kubeconfig file to load instead of `KUBECONFIG` / `~/.kube/config`. */
  kubeconfigPath?: string;
  /** Kubeconfig context to use instead of `current-context`. */
  context?: string;
  /**
   * Use the pod's service account. Default: in-cluster when `KUBERNETES_SERVICE_HOST` is set and the
   * service-account token file exists, else `KUBECONFIG` / `~/.kube/config`.
   */
  inCluster?: boolean;
  /** Sustained client-side requests per second, watch starts included; `Infinity` disables the limit. */
  qps?: number;
  /** Requests allowed in a burst before `qps` applies. */
  burst?: number;
  /** `User-Agent` header. */
  userAgent?: string;
  /** Deadline of a non-watch request (discovery, list page, get), ms, from sending to the last body byte. */
  requestTimeoutMs?: number;
  /**
   * Bounded retry of idempotent single-shot reads (`get`, discovery for `resolve`/`resolveName`)
   * answered 429, or 5xx with a `Retry-After`: each retry waits at least `Retry-After` (a 429 without
   * one: 1 s) and goes through the rate limiter; after `maxRetries` the last typed error rejects.
   * `maxRetries: 0` disables it. `list` and `watch` are never retried here (the watcher owns that).
   */
  retryAfter?: { maxRetries?: number };
  /** Time source of the rate limiter, of `retryAfter` waits and of re-reading token and certificate files (tests). */
  clock?: Clock;
  /**
   * Hooks told about every HTTP request (`requestDone`: method, verb, resource, host, status — 0
   * for a transport error —, seconds, response bytes; a watch at its response headers) and every
   * rate-limiter wait (`rateLimiterWait`), e.g. `new Metrics()` from `@kw/metrics`. Absent: no cost
   * beyond one `undefined` check per request.
   */
  instrumentation?: Instrumentation;
}

/** Default values of {@link ClientOptions}. */
export const CLIENT_DEFAULTS = {
  qps: 50,
  burst: 100,
  userAgent: `kw/${pkg.version} (node ${process.version})`,
  requestTimeoutMs: 30_000,
  /** Retries of a `get` or discovery read answered 429 (or 5xx with `Retry-After`). */
  retryAfter: { maxRetries: 3 },
  /** Where the pod's service-account token, CA and namespace are mounted. */
  serviceAccountDir: '/var/run/secrets/kubernetes.io/serviceaccount',
  /** Namespace when neither the context nor the service account names one. */
  namespace: 'default',
} as const;

/** {@link ClientOptions} with defaults applied and checked; what the client runs on. */
export interface ResolvedClientOptions {
  qps: number;
  burst: number;
  userAgent: string;
  requestTimeoutMs: number;
  maxRetries: number;
  clock: Clock;
  instrumentation: Instrumentation | undefined;
}

/** Applies {@link CLIENT_DEFAULTS} and validates; throws `InvalidConfigError` naming the field and value. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const requestTimeoutMs = options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs;
  if (!(requestTimeoutMs > 0)) {
    throw new InvalidConfigError(
      'requestTimeoutMs',
      `requestTimeoutMs ${requestTimeoutMs} must be a positive number of milliseconds`,
      requestTimeoutMs,
    );
  }
  const maxRetries = options.retryAfter?.maxRetries ?? CLIENT_DEFAULTS.retryAfter.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidConfigError(
      'retryAfter.maxRetries',
      `retryAfter.maxRetries ${maxRetries} must be an integer ≥ 0 (0 disables retrying get, discovery and idempotent writes)`,
      maxRetries,
    );
  }
  const qps = options.qps ?? CLIENT_DEFAULTS.qps;
  const burst = options.burst ?? CLIENT_DEFAULTS.burst;
  checkRate(qps, burst);
  const { instrumentation } = options;
  if (instrumentation !== undefined && (typeof instrumentation !== 'object' || instrumentation === null)) {
    throw new InvalidConfigError(
      'instrumentation',
      `instrumentation ${String(instrumentation)} must be an object implementing Instrumentation (e.g. new Metrics() from @kw/metrics) or undefined`,
      instrumentation,
    );
  }
  return {
    qps,
    burst,
    userAgent: options.userAgent ?? CLIENT_DEFAULTS.userAgent,
    requestTimeoutMs,
    maxRetries,
    clock: options.clock ?? systemClock,
    instrumentation,
  };
}

/** Checks a rate limit: `qps` > 0 (or `Infinity`), `burst` an integer ≥ 1. */
export function checkRate(qps: number, burst: number): void {
  if (!(qps > 0) || Number.isNaN(qps)) {
    throw new InvalidConfigError('qps', `qps ${qps} must be a positive number (requests per second) or Infinity`, qps);
  }
  if (!Number.isInteger(burst) || burst < 1) {
    throw new InvalidConfigError('burst', `burst ${burst} must be an integer ≥ 1 (requests allowed at once)`, burst);
  }
}
