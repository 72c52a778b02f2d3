import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidConfigError } from './errors';
import { loadKubeConfig } from './load-kube-config';

let root: string;
const inClusterEnv = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
const saToken = (sub: string) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.signature`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kw-client-'));
  // client-node's loadFromCluster reads these from process.env itself.
  for (const [name, value] of Object.entries(inClusterEnv)) vi.stubEnv(name, value);
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(root, { recursive: true, force: true });
});

function mountServiceAccount(files: Record<string, string>): void {
  const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

describe('loadKubeConfig', () => {
  it('detects in-cluster config from the environment and the mounted service account', async () => {
    mountServiceAccount({ token: saToken('system:serviceaccount:ops:kw'), namespace: 'ops', 'ca.crt': 'x' });
    const loaded = loadKubeConfig({}, { env: inClusterEnv, pathPrefix: root });
    expect(loaded.server.href).toBe('https://10.0.0.1/');
    expect(loaded.defaultNamespace).toBe('ops');
    expect(loaded.identity).toBe('system:serviceaccount:ops:kw');
    expect(loaded.config).toEqual({
      source: 'inCluster',
      files: [],
      context: 'inClusterContext',
      cluster: 'inCluster',
      user: 'inClusterUser',
      server: 'https://10.0.0.1:443',
      clientNode: false,
    });
    // The token is sent from the token file (re-read for rotation: see auth.test.ts), with the mounted CA.
    const options: RequestOptions = {};
    await loaded.auth.apply(options);
    expect(options.headers).toEqual({ Authorization: `Bearer ${saToken('system:serviceaccount:ops:kw')}` });
    expect(options.ca?.toString()).toBe('x');
  });

  it('falls back to the user entry name when the token is not a JWT, and to namespace default', () => {
    mountServiceAccount({ token: 'opaque' });
    const loaded = loadKubeConfig({ inCluster: true }, { env: inClusterEnv, pathPrefix: root });
    expect(loaded.identity).toBe('inClusterUser');
    expect(loaded.defaultNamespace).toBe('default');
  });

  it('rejects inCluster without the service environment', () => {
    expect(() => loadKubeConfig({ inCluster: true }, { env: {}, pathPrefix: root })).toThrow(/KUBERNETES_SERVICE_HOST/);
  });

  it('loads kubeconfigPath and switches to the requested context', () => {
    const path = join(root, 'config');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'a', cluster: { server: 'https://a.example:6443' } },
          { name: 'b', cluster: { server: 'https://[::1]:7443/prefix' } },
        ],
        users: [
          { name: 'alice', user: { token: 't' } },
          { name: 'bob', user: { token: 't', as: 'impersonated' } },
        ],
        contexts: [
          { name: 'ctx-a', context: { cluster: 'a', user: 'alice', namespace: 'ns-a' } },
          { name: 'ctx-b', context: { cluster: 'b', user: 'alice', namespace: 'ns-b' } },
        ],
        'current-context': 'ctx-a',
      }),
    );
    const a = loadKubeConfig({ kubeconfigPath: path }, { env: {}, pathPrefix: root });
    expect([a.server.host, a.defaultNamespace, a.identity]).toEqual(['a.example:6443', 'ns-a', 'alice']);
    const b = loadKubeConfig({ kubeconfigPath: path, context: 'ctx-b' }, { env: {}, pathPrefix: root });
    expect([b.server.hostname, b.server.pathname, b.defaultNamespace]).toEqual(['[::1]', '/prefix', 'ns-b']);
  });

  it('rejects a missing kubeconfig file with the path', () => {
    const missing = join(root, 'nope');
    expect(() => loadKubeConfig({ kubeconfigPath: missing }, { env: {}, pathPrefix: root })).toThrow(
      InvalidConfigError,
    );
    expect(() => loadKubeConfig({ kubeconfigPath: missing }, { env: {}, pathPrefix: root })).toThrow(missing);
  });

  it('rejects plain http without insecure-skip-tls-verify', () => {
    const path = join(root, 'config');
    writeFileSync(
      path,
      JSON.stringify({
        clusters: [{ name: 'a', cluster: { server: 'http://127.0.0.1:8080' } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'c', context: { cluster: 'a', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    expect(() => loadKubeConfig({ kubeconfigPath: path }, { env: {}, pathPrefix: root })).toThrow(
      /insecure-skip-tls-verify/,
    );
  });
});
