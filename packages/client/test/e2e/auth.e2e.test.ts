/**
 * Kubeconfig auth against kube-local, through kw's own loader: a ServiceAccount token issued by the
 * TokenRequest API in a `tokenFile` (identity from its JWT `sub`, RBAC enforced), and an `exec`
 * plugin (a node script printing an ExecCredential) that goes through the lazy client-node path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, kubeEnv, useNamespace } from '@kw/kube-local/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type KubeClient } from '../../src/index';
import { configMaps, writeExecPlugin, writeKubeconfig } from '../fixtures';

const env = kubeEnv();
const ns = useNamespace('kw-auth');
let dir: string;
const clients: KubeClient[] = [];

function kubeconfig(name: string, user: Record<string, unknown>): string {
  const cluster = { server: env.server, 'certificate-authority': env.caPath };
  return writeKubeconfig(join(dir, name), { cluster, userName: name, user, namespace: ns.name });
}

function open(kubeconfigPath: string): KubeClient {
  const client = createClient({ kubeconfigPath });
  clients.push(client);
  return client;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kw-auth-'));
});

afterAll(() => {
  for (const client of clients) client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(env.caPath === null || env.adminToken === null)('kubeconfig auth against kube-local', () => {
  it('authenticates with a ServiceAccount token from the TokenRequest API in a token file', async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns.name }],
      },
    });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'visible' } } });
    const issued = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    writeFileSync(join(dir, 'reader-token'), `${issued.status?.token}\n`);

    const client = open(kubeconfig('reader', { tokenFile: 'reader-token' }));
    expect(client.identity).toBe(`system:serviceaccount:${ns.name}:reader`);
    expect(client.config).toMatchObject({ source: 'kubeconfig', user: 'reader', clientNode: false });
    const page = await client.list(configMaps, client.defaultNamespace);
    expect(page.items.map((cm) => cm.metadata?.name)).toContain('visible');
    // RBAC applies to the token's identity: the role grants nothing in other namespaces.
    await expect(client.list(configMaps, 'default')).rejects.toMatchObject({ code: 'KW_FORBIDDEN' });
  });

  it('rejects a wrong bearer token with UnauthorizedError', async () => {
    const client = open(kubeconfig('wrong', { token: 'not-a-valid-token' }));
    await expect(client.list(configMaps, ns.name)).rejects.toMatchObject({ code: 'KW_UNAUTHORIZED', status: 401 });
  });

  it('gets credentials from an exec plugin through the lazily loaded client-node', async () => {
    const plugin = writeExecPlugin(dir, env.adminToken ?? '');
    const client = open(
      kubeconfig('exec-admin', {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin],
          interactiveMode: 'Never',
        },
      }),
    );
    expect(client.config.clientNode).toBe(true);
    expect(client.identity).toBe('exec-admin');
    const page = await client.list(configMaps, ns.name);
    expect(page.items.length).toBeGreaterThanOrEqual(0);
    await expect(client.list(configMaps, 'default')).resolves.toMatchObject({ items: expect.any(Array) });
  });
});
