import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** User name of the admin identity (group system:masters). */
export const ADMIN_USER = 'kw-admin';

/** User name of the restricted identity: authenticated, but no RBAC grants. */
export const RESTRICTED_USER = 'kw-restricted';

/** Certificates, keys and bearer tokens of a kube-local cluster. */
export interface Pki {
  /** Folder holding every file below. */
  dir: string;
  /** CA certificate that signed the serving certificate (PEM). */
  caPath: string;
  /** Serving certificate for 127.0.0.1 and localhost (PEM). */
  serverCertPath: string;
  /** Serving key (PEM). */
  serverKeyPath: string;
  /** Service-account signing key (private, PEM). */
  saKeyPath: string;
  /** Service-account verification key (public, PEM). */
  saPubPath: string;
  /** kube-apiserver --token-auth-file. */
  tokenFilePath: string;
  /** Bearer token of {@link ADMIN_USER}. */
  adminToken: string;
  /** Bearer token of {@link RESTRICTED_USER}. */
  restrictedToken: string;
}

function layout(dir: string): Omit<Pki, 'adminToken' | 'restrictedToken'> {
  return {
    dir,
    caPath: join(dir, 'ca.crt'),
    serverCertPath: join(dir, 'server.crt'),
    serverKeyPath: join(dir, 'server.key'),
    saKeyPath: join(dir, 'sa.key'),
    saPubPath: join(dir, 'sa.pub'),
    tokenFilePath: join(dir, 'tokens.csv'),
  };
}

/**
 * Returns the cluster PKI stored in `dir`, generating it once with the openssl CLI:
 * a CA, a serving certificate for 127.0.0.1/localhost, a service-account key pair and a
 * token file with an admin and a restricted identity. Generation happens in a temporary
 * folder renamed into place, so a half-written PKI is never reused.
 */
export async function ensurePki(dir: string): Promise<Pki> {
  if (!existsSync(join(dir, 'tokens.csv'))) await generate(dir);
  const files = layout(dir);
  const tokens = parseTokens(await readFile(files.tokenFilePath, 'utf8'));
  const adminToken = tokens.get(ADMIN_USER);
  const restrictedToken = tokens.get(RESTRICTED_USER);
  if (adminToken === undefined || restrictedToken === undefined) {
    throw new Error(
      `kube-local: ${files.tokenFilePath} lacks ${ADMIN_USER} or ${RESTRICTED_USER}; delete ${dir} to regenerate`,
    );
  }
  return { ...files, adminToken, restrictedToken };
}

function parseTokens(csv: string): Map<string, string> {
  const byUser = new Map<string, string>();
  for (const line of csv.split('\n')) {
    const [token, user] = line.split(',');
    if (token !== undefined && user !== undefined && token !== '') byUser.set(user, token);
  }
  return byUser;
}

async function generate(dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  const f = layout(tmp);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      join(tmp, 'ca.key'),
      '-out',
      f.caPath,
      '-days',
      '3650',
      '-subj',
      '/CN=kube-local-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const ext = join(tmp, 'server.ext');
    await writeFile(
      ext,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
        '',
      ].join('\n'),
    );
    const csr = join(tmp, 'server.csr');
    await openssl(['req', ...ec, '-keyout', f.serverKeyPath, '-out', csr, '-subj', '/CN=kube-apiserver']);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      f.caPath,
      '-CAkey',
      join(tmp, 'ca.key'),
      '-CAcreateserial',
      '-out',
      f.serverCertPath,
      '-days',
      '3650',
      '-extfile',
      ext,
    ]);
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f.saKeyPath]);
    await openssl(['pkey', '-in', f.saKeyPath, '-pubout', '-out', f.saPubPath]);
    const token = (): string => randomBytes(24).toString('hex');
    await writeFile(
      f.tokenFilePath,
      `${token()},${ADMIN_USER},${ADMIN_USER},"system:masters"\n${token()},${RESTRICTED_USER},${RESTRICTED_USER}\n`,
      { mode: 0o600 },
    );
    for (const key of [join(tmp, 'ca.key'), f.serverKeyPath, f.saKeyPath]) await chmod(key, 0o600);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `kube-local: openssl ${args[0] ?? ''} failed (is the openssl CLI installed?): ${String(error)}\n${stderr}`,
    );
  }
}
