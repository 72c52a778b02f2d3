import type { RequestOptions } from 'node:https';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseKubeconfig } from './kubeconfig-file';

afterEach(() => {
  vi.doUnmock('@kubernetes/client-node');
  vi.resetModules();
});

const config = parseKubeconfig(
  JSON.stringify({
    clusters: [{ name: 'gke-cluster', cluster: { server: 'https://gke.example' } }],
    users: [{ name: 'gke-user', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'plugin' } } }],
    contexts: [{ name: 'gke', context: { cluster: 'gke-cluster', user: 'gke-user' } }],
  }),
  '/k',
);

describe('ClientNodeAuth.lazy', () => {
  it('rejects with MissingDependencyError naming the user entry when client-node is not installed', async () => {
    vi.doMock('@kubernetes/client-node', () => {
      throw new Error("Cannot find package '@kubernetes/client-node'");
    });
    const { ClientNodeAuth } = await import('./client-node-auth');
    const auth = ClientNodeAuth.lazy(config.contexts[0] as never, config.clusters[0] as never, config.users[0]);
    const error = await auth.apply({}).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'KW_MISSING_DEPENDENCY',
      dependency: '@kubernetes/client-node',
      field: 'users["gke-user"].exec',
      value: 'gke-user',
    });
    expect((error as Error).message).toMatch(
      /^kubeconfig context "gke": users\["gke-user"\]\.exec needs @kubernetes\/client-node.*npm install @kubernetes\/client-node@\^2$/,
    );
  });

  it('builds a KubeConfig of the one context on the first request and reuses it', async () => {
    const loads: unknown[] = [];
    vi.doMock('@kubernetes/client-node', () => ({
      KubeConfig: class {
        loadFromString(text: string) {
          loads.push(JSON.parse(text));
        }
        async applyToHTTPSOptions(options: { headers?: Record<string, string> }) {
          options.headers = { Authorization: 'Bearer from-plugin' };
        }
      },
    }));
    const { ClientNodeAuth } = await import('./client-node-auth');
    const auth = ClientNodeAuth.lazy(config.contexts[0] as never, config.clusters[0] as never, config.users[0]);
    expect(loads).toEqual([]);
    const options: RequestOptions = {};
    await Promise.all([auth.apply(options), auth.apply({})]);
    expect(options.headers).toEqual({ Authorization: 'Bearer from-plugin' });
    expect(loads).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'gke-cluster', cluster: { server: 'https://gke.example' } }],
        users: [
          { name: 'gke-user', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'plugin' } } },
        ],
        contexts: [{ name: 'gke', context: { cluster: 'gke-cluster', user: 'gke-user' } }],
        'current-context': 'gke',
      },
    ]);
  });
});
