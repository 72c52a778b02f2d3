import type { RequestOptions } from 'node:https';
import type { RequestAuth } from './auth';
import { MissingDependencyError } from './errors';
import type { KubeconfigCluster, KubeconfigContext, KubeconfigUser } from './kubeconfig-file';

/**
 * The part of `@kubernetes/client-node`'s `KubeConfig` the client uses: pass a `KubeConfig`
 * instance as `kubeConfig` and the client delegates auth and TLS to its `applyToHTTPSOptions`.
 */
export interface KubeConfigLike {
  getCurrentContext(): string;
  setCurrentContext(name: string): void;
  getContexts(): readonly { readonly name: string }[];
  getContextObject(
    name: string,
  ): { readonly name: string; readonly cluster: string; readonly user?: string; readonly namespace?: string } | null;
  getCurrentCluster(): {
    readonly name: string;
    readonly server: string;
    readonly skipTLSVerify?: boolean;
    readonly proxyUrl?: string;
  } | null;
  getCurrentUser(): {
    readonly name: string;
    readonly token?: string;
    readonly username?: string | null;
    readonly impersonateUser?: string | null;
    readonly authProvider?: unknown;
  } | null;
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

/**
 * {@link RequestAuth} through `@kubernetes/client-node`: a `KubeConfig` the caller passed, or one
 * built on the first request (`await import('@kubernetes/client-node')`, the only place the client
 * loads it) for a user with an `exec` plugin or `auth-provider`, or a cluster with `proxy-url`.
 * Each request calls `applyToHTTPSOptions`, so plugins refresh credentials as client-node does.
 */
export class ClientNodeAuth implements RequestAuth {
  readonly ownsAgent: boolean;
  #kubeConfig: KubeConfigLike | Promise<KubeConfigLike> | undefined;
  readonly #build: (() => Promise<KubeConfigLike>) | undefined;

  private constructor(
    ownsAgent: boolean,
    kubeConfig: KubeConfigLike | undefined,
    build?: () => Promise<KubeConfigLike>,
  ) {
    this.ownsAgent = ownsAgent;
    this.#kubeConfig = kubeConfig;
    this.#build = build;
  }

  /** Delegates to the caller's `KubeConfig` (its current cluster and user at each request). */
  static of(kubeConfig: KubeConfigLike): ClientNodeAuth {
    return new ClientNodeAuth(Boolean(kubeConfig.getCurrentCluster()?.proxyUrl), kubeConfig);
  }

  /** Loads client-node on the first request and gives it this one context of a kubeconfig kw parsed. */
  static lazy(
    context: KubeconfigContext,
    cluster: KubeconfigCluster,
    user: KubeconfigUser | undefined,
  ): ClientNodeAuth {
    const build = async (): Promise<KubeConfigLike> => {
      let clientNode: typeof import('@kubernetes/client-node');
      try {
        clientNode = await import('@kubernetes/client-node');
      } catch (error) {
        throw missingClientNode(context, cluster, user, error);
      }
      const kubeConfig = new clientNode.KubeConfig();
      kubeConfig.loadFromString(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: cluster.name, cluster: cluster.raw }],
          users: user === undefined ? [] : [{ name: user.name, user: user.raw }],
          contexts: [
            {
              name: context.name,
              context: { cluster: context.cluster, user: context.user, namespace: context.namespace },
            },
          ],
          'current-context': context.name,
        }),
      );
      return kubeConfig;
    };
    return new ClientNodeAuth(cluster.proxyUrl !== undefined, undefined, build);
  }

  async apply(options: RequestOptions): Promise<void> {
    if (this.#kubeConfig === undefined) {
      const building = (this.#build as () => Promise<KubeConfigLike>)();
      this.#kubeConfig = building;
      building.then(
        (built) => {
          this.#kubeConfig = built;
        },
        () => {
          this.#kubeConfig = undefined; // try again on the next request
        },
      );
    }
    const kubeConfig = await this.#kubeConfig;
    await kubeConfig.applyToHTTPSOptions(options);
  }
}

/** Why client-node is needed for this context: the user's plugin, else the cluster's proxy. */
function missingClientNode(
  context: KubeconfigContext,
  cluster: KubeconfigCluster,
  user: KubeconfigUser | undefined,
  cause: unknown,
): MissingDependencyError {
  const field =
    user?.plugin !== undefined ? `users["${user.name}"].${user.plugin}` : `clusters["${cluster.name}"].proxy-url`;
  return new MissingDependencyError(
    '@kubernetes/client-node',
    field,
    `kubeconfig context "${context.name}": ${field} needs @kubernetes/client-node, which could not be loaded (${(cause as Error).message?.split('\n')[0]}) — install it next to @kw/client: npm install @kubernetes/client-node@^2`,
    user?.plugin !== undefined ? user.name : cluster.name,
    cause,
  );
}
