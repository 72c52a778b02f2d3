import { AppsV1Api, BatchV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** HTTP status of a @kubernetes/client-node error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Unique, DNS-1123-valid namespace name starting with `prefix`. */
export function uniqueNamespaceName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'kw';
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return `${clean}-${suffix}`;
}

/** Creates namespace `name` with the admin identity. */
export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { 'kw.dev/e2e': 'true' } } },
  });
}

/**
 * Deletes namespace `name` and the common objects in it. kube-local runs no
 * controller-manager, so nothing else would empty a namespace: the objects are deleted
 * explicitly, and when `finalize` is true the namespace's "kubernetes" finalizer is removed
 * so it disappears at once (a real cluster's namespace controller does this by itself).
 */
export async function deleteNamespace(kc: KubeConfig, name: string, finalize: boolean): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const namespace = name;
  const ignore404 = async (work: Promise<unknown>): Promise<void> => {
    try {
      await work;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  };
  await Promise.all([
    ignore404(core.deleteCollectionNamespacedConfigMap({ namespace })),
    ignore404(core.deleteCollectionNamespacedSecret({ namespace })),
    ignore404(core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 })),
    ignore404(core.deleteCollectionNamespacedService({ namespace })),
    ignore404(core.deleteCollectionNamespacedServiceAccount({ namespace })),
    ignore404(core.deleteCollectionNamespacedEvent({ namespace })),
    ignore404(coordination.deleteCollectionNamespacedLease({ namespace })),
    ignore404(apps.deleteCollectionNamespacedDeployment({ namespace })),
    ignore404(apps.deleteCollectionNamespacedReplicaSet({ namespace })),
    ignore404(apps.deleteCollectionNamespacedStatefulSet({ namespace })),
    ignore404(apps.deleteCollectionNamespacedDaemonSet({ namespace })),
    ignore404(batch.deleteCollectionNamespacedJob({ namespace })),
  ]);
  await ignore404(core.deleteNamespace({ name }));
  if (finalize) {
    await ignore404(core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } }));
  }
}
