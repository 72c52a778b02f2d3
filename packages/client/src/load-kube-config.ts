import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Clock } from '@kw/types';
import { KubeconfigAuth, type RequestAuth } from './auth';
import { ClientNodeAuth, type KubeConfigLike } from './client-node-auth';
import { systemClock } from './clock';
import { InvalidConfigError } from './errors';
import { identityOf } from './identity';
import { inClusterKubeconfig, serviceAccountFile } from './in-cluster';
import { type Kubeconfig, mergeKubeconfigs, readKubeconfig } from './kubeconfig-file';
import { CLIENT_DEFAULTS, type ClientOptions } from './options';

/**
 * Where a client connects and as whom, as `createClient()` loaded it: plain data, no credentials.
 * `KubeClient.config`.
 */
export interface ClientConfig {
  /** `kubeconfig` (files), `inCluster` (the pod's service account) or `kubeConfig` (a client-node `KubeConfig` passed in). */
  source: 'kubeconfig' | 'inCluster' | 'kubeConfig';
  /** Kubeconfig files read, in merge order; `[]` for `inCluster` and `kubeConfig`. */
  files: readonly string[];
  /** The context in use. */
  context: string;
  /** The context's cluster entry. */
  cluster: string;
  /** The context's user entry, if it names one. */
  user: string | undefined;
  /** The API server URL as configured (`https://host:6443`). */
  server: string;
  /**
   * True when auth and TLS go through `@kubernetes/client-node`: an `exec` or `auth-provider` user,
   * a `proxy-url` cluster (client-node is then imported on the first request) or a `kubeConfig` passed in.
   */
  clientNode: boolean;
}

/** A validated kubeconfig plus what the client derives from it. */
export interface LoadedKubeConfig {
  /** Base URL of the API server (`https://host:6443/optional/prefix`). */
  server: URL;
  defaultNamespace: string;
  identity: string;
  /** Applies credentials and TLS settings to each request. */
  auth: RequestAuth;
  config: ClientConfig;
}

/** Where to look for configuration; tests point it at a temp dir. */
export interface ConfigEnvironment {
  /** `KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` (client-node's `loadFromCluster(pathPrefix)`). */
  pathPrefix: string;
}

const processEnvironment: ConfigEnvironment = { env: process.env, pathPrefix: '' };

/**
 * Loads and validates the kubeconfig `createClient()` uses: `options.kubeConfig`, else
 * `kubeconfigPath`, else in-cluster (explicit or detected), else `KUBECONFIG` (several files
 * merged) / `~/.kube/config`. Parses kubeconfigs itself; `@kubernetes/client-node` is used only
 * for a `kubeConfig` passed in and, loaded on the first request, for `exec` / `auth-provider`
 * users and `proxy-url` clusters. `clock` times the re-reading of token and certificate files.
 */
export function loadKubeConfig(
  options: ClientOptions,
  environment: ConfigEnvironment = processEnvironment,
  clock: Clock = systemClock,
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
  if (options.kubeConfig) return fromKubeConfig(options.kubeConfig, options.context);

  let kubeconfig: Kubeconfig;
  let source: ClientConfig['source'] = 'kubeconfig';
  if (options.kubeconfigPath !== undefined) {
    try {
      kubeconfig = readKubeconfig(options.kubeconfigPath);
    } catch (error) {
      throw new InvalidConfigError(
        'kubeconfigPath',
        `kubeconfigPath "${options.kubeconfigPath}" could not be loaded: ${(error as Error).message} — check the path and YAML`,
        options.kubeconfigPath,
        error,
      );
    }
  } else {
    const { env, pathPrefix } = environment;
    const inCluster =
      options.inCluster ??
      (Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(serviceAccountFile(pathPrefix, 'token')));
    if (inCluster) {
      if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
        throw new InvalidConfigError(
          'inCluster',
          'inCluster is true but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set — run inside a pod or pass kubeconfigPath',
          env.KUBERNETES_SERVICE_HOST,
        );
      }
      kubeconfig = inClusterKubeconfig(env.KUBERNETES_SERVICE_HOST, env.KUBERNETES_SERVICE_PORT, pathPrefix);
      source = 'inCluster';
    } else {
      kubeconfig = loadDefault(env);
    }
  }

  const known = kubeconfig.contexts.map((c) => c.name);
  if (options.context !== undefined) checkContext(options.context, known);
  const contextName = options.context ?? kubeconfig.currentContext;
  const context = kubeconfig.contexts.find((c) => c.name === contextName);
  const cluster = context && kubeconfig.clusters.find((c) => c.name === context.cluster);
  if (!context || !cluster) throw noCluster(contextName, known);
  const server = checkServer(cluster.name, cluster.server, cluster.insecureSkipTlsVerify, cluster.proxyUrl);
  const user = context.user === undefined ? undefined : kubeconfig.users.find((u) => u.name === context.user);
  const clientNode = user?.plugin !== undefined || cluster.proxyUrl !== undefined;
  return {
    server,
    defaultNamespace: context.namespace?.trim() || CLIENT_DEFAULTS.namespace,
    identity: identityOf(user),
    auth: clientNode ? ClientNodeAuth.lazy(context, cluster, user) : new KubeconfigAuth(cluster, user, clock),
    config: {
      source,
      files: kubeconfig.files,
      context: context.name,
      cluster: cluster.name,
      user: context.user,
      server: cluster.server,
      clientNode,
    },
  };
}

