import { until } from '@kw/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, sendJson, status } from '../test/fake-api-server';
import {
  AbortedError,
  type Clock,
  createClient,
  ForbiddenError,
  InvalidConfigError,
  type KubeClient,
  UnknownResourceError,
} from './index';
import { parseResourceName } from './resource-name';

interface Served {
  name: string;
  singularName?: string;
  shortNames?: string[];
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const verbs = ['get', 'list', 'watch'];
const resource = (name: string, kind: string, shortNames?: string[], namespaced = true): Served => ({
  name,
  singularName: kind.toLowerCase(),
  kind,
  namespaced,
  verbs,
  ...(shortNames ? { shortNames } : {}),
});

/** Group-versions by `<group>/<version>` (core: `/v1`), the preferred version of each group first. */
let served: Map<string, Served[]>;
/** Group-versions whose per-group document answers 503, as an unavailable aggregated API does. */
const UNAVAILABLE = 'metrics.k8s.io/v1beta1';

function initialServed(): Map<string, Served[]> {
  return new Map([
    [
      '/v1',
      [
        resource('configmaps', 'ConfigMap', ['cm']),
        resource('events', 'Event', ['ev']),
        resource('pods', 'Pod', ['po']),
        { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] },
        resource('nodes', 'Node', ['no'], false),
      ],
    ],
    ['apps/v1', [resource('deployments', 'Deployment', ['deploy'])]],
    ['events.k8s.io/v1', [resource('events', 'Event', ['ev'])]],
    ['example.com/v1', [resource('widgets', 'Widget', undefined, false)]],
    ['example.com/v2beta1', [resource('widgets', 'Widget', undefined, false), resource('gadgets', 'Gadget')]],
    [UNAVAILABLE, [resource('pods', 'PodMetrics')]],
  ]);
}

function groups(): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const gv of served.keys()) {
    const [group = '', version = ''] = gv.split('/');
    byGroup.set(group, [...(byGroup.get(group) ?? []), version]);
  }
  return byGroup;
}

