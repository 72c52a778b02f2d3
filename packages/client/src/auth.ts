import type { RequestOptions } from 'node:https';
import type { Clock } from '@kw/types';
import type { KubeconfigCluster, KubeconfigUser } from './kubeconfig-file';
import { RotatingFile } from './rotating-file';

/** Puts a kubeconfig's credentials and TLS settings on each request the transport sends. */
export interface RequestAuth {
  /** Sets TLS options (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`), `auth` and headers on `options`. */
  apply(options: RequestOptions): Promise<void>;
  /** True when `apply` sets the request's `agent` (client-node's proxy agents); else the transport uses its own pools. */
  readonly ownsAgent: boolean;
}

/**
 * {@link RequestAuth} for a kubeconfig cluster and user without plugins: bearer `token` or
 * `tokenFile`, client certificate and key (files or `-data`), basic auth, `as` impersonation,
 * the cluster's CA, `tls-server-name` and `insecure-skip-tls-verify`. Files are read on the first
 * request and re-read at most once a minute (rotation), as client-node's token-file auth does.
 * A bearer token wins over basic auth, as with client-node.
 */
export class KubeconfigAuth implements RequestAuth {
  readonly ownsAgent = false;
  readonly #static: Pick<RequestOptions, 'rejectUnauthorized' | 'servername' | 'auth'>;
  readonly #headers: Record<string, string>;
  readonly #token: (() => string) | undefined;
  readonly #ca: (() => Buffer) | undefined;
  readonly #cert: (() => Buffer) | undefined;
  readonly #key: (() => Buffer) | undefined;

  constructor(cluster: KubeconfigCluster, user: KubeconfigUser | undefined, clock: Clock) {
    this.#static = {
      ...(cluster.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
      ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
      ...(user?.username ? { auth: `${user.username}:${user.password ?? ''}` } : {}),
    };
    this.#headers = user?.as ? { 'Impersonate-User': user.as } : {};
    this.#ca = source(cluster.certificateAuthority, cluster.certificateAuthorityData, clock);
    this.#cert = source(user?.clientCertificate, user?.clientCertificateData, clock);
    this.#key = source(user?.clientKey, user?.clientKeyData, clock);
    if (user?.token) {
      const token = user.token;
      this.#token = () => token;
    } else if (user?.tokenFile) {
      const file = new RotatingFile(user.tokenFile, clock);
      this.#token = () => file.read().toString('utf8').trim();
    }
  }

  async apply(options: RequestOptions): Promise<void> {
    Object.assign(options, this.#static);
    if (this.#ca) options.ca = this.#ca();
    if (this.#cert) options.cert = this.#cert();
    if (this.#key) options.key = this.#key();
    const token = this.#token?.();
    const headers: Record<string, string> = token
      ? { ...this.#headers, Authorization: `Bearer ${token}` }
      : this.#headers;
    options.headers = { ...options.headers, ...headers };
  }
}

/** Contents of a `<name>` file (re-read on rotation) or a `<name>-data` base64 value, whichever is set (the file wins). */
function source(file: string | undefined, data: string | undefined, clock: Clock): (() => Buffer) | undefined {
  if (file) {
    const rotating = new RotatingFile(file, clock);
    return () => rotating.read();
  }
  if (data) {
    const decoded = Buffer.from(data, 'base64');
    return () => decoded;
  }
  return undefined;
}
