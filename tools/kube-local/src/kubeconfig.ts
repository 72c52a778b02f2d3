import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

/**
 * Returns a kubeconfig YAML for `url` authenticating with a bearer `token`, trusting the CA
 * in `caPath` (embedded as certificate-authority-data, so the YAML stands alone). Point it
 * at a FaultProxy URL to send a client through the proxy: TLS passes through unchanged
 * and the serving certificate is valid for 127.0.0.1.
 */
export function kubeconfigFor(url: string, token: string, caPath: string, user = 'kube-local-user'): string {
  const caData = readFileSync(caPath).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kube-local',
    '  cluster:',
    `    server: ${JSON.stringify(url)}`,
    `    certificate-authority-data: ${caData}`,
    'users:',
    `- name: ${JSON.stringify(user)}`,
    '  user:',
    `    token: ${JSON.stringify(token)}`,
    'contexts:',
    '- name: kube-local',
    '  context:',
    '    cluster: kube-local',
    `    user: ${JSON.stringify(user)}`,
    'current-context: kube-local',
    '',
  ].join('\n');
}

/** Writes {@link kubeconfigFor}'s YAML to `path` (mode 0600) and returns the path. */
export async function writeKubeconfig(
  path: string,
  url: string,
  token: string,
  caPath: string,
  user?: string,
): Promise<string> {
  await writeFile(path, kubeconfigFor(url, token, caPath, user), { mode: 0o600 });
  return path;
}