function aggregated(core: boolean) {
  const items = [...groups()]
    .filter(([group]) => (group === '') === core)
    .map(([group, versions]) => ({
      metadata: core ? {} : { name: group },
      versions: versions
        .filter((v) => `${group}/${v}` !== UNAVAILABLE)
        .map((version) => ({
          version,
          freshness: 'Current',
          resources: (served.get(`${group}/${version}`) ?? [])
            .filter((r) => !r.name.includes('/'))
            .map((r) => ({
              resource: r.name,
              responseKind: { group, version, kind: r.kind },
              scope: r.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: r.singularName,
              verbs: r.verbs,
              ...(r.shortNames ? { shortNames: r.shortNames } : {}),
            })),
        })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items };
}

/** A discovery server; `aggregated` answers `/api` and `/apis` with `APIGroupDiscoveryList` when asked. */
function serveDiscovery(options: { aggregated: boolean }): void {
  server.handle((req, res, r) => {
    const wantsAggregated = options.aggregated && (req.headers.accept ?? '').includes('as=APIGroupDiscoveryList');
    if (r.path === '/api') {
      return sendJson(res, 200, wantsAggregated ? aggregated(true) : { kind: 'APIVersions', versions: ['v1'] });
    }
    if (r.path === '/apis') {
      if (wantsAggregated) return sendJson(res, 200, aggregated(false));
      const list = [...groups()]
        .filter(([group]) => group !== '')
        .map(([name, versions]) => ({
          name,
          versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
          preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
        }));
      return sendJson(res, 200, { kind: 'APIGroupList', groups: list });
    }
    const gv = r.path.replace(/^\/api\//, '/').replace(/^\/apis\//, '');
    if (gv === UNAVAILABLE) return sendJson(res, 503, status(503, 'ServiceUnavailable', 'service unavailable'));
    const resources = served.get(gv);
    if (resources) {
      return sendJson(res, 200, { kind: 'APIResourceList', groupVersion: gv.replace(/^\//, ''), resources });
    }
    sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  });
}

let server: FakeApiServer;
let client: KubeClient;

beforeEach(async () => {
  served = initialServed();
  server = await FakeApiServer.start();
  client = createClient({ kubeConfig: server.kubeConfig() });
});

afterEach(async () => {
  client.close();
  await server.stop();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection with an Error');
  return error;
}

describe('parseResourceName', () => {
  it.each([
    ['configmaps', { name: 'configmaps' }],
    ['cm', { name: 'cm' }],
    ['Deployment', { name: 'deployment' }],
    ['deployments.apps', { name: 'deployments', group: 'apps' }],
    ['deployments.v1.apps', { name: 'deployments', version: 'v1', group: 'apps' }],
    ['ingresses.v1.networking.k8s.io', { name: 'ingresses', version: 'v1', group: 'networking.k8s.io' }],
    ['ingresses.networking.k8s.io', { name: 'ingresses', group: 'networking.k8s.io' }],
    ['configmaps.v1', { name: 'configmaps', version: 'v1', group: '' }],
    ['widgets.v1alpha1.example.com', { name: 'widgets', version: 'v1alpha1', group: 'example.com' }],
    ['things.v1x.example.com', { name: 'things', group: 'v1x.example.com' }],
  ])('parses %s', (text, expected) => {
    expect(parseResourceName(text)).toEqual({ text, ...expected });
  });

  it.each([
    ['', 'empty'],
    ['deployments..apps', 'empty segment'],
    ['.apps', 'empty segment'],
    ['deploy_ments', 'invalid segment "deploy_ments"'],
    ['pods/log', 'invalid segment "pods/log"'],
  ])('rejects %j naming the text', (text, problem) => {
    expect(() => parseResourceName(text)).toThrow(InvalidConfigError);
    expect(() => parseResourceName(text)).toThrow(`resource "${text}": ${problem}`);
  });
});

describe.each([
  { mode: 'aggregated discovery', aggregated: true },
  { mode: 'per-group discovery', aggregated: false },
])('resolveName with $mode', ({ aggregated }) => {
  beforeEach(() => serveDiscovery({ aggregated }));

  it('finds a core resource by plural, singular, short name and kind, case-insensitively', async () => {
    for (const name of ['configmaps', 'configmap', 'cm', 'ConfigMap', 'CM', 'configmaps.v1']) {
      expect(await client.resolveName(name)).toEqual({
        group: '',
        version: 'v1',
        resource: 'configmaps',
        kind: 'ConfigMap',
        namespaced: true,
        verbs,
      });
    }
    expect(await client.resolveName('node')).toMatchObject({ resource: 'nodes', namespaced: false });
  });

  it('fills in the group and its preferred version', async () => {
    for (const name of ['deployments.apps', 'deploy', 'Deployment', 'deployments.v1.apps']) {
      expect(await client.resolveName(name)).toMatchObject({ group: 'apps', version: 'v1', resource: 'deployments' });
    }
    expect(await client.resolveName('widgets.example.com')).toMatchObject({ version: 'v1' });
  });

  it('prefers the core group when several groups serve the name, as kubectl does', async () => {
    expect(await client.resolveName('events')).toMatchObject({ group: '', resource: 'events' });
    expect(await client.resolveName('ev')).toMatchObject({ group: '' });
    expect(await client.resolveName('events.events.k8s.io')).toMatchObject({ group: 'events.k8s.io' });
  });

  it('uses an explicit version, and non-preferred versions only when the preferred one lacks the name', async () => {
    expect(await client.resolveName('widgets.v2beta1.example.com')).toMatchObject({
      version: 'v2beta1',
      namespaced: false,
    });
    expect(await client.resolveName('gadgets')).toMatchObject({ group: 'example.com', version: 'v2beta1' });
  });

  it('rejects an unknown name naming it and suggesting close matches', async () => {
    const error = await rejection(client.resolveName('deploymnets'));
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect((error as UnknownResourceError).code).toBe('KW_UNKNOWN_RESOURCE');
    expect((error as UnknownResourceError).value).toBe('deploymnets');
    expect(error.message).toMatch(
      /^unknown resource "deploymnets": the server serves no resource named "deploymnets" \(plural, singular, short name or kind\).* — did you mean "deployments.apps"\?$/,
    );
    expect((await rejection(client.resolveName('frobs'))).message).toMatch(/kubectl api-resources lists them$/);
    expect((await rejection(client.resolveName('log'))).message).toContain('no resource named "log"');
  });

  it.each([
    ['pods.apps', 'the server serves no resource named "pods" in API group "apps"'],
    ['deployments.v2.apps', 'API group "apps" does not serve version "v2" — it serves v1'],
    ['deployments.app', 'the server has no API group "app" — did you mean "deployments.apps"?'],
    ['widgets.nope.io', 'the server has no API group "nope.io" — check the spelling, or install its CRD'],
  ])('rejects %s naming the group or version at fault', async (name, message) => {
    const error = await rejection(client.resolveName(name));
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect(error.message).toContain(`unknown resource "${name}": ${message}`);
  });

  it('rejects a malformed name with InvalidConfigError before any request', async () => {
    await expect(client.resolveName('deploy_ments')).rejects.toThrow(InvalidConfigError);
    expect(server.requests).toEqual([]);
  });

  it('reads discovery once and shares the cache with resolve', async () => {
    await client.resolveName('cm');
    await client.resolveName('deploy');
    const paths = server.requests.map((r) => r.path);
    if (aggregated) {
      expect(paths.sort()).toEqual(['/api', '/apis']);
      expect(server.requests[0]?.headers.accept).toContain('g=apidiscovery.k8s.io;v=v2');
    } else {
      // Every group's preferred version once; only the failing one is read again.
      expect(paths.filter((p) => p !== `/apis/${UNAVAILABLE}`).sort()).toEqual([
        '/api',
        '/api/v1',
        '/apis',
        '/apis/apps/v1',
        '/apis/events.k8s.io/v1',
        '/apis/example.com/v1',
      ]);
    }
    const before = server.requests.filter((r) => r.path !== `/apis/${UNAVAILABLE}`).length;
    await client.resolveName('ConfigMap');
    await client.resolve({ group: 'apps', version: 'v1', resource: 'deployments' });
    expect(server.requests.filter((r) => r.path !== `/apis/${UNAVAILABLE}`).length).toBe(before);
  });

  it('re-reads cached discovery once when a name is not found, so new CRDs are found', async () => {
    await client.resolveName('cm');
    served.set('stable.example.com/v1', [resource('crontabs', 'CronTab', ['ct'])]);
    expect(await client.resolveName('ct')).toMatchObject({ group: 'stable.example.com', resource: 'crontabs' });
    const before = server.requests.length;
    await expect(client.resolveName('frobs')).rejects.toThrow(UnknownResourceError);
    expect(server.requests.slice(before).filter((r) => r.path === '/apis')).toHaveLength(1);
  });
});

describe('resolveName errors', () => {
  it('skips a group-version whose discovery fails with 5xx and says so when nothing matches', async () => {
    serveDiscovery({ aggregated: false });
    expect(await client.resolveName('pods')).toMatchObject({ group: '', resource: 'pods' });
    const error = await rejection(client.resolveName('frobs'));
    expect(error.message).toContain('(discovery failed, not searched: metrics.k8s.io/v1beta1)');
  });

  it('rejects with the typed API error when discovery is forbidden', async () => {
    server.handle((_req, res) => sendJson(res, 403, status(403, 'Forbidden', 'forbidden')));
    const error = await rejection(client.resolveName('cm'));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toContain('"tester" may not discover');
  });

  it('rejects with AbortedError when its signal is aborted', async () => {
    serveDiscovery({ aggregated: true });
    const controller = new AbortController();
    controller.abort();
    await expect(client.resolveName('cm', controller.signal)).rejects.toThrow(AbortedError);
  });

  it('waits for the client rate limiter and gives up when aborted', async () => {
    serveDiscovery({ aggregated: true });
    const timers: number[] = [];
    const frozen: Clock = { now: () => 0, setTimeout: (_cb, ms) => timers.push(ms), clearTimeout: () => {} };
    const limited = createClient({ kubeConfig: server.kubeConfig(), qps: 1, burst: 1, clock: frozen });
    const controller = new AbortController();
    const pending = limited.resolveName('cm', controller.signal).catch((e: unknown) => e);
    await until(() => server.requests.length === 1 && timers.length === 1);
    expect(timers).toEqual([1000]);
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortedError);
    limited.close();
  });
});
