import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { Kubeconfig } from './kubeconfig-file';
import { CLIENT_DEFAULTS } from './options';

/** The service-account files of a pod, below `pathPrefix` (tests point it at a temp dir). */
export function serviceAccountFile(pathPrefix: string, name: 'token' | 'ca.crt' | 'namespace'): string {
  return `${pathPrefix}${join(CLIENT_DEFAULTS.serviceAccountDir, name)}`;
}

/**
 * The pod's configuration as a one-context kubeconfig, named as client-node names it
 * (`inCluster`, `inClusterUser`, `inClusterContext`): server `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`
 * (an IPv6 host in brackets; `http` for ports 80, 8080 and 8001, as client-node does), the
 * service-account `ca.crt`, its `token` as a token file (re-read for rotation) and the
 * `namespace` file when present. The caller checks that host and port are set.
 */
export function inClusterKubeconfig(host: string, port: string, pathPrefix: string): Kubeconfig {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const namespaceFile = serviceAccountFile(pathPrefix, 'namespace');
  return {
    clusters: [
      {
        name: 'inCluster',
        server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        certificateAuthority: serviceAccountFile(pathPrefix, 'ca.crt'),
        certificateAuthorityData: undefined,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
        proxyUrl: undefined,
        raw: {},
      },
    ],
    users: [
      {
        name: 'inClusterUser',
        token: undefined,
        tokenFile: serviceAccountFile(pathPrefix, 'token'),
        clientCertificate: undefined,
        clientCertificateData: undefined,
        clientKey: undefined,
        clientKeyData: undefined,
        username: undefined,
        password: undefined,
        as: undefined,
        plugin: undefined,
        raw: {},
      },
    ],
    contexts: [
      {
        name: 'inClusterContext',
        cluster: 'inCluster',
        user: 'inClusterUser',
        namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8') : undefined,
      },
    ],
    currentContext: 'inClusterContext',
    files: [],
  };
}
