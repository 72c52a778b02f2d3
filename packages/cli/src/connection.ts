import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type ClientOptions, createClient, type KubeClient } from '@kw/client';
import type { ConnectionFlags } from './args';
import { KubeconfigError } from './errors';

/**
 * Creates the client `kw` uses, with `@kw/client`'s kubeconfig loader (which loads
 * `@kubernetes/client-node` only for exec/auth-provider users and proxy-url clusters):
 * `--kubeconfig`, else `KUBECONFIG` (several files merged), else `~/.kube/config`, else the pod's
 * service account; then `--context`. Throws a {@link KubeconfigError} naming the path or context
 * when it cannot be used, or when no configuration exists at all. `options` go to `createClient`.
 */
export function connect(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
  options: Omit<ClientOptions, 'kubeConfig' | 'kubeconfigPath' | 'context' | 'inCluster'> = {},
): KubeClient {
  const path = flags.kubeconfig ?? firstPath(env.KUBECONFIG);
  const source = flags.kubeconfig !== undefined ? '--kubeconfig' : 'KUBECONFIG';
  if (path !== undefined && !existsSync(path)) {
    throw new KubeconfigError(`${source} "${path}": no such file — check the path`, path);
  }
  // kw prefers a kubeconfig over the pod's service account, as kubectl does.
  const home = env.HOME || env.USERPROFILE || homedir();
  const hasKubeconfig = path !== undefined || existsSync(join(home, '.kube', 'config'));
  try {
    return createClient({
      ...options,
      ...(flags.kubeconfig === undefined ? {} : { kubeconfigPath: flags.kubeconfig }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
      ...(flags.kubeconfig === undefined && hasKubeconfig ? { inCluster: false } : {}),
    });
  } catch (error) {
    throw asKubeconfigError(error, flags, path, source);
  }
}

/** The client's kubeconfig errors, worded with kw's flags; other errors unchanged. */
function asKubeconfigError(error: unknown, flags: ConnectionFlags, path: string | undefined, source: string): unknown {
  const { code, field } = error as { code?: unknown; field?: unknown };
  if (code !== 'KW_INVALID_CONFIG') return error;
  const message = (error as Error).message;
  switch (field) {
    case 'kubeconfigPath':
    case 'KUBECONFIG': {
      const cause = (error as Error).cause;
      if (path === undefined && cause === undefined) {
        return new KubeconfigError(
          'no cluster configured: pass --kubeconfig <path>, set KUBECONFIG, or create ~/.kube/config',
          undefined,
          { cause: error },
        );
      }
      const where = path === undefined ? 'kubeconfig' : `${source} "${path}"`;
      return new KubeconfigError(`${where}: cannot be loaded: ${firstLine(cause ?? error)}`, path, { cause: error });
    }
    case 'context':
      return new KubeconfigError(
        flags.context === undefined ? message : `--context ${message.replace(/^context /, '')}`,
        flags.context,
        { cause: error },
      );
    case 'cluster.server':
    case 'inCluster':
      return new KubeconfigError(message, (error as { value?: unknown }).value, { cause: error });
    default:
      return error;
  }
}

function firstPath(list: string | undefined): string | undefined {
  return list?.split(delimiter).find((p) => p !== '');
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
