import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { InvalidConfigError } from './errors';
import { CLIENT_DEFAULTS, type ClientOptions } from './options';

/** A validated kubeconfig plus what the client derives from it. */
export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** Base URL of the API server (`https://host:6443/optional/prefix`). */
  server: URL;
  defaultNamespace: string;
  identity: string;
}

/** Where to look for in-cluster configuration; tests point it at a temp dir. */
export interface ConfigEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` (client-node's `loadFromCluster(pathPrefix)`). */
  pathPrefix: string;
}

const processEnvironment: ConfigEnvironment = { env: process.env, pathPrefix: '' };

/**
 * Loads and validates the kubeconfig `createClient()` uses: `options.kubeConfig`, else
 * `kubeconfigPath`, else in-cluster (explicit or detected), else `KUBECONFIG` / `~/.kube/config`.
 */
export function loadKubeConfig(
  options: ClientOptions,
  environment: ConfigEnvironment = processEnvironment,
): LoadedKubeConfig {
  const sources = [
    options.kubeConfig && 'kubeConfig',
    options.kubeconfigPath && 'kubeconfigPath',
    options.inCluster && 'inCluster',
  ]
    .filter(Boolean)
    .join(', ');
  if (sources.includes(',')) {
    throw new InvalidConfigError(
      sources.split(', ')[1] ?? sources,
      `options ${sources} exclude each other — pass only one source of configuration`,
      sources,
    );
  }
  const tokenPath = `${environment.pathPrefix}${join(CLIENT_DEFAULTS.serviceAccountDir, 'token')}`;
  let kubeConfig: KubeConfig;
  let inCluster = false;
  if (options.kubeConfig) {
    kubeConfig = options.kubeConfig;
  } else if (options.kubeconfigPath !== undefined) {
    kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromFile(options.kubeconfigPath);
    } catch (error) {
      throw new InvalidConfigError(
        'kubeconfigPath',
        `kubeconfigPath "${options.kubeconfigPath}" could not be loaded: ${(error as Error).message} — check the path and YAML`,
        options.kubeconfigPath,
        error,
      );
    }
  } else {
    inCluster = options.inCluster ?? (Boolean(environment.env.KUBERNETES_SERVICE_HOST) && existsSync(tokenPath));
    kubeConfig = new KubeConfig();
    if (inCluster) {
      if (!environment.env.KUBERNETES_SERVICE_HOST || !environment.env.KUBERNETES_SERVICE_PORT) {
        throw new InvalidConfigError(
          'inCluster',
          'inCluster is true but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set — run inside a pod or pass kubeconfigPath',
          environment.env.KUBERNETES_SERVICE_HOST,
        );
      }
      kubeConfig.loadFromCluster(environment.pathPrefix);
    } else {
      try {
        kubeConfig.loadFromDefault();
      } catch (error) {
        throw new InvalidConfigError(
          'KUBECONFIG',
          `the default kubeconfig (KUBECONFIG or ~/.kube/config) could not be loaded: ${(error as Error).message}`,
          environment.env.KUBECONFIG,
          error,
        );
      }
    }
  }

  if (options.context !== undefined) {
    if (!kubeConfig.getContextObject(options.context)) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new InvalidConfigError(
        'context',
        `context "${options.context}" is not in the kubeconfig — known contexts: ${known.join(', ') || '(none)'}`,
        options.context,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }

  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new InvalidConfigError(
      'context',
      `kubeconfig context "${kubeConfig.getCurrentContext()}" names no known cluster — set current-context or pass the context option`,
      kubeConfig.getCurrentContext(),
    );
  }
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch (error) {
    throw new InvalidConfigError(
      'cluster.server',
      `cluster "${cluster.name}" has an invalid server URL "${cluster.server}"`,
      cluster.server,
      error,
    );
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') {
    throw new InvalidConfigError(
      'cluster.server',
      `cluster "${cluster.name}" server "${cluster.server}" must be http(s)`,
      cluster.server,
    );
  }
  if (server.protocol === 'http:' && !cluster.skipTLSVerify && !cluster.proxyUrl) {
    throw new InvalidConfigError(
      'cluster.server',
      `cluster "${cluster.name}" uses plain http (${cluster.server}) without insecure-skip-tls-verify — @kubernetes/client-node refuses that; use https or set insecure-skip-tls-verify: true`,
      cluster.server,
    );
  }

  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  const defaultNamespace = context?.namespace?.trim() || CLIENT_DEFAULTS.namespace;
  return { kubeConfig, server, defaultNamespace, identity: identityOf(kubeConfig.getCurrentUser()) };
}

/**
 * Who a kubeconfig user authenticates as, as well as can be told offline: the impersonated user,
 * the basic-auth user name, the `sub` of a JWT bearer token (service accounts:
 * `system:serviceaccount:<ns>:<name>`), else the user entry's name.
 */
function identityOf(user: User | null): string {
  if (!user) return 'anonymous';
  if (user.impersonateUser) return user.impersonateUser;
  if (user.username) return user.username;
  const tokenFile: unknown = user.authProvider?.config?.tokenFile;
  let token = user.token;
  if (!token && typeof tokenFile === 'string') {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch {
      token = undefined;
    }
  }
  return (token && jwtSubject(token)) || user.name;
}

function jwtSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const sub = (claims as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' && sub !== '' ? sub : undefined;
  } catch {
    return undefined;
  }
}
