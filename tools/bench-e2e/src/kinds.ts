/**
 * The object kinds the loader writes, each shaped like what a real cluster holds, and the
 * namespace and names it uses. Everything is deterministic per index, so reruns top up or trim.
 */

/** A kind the benchmark loads and watches. */
export interface BenchKind {
  /** CLI name. */
  name: 'configmaps' | 'pods' | 'endpointslices' | 'small';
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  /** Collection path below the server for a namespace. */
  collectionPath(ns: string): string;
  /** Object name of index `i`. */
  objectName(i: number): string;
  /** The body to create for index `i` in `ns`. */
  body(i: number, ns: string): Record<string, unknown>;
  /** Field manager of the create (what the real writer would be). */
  createManager: string;
  /** Optional second write: a status update as the kubelet would send it (strategic merge patch on /status). */
  status?(i: number, ns: string): { manager: string; patch: Record<string, unknown> };
}

/** Namespace holding `count` objects of `kind`. */
export function namespaceFor(kind: BenchKind['name'], count: number): string {
  return `kwb-${kind}-${count}`;
}

/** Index of an object name, or -1 when it is not one of ours. */
export function indexOf(name: string): number {
  const m = /-(\d{7})$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

const pad = (i: number): string => String(i).padStart(7, '0');

/** Small deterministic pseudo-random numbers from an index (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = ['payments', 'search', 'checkout', 'identity', 'platform', 'ml', 'ads', 'growth'];
const ENVS = ['prod', 'staging', 'dev'];
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function uid(r: () => number): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

/** ConfigMaps of about 2.7 KB as the API server returns them, created the way `kubectl apply` does. */
export const configmaps: BenchKind = {
  name: 'configmaps',
  group: '',
  version: 'v1',
  resource: 'configmaps',
  collectionPath: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  objectName: (i) => `app-config-${pad(i)}`,
  createManager: 'kubectl-client-side-apply',
  body(i, ns) {
    const r = rng(i + 1);
    const team = TEAMS[i % TEAMS.length] as string;
    const env = ENVS[i % ENVS.length] as string;
    const app = `${team}-svc-${i % 997}`;
    const labels = {
      'app.kubernetes.io/name': app,
      'app.kubernetes.io/part-of': team,
      'app.kubernetes.io/managed-by': 'kubectl',
      'app.kubernetes.io/version': `1.${i % 40}.${Math.floor(r() * 20)}`,
      environment: env,
      team,
    };
    const data = {
      'application.properties': [
        `server.port=${8000 + (i % 1000)}`,
        `spring.application.name=${app}`,
        `spring.datasource.url=jdbc:postgresql://db-${team}.${env}.svc.cluster.local:5432/${team}`,
        `spring.datasource.hikari.maximum-pool-size=${10 + (i % 20)}`,
        `cache.ttl.seconds=${60 + (i % 600)}`,
        `tracing.sample-rate=0.${Math.floor(r() * 100)}`,
      ].join('\n'),
      'logging.json': JSON.stringify({
        level: i % 5 === 0 ? 'debug' : 'info',
        format: 'json',
        fields: { service: app, team, env },
        sinks: [{ type: 'stdout' }],
      }),
      'feature-flags.yaml': `flags:\n  newCheckout: ${i % 2 === 0}\n  searchV2: ${i % 3 === 0}\n  rolloutPercent: ${i % 100}\n  experimentId: "${hex(r, 16)}"\n`,
      LOG_LEVEL: 'info',
    };
    const manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: configmaps.objectName(i),
        namespace: ns,
        labels,
        annotations: { 'config.kw.dev/checksum': hex(r, 24) },
      },
      data,
    };
    return {
      ...manifest,
      metadata: {
        ...manifest.metadata,
        annotations: {
          ...manifest.metadata.annotations,
          'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(manifest)}\n`,
        },
      },
    };
  },
};

/** Small ConfigMaps (about 0.5 KB as returned) for the one-million run. */
export const small: BenchKind = {
  name: 'small',
  group: '',
  version: 'v1',
  resource: 'configmaps',
  collectionPath: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  objectName: (i) => `small-${pad(i)}`,
  createManager: 'kw-bench',
  body(i, ns) {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: small.objectName(i), namespace: ns, labels: { shard: String(i % 64) } },
      data: { value: String(i) },
    };
  },
};

