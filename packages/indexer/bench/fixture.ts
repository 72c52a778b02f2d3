/** A realistic Ingress as the API server sends it after `kubectl apply`: managedFields and the last-applied annotation included. */
export function makeIngress(i: number): Record<string, unknown> {
  const spec = {
    ingressClassName: i % 2 === 0 ? 'nginx' : 'traefik',
    tls: [{ hosts: [`shop-${i}.example.com`], secretName: `shop-${i}-tls` }],
    rules: [
      {
        host: `shop-${i}.example.com`,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: `shop-${i}`, port: { number: 80 } } } },
            { path: '/api', pathType: 'Prefix', backend: { service: { name: `api-${i}`, port: { number: 8080 } } } },
          ],
        },
      },
    ],
  };
  const labels = { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': `shop-${i}`, tier: 'frontend' };
  const annotations = {
    'nginx.ingress.kubernetes.io/rewrite-target': '/',
    'cert-manager.io/cluster-issuer': 'letsencrypt',
  };
  const lastApplied = JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { annotations, labels, name: `shop-${i}`, namespace: `team-${i % 50}` },
    spec,
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `shop-${i}`,
      namespace: `team-${i % 50}`,
      uid: `0b3e4a52-6c1d-4f8e-9a7b-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100_000 + i),
      generation: 3,
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels,
      annotations: { ...annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${lastApplied}\n` },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'networking.k8s.io/v1',
          time: '2025-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': {
                '.': {},
                'f:cert-manager.io/cluster-issuer': {},
                'f:kubectl.kubernetes.io/last-applied-configuration': {},
                'f:nginx.ingress.kubernetes.io/rewrite-target': {},
              },
              'f:labels': { '.': {}, 'f:app.kubernetes.io/instance': {}, 'f:app.kubernetes.io/name': {}, 'f:tier': {} },
            },
            'f:spec': {
              'f:ingressClassName': {},
              'f:rules': {},
              'f:tls': {},
            },
          },
        },
        {
          manager: 'nginx-ingress-controller',
          operation: 'Update',
          apiVersion: 'networking.k8s.io/v1',
          time: '2025-01-01T00:00:05Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:loadBalancer': { 'f:ingress': {} } } },
          subresource: 'status',
        },
      ],
    },
    spec,
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.10' }] } },
  };
}

/** The fields a watcher usually drops before storing. */
export const IGNORE_FIELDS = [
  'metadata.managedFields',
  "metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']",
];
