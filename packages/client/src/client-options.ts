import type { KubeConfig } from '@kubernetes/client-node';
import pkg from '../package.json' with { type: 'json' };
import type { Clock } from './rate-limiter';

/** Options of `createClient()`. Every field is optional; see {@link CLIENT_DEFAULTS}. */
export interface ClientOptions {
  /** A loaded `KubeConfig` to use as is (its current context). Excludes `kubeconfigPath` and `inCluster`. */
  kubeConfig?: KubeConfig;
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
  /** Time source of the rate limiter (tests). */
  clock?: Clock;
}

/** Default values of {@link ClientOptions}. */
export const CLIENT_DEFAULTS = {
  qps: 50,
  burst: 100,
  userAgent: `kw/${pkg.version} (node ${process.version})`,
  requestTimeoutMs: 30_000,
  /** Where the pod's service-account token, CA and namespace are mounted. */
  serviceAccountDir: '/var/run/secrets/kubernetes.io/serviceaccount',
  /** Namespace when neither the context nor the service account names one. */
  namespace: 'default',
} as const;