/** Pods as a ReplicaSet controller creates them, with the status a kubelet writes (Running, Ready). */
export const pods: BenchKind = {
  name: 'pods',
  group: '',
  version: 'v1',
  resource: 'pods',
  collectionPath: (ns) => `/api/v1/namespaces/${ns}/pods`,
  objectName: (i) => `web-${pad(i)}`,
  createManager: 'kube-controller-manager',
  body(i, ns) {
    const r = rng(1_000_000 + i);
    const app = `web-${i % 500}`;
    const hash = hex(r, 10);
    const containers = [
      {
        name: 'app',
        image: `registry.example.com/${app}:1.${i % 30}.0`,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'APP_NAME', value: app },
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        ],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 },
        volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
      {
        name: 'proxy',
        image: 'registry.example.com/envoy:1.31.0',
        args: ['--config-path', '/etc/envoy/envoy.yaml'],
        resources: { requests: { cpu: '50m', memory: '64Mi' } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
    ];
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pods.objectName(i),
        namespace: ns,
        generateName: `${app}-${hash}-`,
        labels: { app, 'pod-template-hash': hash, tier: 'frontend' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${app}-${hash}`,
            uid: uid(r),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        nodeName: `node-${i % 200}`,
        containers,
        volumes: [{ name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } }],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        enableServiceLinks: false,
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ],
      },
    };
  },
  status(i) {
    const r = rng(2_000_000 + i);
    const t0 = new Date(Date.UTC(2025, 0, 1, 0, 0, i % 3600)).toISOString().replace('.000', '');
    const podIP = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const hostIP = `192.168.${Math.floor((i % 200) / 250)}.${(i % 200) + 1}`;
    const app = `web-${i % 500}`;
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t0 });
    const cs = (name: string, image: string) => ({
      name,
      state: { running: { startedAt: t0 } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image,
      imageID: `${image.split(':')[0]}@sha256:${hex(r, 64)}`,
      containerID: `containerd://${hex(r, 64)}`,
      started: true,
    });
    return {
      manager: 'kubelet',
      patch: {
        status: {
          phase: 'Running',
          conditions: [
            cond('PodReadyToStartContainers'),
            cond('Initialized'),
            cond('Ready'),
            cond('ContainersReady'),
            cond('PodScheduled'),
          ],
          hostIP,
          hostIPs: [{ ip: hostIP }],
          podIP,
          podIPs: [{ ip: podIP }],
          startTime: t0,
          qosClass: 'Burstable',
          containerStatuses: [
            cs('app', `registry.example.com/${app}:1.${i % 30}.0`),
            cs('proxy', 'registry.example.com/envoy:1.31.0'),
          ],
        },
      },
    };
  },
};

/** EndpointSlices with 50 endpoints, as the endpointslice controller writes them. */
export const endpointslices: BenchKind = {
  name: 'endpointslices',
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  collectionPath: (ns) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
  objectName: (i) => `svc-${pad(i)}`,
  createManager: 'endpointslice-controller',
  body(i, ns) {
    const r = rng(3_000_000 + i);
    const svc = `svc-${i % 5000}`;
    const endpoints = [];
    for (let e = 0; e < 50; e++) {
      const n = i * 50 + e;
      endpoints.push({
        addresses: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
        conditions: { ready: e % 17 !== 0, serving: true, terminating: false },
        nodeName: `node-${n % 200}`,
        zone: ZONES[n % 3],
        targetRef: { kind: 'Pod', namespace: ns, name: `${svc}-${hex(r, 10)}-${hex(r, 5)}`, uid: uid(r) },
      });
    }
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: endpointslices.objectName(i),
        namespace: ns,
        labels: {
          'kubernetes.io/service-name': svc,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2025-01-01T00:00:00Z' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Service', name: svc, uid: uid(r), controller: true, blockOwnerDeletion: true },
        ],
      },
      addressType: 'IPv4',
      endpoints,
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
      ],
    };
  },
};

/** Every kind by CLI name. */
export const KINDS: Record<BenchKind['name'], BenchKind> = { configmaps, pods, endpointslices, small };

/** Parses a kind name; throws naming the valid ones. */
export function kindByName(name: string): BenchKind {
  const k = (KINDS as Record<string, BenchKind | undefined>)[name];
  if (k === undefined) throw new Error(`unknown kind "${name}" — one of ${Object.keys(KINDS).join(', ')}`);
  return k;
}
