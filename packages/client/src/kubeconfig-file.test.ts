import { describe, expect, it } from 'vitest';
import { mergeKubeconfigs, parseKubeconfig } from './kubeconfig-file';

const yaml = `
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster:
    server: https://dev.example:6443/
    certificate-authority: certs/ca.crt
    tls-server-name: api.dev.internal
- name: insecure
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: alice
  user:
    client-certificate: alice.crt
    client-key: /abs/alice.key
- name: bot
  user:
    tokenFile: ../tokens/bot
- name: legacy
  user:
    token-file: legacy-token
- name: gke
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
contexts:
- name: dev
  context:
    cluster: dev
    user: alice
    namespace: team-a
`;

describe('parseKubeconfig', () => {
  const config = parseKubeconfig(yaml, '/home/u/.kube/config');

  it('reads clusters with paths relative to the file and the trailing slash of server dropped', () => {
    expect(config.clusters[0]).toMatchObject({
      name: 'dev',
      server: 'https://dev.example:6443',
      certificateAuthority: '/home/u/.kube/certs/ca.crt',
      tlsServerName: 'api.dev.internal',
      insecureSkipTlsVerify: false,
    });
    expect(config.clusters[1]).toMatchObject({ name: 'insecure', insecureSkipTlsVerify: true });
  });

  it('resolves client certificate, key and token files against the file folder, leaving absolute paths', () => {
    const [alice, bot, legacy, gke] = config.users;
    expect([alice?.clientCertificate, alice?.clientKey]).toEqual(['/home/u/.kube/alice.crt', '/abs/alice.key']);
    expect(bot?.tokenFile).toBe('/home/u/tokens/bot');
    expect(legacy?.tokenFile).toBe('/home/u/.kube/legacy-token');
    expect(gke?.plugin).toBe('exec');
    expect(alice?.plugin).toBeUndefined();
  });

  it('keeps contexts, current-context and the file it came from', () => {
    expect(config.contexts).toEqual([{ name: 'dev', cluster: 'dev', user: 'alice', namespace: 'team-a' }]);
    expect(config.currentContext).toBe('dev');
    expect(config.files).toEqual(['/home/u/.kube/config']);
  });

  it.each([
    ['clusters:\n- cluster: {server: https://a}\n', 'clusters[0].name is missing'],
    ['clusters:\n- name: a\n', 'clusters[0].cluster is missing'],
    ['clusters:\n- name: a\n  cluster: {}\n', 'clusters[0].cluster.server is missing'],
    ['users:\n- user: {token: t}\n', 'users[0].name is missing'],
    ['contexts:\n- name: c\n  context: {user: u}\n', 'contexts[0].context.cluster is missing'],
    ['users:\n- name: u\n  user: {token: 5}\n', 'users[0] token must be a string, got 5'],
    ['- a\n- b\n', 'the kubeconfig is not a YAML mapping'],
  ])('rejects %j with "%s"', (text, message) => {
    expect(() => parseKubeconfig(text, '/k')).toThrow(message);
  });

  it('reads an empty file as an empty kubeconfig', () => {
    expect(parseKubeconfig('', '/k')).toEqual({
      clusters: [],
      users: [],
      contexts: [],
      currentContext: undefined,
      files: ['/k'],
    });
  });
});

describe('mergeKubeconfigs', () => {
  it('keeps the first definition of each name and the first current-context, as client-go does', () => {
    const first = parseKubeconfig(
      'clusters:\n- name: a\n  cluster: {server: https://first}\nusers:\n- name: u\n  user: {token: first}\n',
      '/1',
    );
    const second = parseKubeconfig(
      [
        'current-context: c2',
        'clusters:',
        '- name: a',
        '  cluster: {server: https://second}',
        '- name: b',
        '  cluster: {server: https://b}',
        'users:',
        '- name: u',
        '  user: {token: second}',
        'contexts:',
        '- name: c2',
        '  context: {cluster: a, user: u}',
      ].join('\n'),
      '/2',
    );
    const third = parseKubeconfig('current-context: c3\n', '/3');
    const merged = mergeKubeconfigs([first, second, third]);
    expect(merged.clusters.map((c) => [c.name, c.server])).toEqual([
      ['a', 'https://first'],
      ['b', 'https://b'],
    ]);
    expect(merged.users.map((u) => u.token)).toEqual(['first']);
    expect(merged.contexts.map((c) => c.name)).toEqual(['c2']);
    expect(merged.currentContext).toBe('c2');
    expect(merged.files).toEqual(['/1', '/2', '/3']);
  });
});
