import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { ConnectionFlags } from './args';
import { KubeconfigError } from './errors';

/**
 * Loads the kubeconfig `kw` uses: `--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`,
 * else the pod's service account; then switches to `--context`. Throws a {@link KubeconfigError}
 * naming the path or context when it cannot be used, or when no configuration exists at all.
 */
export function loadKubeConfig(flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>): KubeConfig {
  const kubeConfig = new KubeConfig();
  const path = flags.kubeconfig ?? firstPath(env.KUBECONFIG);
  const source = flags.kubeconfig !== undefined ? '--kubeconfig' : 'KUBECONFIG';
  if (path !== undefined && !existsSync(path)) {
    throw new KubeconfigError(`${source} "${path}": no such file — check the path`, path);
  }
  try {
    if (flags.kubeconfig !== undefined) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new KubeconfigError(
      `${path === undefined ? 'kubeconfig' : `${source} "${path}"`}: cannot be loaded: ${firstLine(error)}`,
      path,
      { cause: error },
    );
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080' && path === undefined) {
    throw new KubeconfigError(
      'no cluster configured: pass --kubeconfig <path>, set KUBECONFIG, or create ~/.kube/config',
      undefined,
    );
  }
  if (flags.context !== undefined) {
    if (kubeConfig.getContextObject(flags.context) === null) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new KubeconfigError(
        `--context "${flags.context}": not in the kubeconfig — known contexts: ${known.join(', ') || '(none)'}`,
        flags.context,
      );
    }
    kubeConfig.setCurrentContext(flags.context);
  }
  return kubeConfig;
}

function firstPath(list: string | undefined): string | undefined {
  const first = list?.split(process.platform === 'win32' ? ';' : ':').find((p) => p !== '');
  return first === '' ? undefined : first;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
