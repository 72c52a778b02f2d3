/**
 * Demo data for `pnpm demo`, run with plain node (type stripping):
 *   node packages/cli/demo/seed.ts seed [count]   create namespace kw-demo with `count` (default 300)
 *                                                 Ingresses, Services and EndpointSlices; idempotent
 *   node packages/cli/demo/seed.ts churn          every ~second relabel/annotate a few Ingresses and
 *                                                 create/delete a short-lived one, until SIGTERM/SIGINT
 * Uses $KUBECONFIG (or ~/.kube/config).
 */
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1EndpointSlice,
  type V1Ingress,
  type V1Service,
} from '@kubernetes/client-node';

const NAMESPACE = 'kw-demo';
const APPS = ['web', 'api', 'shop', 'blog', 'admin', 'search'];
const CONCURRENCY = 16;

const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const networking = kc.makeApiClient(NetworkingV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Runs `call`, treating 409 AlreadyExists as success (idempotent creation). */
async function ensure(call: () => Promise<unknown>): Promise<'created' | 'existed'> {
  try {
    await call();
    return 'created';
  } catch (error) {
    if (statusOf(error) === 409) return 'existed';
    throw error;
  }
}

async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function appOf(i: number): string {
  return APPS[i % APPS.length] as string;
}

function name(i: number): string {
  return `${appOf(i)}-${String(i).padStart(4, '0')}`;
}

function service(i: number): V1Service {
  return {
    metadata: { name: name(i), labels: { app: appOf(i) } },
    spec: { clusterIP: 'None', selector: { app: appOf(i) }, ports: [{ name: 'http', port: 80 }] },
  };
}

function endpointSlice(i: number): V1EndpointSlice {
  return {
    metadata: { name: name(i), labels: { app: appOf(i), 'kubernetes.io/service-name': name(i) } },
    addressType: 'IPv4',
    endpoints: [1, 2].map((n) => ({
      addresses: [`10.${(i >> 8) & 255}.${i & 255}.${n}`],
      conditions: { ready: true },
    })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function ingress(i: number, nameOverride?: string): V1Ingress {
  const n = nameOverride ?? name(i);
  return {
    metadata: {
      name: n,
      labels: { app: appOf(i), tier: i % 3 === 0 ? 'edge' : 'internal' },
      annotations: { 'kw-demo/rev': '0' },
    },
    spec: {
      rules: [
        {
          host: `${n}.kw-demo.example`,
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: name(i), port: { number: 80 } } } }],
          },
        },
      ],
    },
  };
}

async function seed(count: number): Promise<void> {
  const started = Date.now();
  await ensure(() => core.createNamespace({ body: { metadata: { name: NAMESPACE } } }));
  const indexes = Array.from({ length: count }, (_, i) => i);
  let created = 0;
  await inBatches(indexes, async (i) => {
    const results = await Promise.all([
      ensure(() => core.createNamespacedService({ namespace: NAMESPACE, body: service(i) })),
      ensure(() => discovery.createNamespacedEndpointSlice({ namespace: NAMESPACE, body: endpointSlice(i) })),
      ensure(() => networking.createNamespacedIngress({ namespace: NAMESPACE, body: ingress(i) })),
    ]);
    created += results.filter((r) => r === 'created').length;
  });
  console.log(
    `seed: ${count} Ingresses, Services and EndpointSlices in namespace ${NAMESPACE} (${created} created, ${3 * count - created} already there) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function churn(count: number): Promise<void> {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => controller.abort());
  const shortLived: string[] = [];
  let tick = 0;
  while (!controller.signal.aborted) {
    tick++;
    try {
      // Relabel/annotate a few Ingresses; every fifth tick one moves to another app (its index key changes).
      const picks = Array.from({ length: 3 }, () => Math.floor(Math.random() * count));
      await Promise.all(
        picks.map((i, k) => {
          const labels: Record<string, string> = { tier: tick % 2 === 0 ? 'edge' : 'internal' };
          if (k === 0 && tick % 5 === 0) labels.app = appOf(i + 1 + (tick % (APPS.length - 1)));
          const body = { metadata: { labels, annotations: { 'kw-demo/rev': String(tick) } } };
          return networking
            .patchNamespacedIngress({ name: name(i), namespace: NAMESPACE, body }, mergePatch)
            .catch((error: unknown) => {
              if (statusOf(error) !== 404) throw error;
            });
        }),
      );
      // One short-lived Ingress created per tick; the oldest deleted once there are five.
      const extra = `churn-${tick}`;
      await ensure(() => networking.createNamespacedIngress({ namespace: NAMESPACE, body: ingress(tick, extra) }));
      shortLived.push(extra);
      if (shortLived.length > 5) {
        const old = shortLived.shift() as string;
        await networking.deleteNamespacedIngress({ name: old, namespace: NAMESPACE }).catch(() => undefined);
      }
    } catch (error) {
      console.error(`churn: ${(error as Error).message.split('\n')[0]}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 700 + Math.random() * 600));
  }
  await Promise.all(
    shortLived.map((n) => networking.deleteNamespacedIngress({ name: n, namespace: NAMESPACE }).catch(() => undefined)),
  );
}

const [command = 'seed', countText = '300'] = process.argv.slice(2);
const count = Number(countText);
if (!Number.isInteger(count) || count < 1) {
  console.error(`seed: count "${countText}" must be a positive integer`);
  process.exit(2);
}
if (command === 'seed') await seed(count);
else if (command === 'churn') await churn(count);
else {
  console.error(`seed: unknown command "${command}" — use seed or churn`);
  process.exit(2);
}
