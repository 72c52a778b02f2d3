/**
 * Proof that the built @kw/client does not load @kubernetes/client-node for token, token-file and
 * client-certificate kubeconfigs: a child `node` process records module resolutions with a
 * `module.registerHooks` resolve hook while it lists ConfigMaps from kube-local (bearer token) and
 * from a local https server that requires a client certificate. An exec-plugin kubeconfig in
 * another child is the control: there the hook must see client-node.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { kubeEnv, useNamespace } from '@kw/kube-local/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExecPlugin, writeKubeconfig } from '../fixtures';

const env = kubeEnv();
const ns = useNamespace('kw-lean');
const DIST = join(import.meta.dirname, '../../dist/index.js');
const CHILD = join(import.meta.dirname, '../child-load-report.mjs');
let dir: string;
let server: https.Server;
/** Client certificate subjects the https server saw. */
const peers: string[] = [];

interface Report {
  seen: string[];
  results: ({ identity: string; clientNode: boolean; items: number } | { error: string })[];
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** Runs the child with `kubeconfigs` (`path=namespace`) and returns its report. */
function child(kubeconfigs: string[]): Promise<Report> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CHILD],
      { env: { ...process.env, KW_CLIENT_DIST: DIST, KW_KUBECONFIGS: kubeconfigs.join(',') }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Report);
      },
    );
  });
}

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return writeKubeconfig(join(dir, name), { cluster, userName: `${name}-user`, user });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-lean-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=kw-test-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, subject] of [
    ['server', '/CN=127.0.0.1'],
    ['client', '/CN=cert-user'],
  ] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      ...(name === 'server' ? ['-extfile', 'san.ext'] : []),
    );
  }
  const read = (file: string) => readFileSync(join(dir, file));
  server = https.createServer(
    {
      key: read('server.key'),
      cert: read('server.crt'),
      ca: read('ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      peers.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
      const body = JSON.stringify({ kind: 'ConfigMapList', metadata: {}, items: [{ metadata: { name: 'a' } }] });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('the built @kw/client', () => {
  it('loads no @kubernetes/client-node module for bearer-token and client-certificate kubeconfigs', async () => {
    const { port } = server.address() as AddressInfo;
    const cert = kubeconfig(
      'cert',
      { server: `https://127.0.0.1:${port}`, 'certificate-authority': 'ca.crt' },
      { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
    );
    const tokenFile = join(dir, 'admin-token');
    writeFileSync(tokenFile, env.adminToken ?? '');
    const tokenFromFile = kubeconfig(
      'token-file',
      { server: env.server, 'certificate-authority': env.caPath },
      { tokenFile: 'admin-token' },
    );
    const report = await child([
      `${env.adminKubeconfigPath}=${ns.name}`,
      `${tokenFromFile}=${ns.name}`,
      `${cert}=default`,
    ]);
    expect(report.results).toEqual([
      { identity: expect.any(String), clientNode: false, items: 0 },
      { identity: 'token-file-user', clientNode: false, items: 0 },
      { identity: 'cert-user', clientNode: false, items: 1 },
    ]);
    expect(peers).toEqual(['cert-user']);
    expect(report.seen).toEqual([]);
  });

  it('loads @kubernetes/client-node on the first request of an exec-plugin kubeconfig (the control)', async () => {
    const plugin = writeExecPlugin(dir, env.adminToken ?? '');
    const exec = kubeconfig(
      'exec',
      { server: env.server, 'certificate-authority': env.caPath },
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin],
          interactiveMode: 'Never',
        },
      },
    );
    const report = await child([`${exec}=${ns.name}`]);
    expect(report.results).toEqual([{ identity: 'exec-user', clientNode: true, items: 0 }]);
    expect(report.seen).toContain('@kubernetes/client-node');
  });
});
