/**
 * Realistic objects for the benchmarks, as a watcher would hold them: decoded from JSON
 * (fresh strings and objects per object), with managedFields and a kubectl
 * last-applied-configuration annotation.
 */
import type { KubeObject } from '@kw/types';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function managedFields(manager: string, apiVersion: string, fieldsV1: unknown, i: number) {
  return [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion,
      time: `2025-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
      fieldsType: 'FieldsV1',
      fieldsV1,
    },
    {
      manager,
      operation: 'Update',
      apiVersion,
      time: '2025-02-01T08:30:12Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { '.': {}, 'f:loadBalancer': {} } },
      subresource: 'status',
    },
  ];
}

function withLastApplied<O extends { metadata: { annotations?: Record<string, string> } }>(obj: O): O {
  const { metadata, ...rest } = obj;
  const applied = { ...rest, metadata: { ...metadata, annotations: { ...metadata.annotations } } };
  obj.metadata.annotations = { ...metadata.annotations, [LAST_APPLIED]: `${JSON.stringify(applied)}\n` };
  return obj;
}

function meta(kind: string, i: number, extra: Record<string, unknown> = {}) {
  const ns = `team-${i % 20}`;
  const labels: Record<string, string> = {
    app: `app-${i % 50}`,
    tier: i % 2 ? 'backend' : 'frontend',
    'app.kubernetes.io/part-of': 'shop',
  };
  return {
    name: `${kind}-${i}`,
    namespace: ns,
    uid: `6b1a2c3d-${String(i).padStart(4, '0')}-4e5f-8a9b-0c1d2e3f4a5b`,
    resourceVersion: String(100000 + i),
    generation: 3,
    creationTimestamp: '2025-01-15T12:34:56Z',
    labels,
    annotations: { 'meta.helm.sh/release-name': `shop-${i % 7}`, 'meta.helm.sh/release-namespace': ns },
    ...extra,
  };
}

function ingressJson(i: number): string {
  const m = meta('ingress', i);
  const obj = withLastApplied({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: m,
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: [`shop-${i}.example.com`], secretName: `shop-${i}-tls` }],
      rules: [
        {
          host: `shop-${i}.example.com`,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: `web-${i}`, port: { number: 80 } } } },
              { path: '/api', pathType: 'Prefix', backend: { service: { name: `api-${i}`, port: { number: 8080 } } } },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: `10.0.${i % 256}.${(i >> 8) % 256}` }] } },
  });
  (obj.metadata as Record<string, unknown>).managedFields = managedFields(
    'nginx-ingress-controller',
    'networking.k8s.io/v1',
    {
      'f:metadata': { 'f:annotations': { '.': {}, [`f:${LAST_APPLIED}`]: {} }, 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:ingressClassName': {}, 'f:rules': {}, 'f:tls': {} },
    },
    i,
  );
  return JSON.stringify(obj);
}

function serviceJson(i: number): string {
  const m = meta('service', i);
  const obj = withLastApplied({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: m,
    spec: {
      type: 'ClusterIP',
      clusterIP: `10.96.${i % 256}.${(i >> 8) % 256}`,
      clusterIPs: [`10.96.${i % 256}.${(i >> 8) % 256}`],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      selector: { app: `app-${i % 50}` },
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
      ],
    },
    status: { loadBalancer: {} },
  });
  (obj.metadata as Record<string, unknown>).managedFields = managedFields(
    'kube-controller-manager',
    'v1',
    {
      'f:metadata': { 'f:annotations': { '.': {}, [`f:${LAST_APPLIED}`]: {} }, 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:internalTrafficPolicy': {},
        'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
        'f:selector': {},
        'f:sessionAffinity': {},
        'f:type': {},
      },
    },
    i,
  );
  return JSON.stringify(obj);
}

function endpointSliceJson(i: number): string {
  const m = meta('endpointslice', i, {
    generateName: `service-${i}-`,
    ownerReferences: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: `service-${i}`,
        uid: `0aa1bb2c-${String(i).padStart(4, '0')}-4d5e-9f00-112233445566`,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  });
  m.labels = {
    ...m.labels,
    'kubernetes.io/service-name': `service-${i}`,
    'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
  };
  const endpoints = Array.from({ length: 50 }, (_, e) => ({
    addresses: [`10.244.${(i + e) % 256}.${e}`],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: `node-${e % 12}`,
    zone: `zone-${e % 3}`,
    targetRef: {
      kind: 'Pod',
      namespace: m.namespace,
      name: `app-${i % 50}-7d9f8c6b5-${String(e).padStart(5, 'x')}`,
      uid: `c0ffee00-${String(i).padStart(4, '0')}-${String(e).padStart(4, '0')}-8000-00000000abcd`,
    },
  }));
  const obj = withLastApplied({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: m,
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  });
  (obj.metadata as Record<string, unknown>).managedFields = managedFields(
    'endpointslice-controller.k8s.io',
    'discovery.k8s.io/v1',
    {
      'f:addressType': {},
      'f:endpoints': {},
      'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/service-name': {} }, 'f:ownerReferences': {} },
      'f:ports': {},
    },
    i,
  );
  return JSON.stringify(obj);
}

/** The benchmarked kinds: a JSON generator per kind, object `i` unique by name. */
export const KINDS = {
  Ingress: ingressJson,
  Service: serviceJson,
  EndpointSlice: endpointSliceJson,
} as const satisfies Record<string, (i: number) => string>;

/** Small synthetic objects for lookup/throughput benchmarks. */
export function smallObject(i: number, namespaces: number): KubeObject {
  return {
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: `ns-${i % namespaces}`, labels: { app: `a${i % 7}` } },
  };
}
