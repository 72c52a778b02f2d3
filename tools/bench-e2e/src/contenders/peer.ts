/**
 * Contender peer: `@kubernetes/client-node`'s `makeInformer` (ListWatch) over the namespace, with
 * the typed list call a user writes. Synced when `start()` resolves (the list callback is done).
 * Latency under churn: on each update, the object is looked up in the informer's cache.
 */
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import { kindByName } from '../kinds.ts';
import { contenderArgs, runContender } from '../measure.ts';

const args = contenderArgs();
await runContender('peer', args, (latency) => {
  const kind = kindByName(args.kind);
  const kc = new KubeConfig();
  kc.loadFromFile(args.kubeconfig);
  const ns = args.namespace;
  let listFn: () => Promise<{ items: KubernetesObject[] } & object>;
  if (kind.resource === 'configmaps') {
    const core = kc.makeApiClient(CoreV1Api);
    listFn = () => core.listNamespacedConfigMap({ namespace: ns });
  } else if (kind.resource === 'pods') {
    const core = kc.makeApiClient(CoreV1Api);
    listFn = () => core.listNamespacedPod({ namespace: ns });
  } else {
    const disc = kc.makeApiClient(DiscoveryV1Api);
    listFn = () => disc.listNamespacedEndpointSlice({ namespace: ns });
  }
  const informer = makeInformer(kc, `${kind.collectionPath(ns)}`, listFn as never);
  const errors: string[] = [];
  informer.on('error', (err: unknown) => {
    errors.push(err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300));
  });
  informer.on('update', (obj: KubernetesObject) => {
    if (!latency.active) return;
    const name = obj.metadata?.name;
    if (name === undefined) return;
    const cached = informer.get(name, obj.metadata?.namespace);
    latency.record(cached?.metadata?.annotations);
  });
  return {
    async sync() {
      await informer.start();
      return informer.list(ns).length;
    },
    notes: () => ({ errors }),
    stop: () => informer.stop(),
  };
});