/** `KUBECONFIG` (its existing files, merged), else `~/.kube/config`. */
function loadDefault(env: ConfigEnvironment['env']): Kubeconfig {
  const paths = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (paths.length === 0) {
    const home = env.HOME || env.USERPROFILE || homedir();
    const path = join(home, '.kube', 'config');
    if (!existsSync(path)) {
      throw new InvalidConfigError(
        'KUBECONFIG',
        `no kubeconfig found: KUBECONFIG is not set, ${path} does not exist and this is not a pod (KUBERNETES_SERVICE_HOST and the service-account token) — pass kubeconfigPath, set KUBECONFIG or create ~/.kube/config`,
        env.KUBECONFIG,
      );
    }
    paths.push(path);
  }
  const failed = (error: unknown): InvalidConfigError =>
    new InvalidConfigError(
      'KUBECONFIG',
      `the default kubeconfig (KUBECONFIG or ~/.kube/config) could not be loaded: ${(error as Error).message}`,
      env.KUBECONFIG,
      error,
    );
  const loaded: Kubeconfig[] = [];
  for (const path of paths) {
    try {
      loaded.push(readKubeconfig(path));
    } catch (error) {
      // As client-go: a listed file that does not exist is skipped; any other problem is an error.
      if (paths.length > 1 && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw failed(error);
    }
  }
  if (loaded.length === 0) throw failed(new Error(`none of the files in KUBECONFIG exist: ${paths.join(', ')}`));
  return mergeKubeconfigs(loaded);
}

/** A client-node `KubeConfig` passed in: validated as before, used through its own `applyToHTTPSOptions`. */
function fromKubeConfig(kubeConfig: KubeConfigLike, contextOption: string | undefined): LoadedKubeConfig {
  const known = kubeConfig.getContexts().map((c) => c.name);
  if (contextOption !== undefined) {
    checkContext(contextOption, known);
    kubeConfig.setCurrentContext(contextOption);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw noCluster(kubeConfig.getCurrentContext() || undefined, known);
  const server = checkServer(cluster.name, cluster.server, cluster.skipTLSVerify === true, cluster.proxyUrl);
  const contextName = kubeConfig.getCurrentContext();
  const context = kubeConfig.getContextObject(contextName);
  const user = kubeConfig.getCurrentUser();
  const tokenFile = (user?.authProvider as { config?: { tokenFile?: unknown } } | undefined)?.config?.tokenFile;
  return {
    server,
    defaultNamespace: context?.namespace?.trim() || CLIENT_DEFAULTS.namespace,
    identity: identityOf(
      user
        ? {
            name: user.name,
            as: user.impersonateUser,
            username: user.username,
            token: user.token,
            tokenFile: typeof tokenFile === 'string' ? tokenFile : undefined,
          }
        : undefined,
    ),
    auth: ClientNodeAuth.of(kubeConfig),
    config: {
      source: 'kubeConfig',
      files: [],
      context: contextName,
      cluster: cluster.name,
      user: context?.user,
      server: cluster.server,
      clientNode: true,
    },
  };
}

/** Throws unless `context` is one of the kubeconfig's `known` contexts. */
function checkContext(context: string, known: readonly string[]): void {
  if (known.includes(context)) return;
  throw new InvalidConfigError(
    'context',
    `context "${context}" is not in the kubeconfig — known contexts: ${known.join(', ') || '(none)'}`,
    context,
  );
}

/** The context in use (or none: no `current-context`) leads to no cluster. */
function noCluster(context: string | undefined, known: readonly string[]): InvalidConfigError {
  const contexts = `known contexts: ${known.join(', ') || '(none)'}`;
  return new InvalidConfigError(
    'context',
    context === undefined
      ? `the kubeconfig sets no current-context — set current-context or pass the context option (${contexts})`
      : `kubeconfig context "${context}" names no known cluster — set current-context or pass the context option (${contexts})`,
    context,
  );
}

/** Parses a cluster's server URL; throws unless it is https, or http with `insecure-skip-tls-verify` or a proxy. */
function checkServer(name: string, url: string, skipTlsVerify: boolean, proxyUrl: string | undefined): URL {
  let server: URL;
  try {
    server = new URL(url);
  } catch (error) {
    throw new InvalidConfigError('cluster.server', `cluster "${name}" has an invalid server URL "${url}"`, url, error);
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') {
    throw new InvalidConfigError('cluster.server', `cluster "${name}" server "${url}" must be http(s)`, url);
  }
  if (server.protocol === 'http:' && !skipTlsVerify && !proxyUrl) {
    throw new InvalidConfigError(
      'cluster.server',
      `cluster "${name}" uses plain http (${url}) without insecure-skip-tls-verify — @kubernetes/client-node refuses that; use https or set insecure-skip-tls-verify: true`,
      url,
    );
  }
  return server;
}
