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

  it('reads an IPv6 KUBERNETES_SERVICE_HOST in brackets', () => {
    mountServiceAccount({ token: 'opaque' });
    const loaded = loadKubeConfig(
      {},
      { env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, pathPrefix: root },
    );
    expect(loaded.server.href).toBe('https://[fd00::1]/');
    expect(loaded.config.server).toBe('https://[fd00::1]:443');
  });

  it('merges the files of KUBECONFIG: first definition and first current-context win, missing files are skipped', () => {
    const first = join(root, 'first');
    const second = join(root, 'second');
    writeFileSync(
      first,
      'clusters:\n- name: a\n  cluster: {server: "https://first:6443"}\nusers:\n- name: u\n  user: {username: jane, password: x}\n',
    );
    writeFileSync(
      second,
      [
        'current-context: c',
        'clusters:',
        '- name: a',
        '  cluster: {server: "https://second:6443"}',
        'users:',
        '- name: u',
        '  user: {token: t}',
        'contexts:',
        '- name: c',
        '  context: {cluster: a, user: u, namespace: merged}',
        '- name: other',
        '  context: {cluster: a}',
      ].join('\n'),
    );
    const KUBECONFIG = [first, join(root, 'missing'), second].join(':');
    const loaded = loadKubeConfig({}, { env: { KUBECONFIG }, pathPrefix: root });
    expect([loaded.server.host, loaded.identity, loaded.defaultNamespace]).toEqual(['first:6443', 'jane', 'merged']);
    expect(loaded.config).toMatchObject({
      source: 'kubeconfig',
      files: [first, second],
      context: 'c',
      clientNode: false,
    });
    const other = loadKubeConfig({ context: 'other' }, { env: { KUBECONFIG }, pathPrefix: root });
    expect([other.identity, other.defaultNamespace, other.config.user]).toEqual(['anonymous', 'default', undefined]);
  });

  it('names KUBECONFIG when none of its files exist, and reads ~/.kube/config when it is unset', () => {
    const env = { KUBECONFIG: `${join(root, 'a')}:${join(root, 'b')}` };
    expect(() => loadKubeConfig({}, { env, pathPrefix: root })).toThrow(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field: 'KUBECONFIG', value: env.KUBECONFIG }),
    );
    expect(() => loadKubeConfig({}, { env: { HOME: root }, pathPrefix: root })).toThrow(/no kubeconfig found/);
    mkdirSync(join(root, '.kube'));
    writeFileSync(
      join(root, '.kube/config'),
      'current-context: c\nclusters:\n- name: a\n  cluster: {server: "https://home:6443"}\ncontexts:\n- name: c\n  context: {cluster: a}\n',
    );
    expect(loadKubeConfig({}, { env: { HOME: root }, pathPrefix: root }).config.files).toEqual([
      join(root, '.kube/config'),
    ]);
  });

  it('rejects an unknown context naming the known ones, and a context without a cluster', () => {
    const path = join(root, 'config');
    writeFileSync(path, 'current-context: c\ncontexts:\n- name: c\n  context: {cluster: gone}\n');
    expect(() => loadKubeConfig({ kubeconfigPath: path, context: 'x' }, { env: {}, pathPrefix: root })).toThrow(
      'context "x" is not in the kubeconfig — known contexts: c',
    );
    expect(() => loadKubeConfig({ kubeconfigPath: path }, { env: {}, pathPrefix: root })).toThrow(
      expect.objectContaining({ field: 'context', value: 'c' }),
    );
    writeFileSync(path, 'contexts:\n- name: c\n  context: {cluster: gone}\n');
    expect(() => loadKubeConfig({ kubeconfigPath: path }, { env: {}, pathPrefix: root })).toThrow(
      'the kubeconfig sets no current-context — set current-context or pass the context option (known contexts: c)',
    );
  });

  it('routes exec and auth-provider users and proxy-url clusters through client-node, others not', () => {
    const path = join(root, 'config');
    writeFileSync(
      path,
      JSON.stringify({
        clusters: [
          { name: 'direct', cluster: { server: 'https://a' } },
          { name: 'proxied', cluster: { server: 'https://a', 'proxy-url': 'http://proxy:3128' } },
        ],
        users: [
          { name: 'gke', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'plugin' } } },
          { name: 'oidc', user: { 'auth-provider': { name: 'oidc', config: {} } } },
          { name: 'cert', user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' } },
        ],
        contexts: [
          { name: 'exec', context: { cluster: 'direct', user: 'gke' } },
          { name: 'provider', context: { cluster: 'direct', user: 'oidc' } },
          { name: 'proxy', context: { cluster: 'proxied', user: 'cert' } },
          { name: 'cert', context: { cluster: 'direct', user: 'cert' } },
        ],
      }),
    );
    const load = (context: string) => loadKubeConfig({ kubeconfigPath: path, context }, { env: {}, pathPrefix: root });
    expect(
      ['exec', 'provider', 'proxy', 'cert'].map((c) => [load(c).config.clientNode, load(c).auth.ownsAgent]),
    ).toEqual([
      [true, false],
      [true, false],
      [true, true],
      [false, false],
    ]);
    expect(load('exec').identity).toBe('gke');
  });
});
