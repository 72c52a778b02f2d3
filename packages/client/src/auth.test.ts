import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeconfigAuth } from './auth';
import { parseKubeconfig } from './kubeconfig-file';
import { ROTATING_FILE_MAX_AGE_MS } from './rotating-file';

let dir: string;
const clock = { now: () => Date.now() };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kw-auth-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** The auth of a one-cluster, one-user kubeconfig written to the temp dir. */
function authFor(cluster: Record<string, unknown>, user: Record<string, unknown> | undefined): KubeconfigAuth {
  const config = parseKubeconfig(
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://k.example', ...cluster } }],
      users: user === undefined ? [] : [{ name: 'u', user }],
    }),
    join(dir, 'config'),
  );
  return new KubeconfigAuth(config.clusters[0] as never, config.users[0], clock);
}

async function applied(auth: KubeconfigAuth): Promise<RequestOptions> {
  const options: RequestOptions = { headers: { Accept: 'application/json' } };
  await auth.apply(options);
  return options;
}

describe('KubeconfigAuth', () => {
  it('sends a bearer token and the Impersonate-User of `as`', async () => {
    const options = await applied(authFor({}, { token: 'abc', as: 'jane' }));
    expect(options.headers).toEqual({
      Accept: 'application/json',
      Authorization: 'Bearer abc',
      'Impersonate-User': 'jane',
    });
    expect(options).not.toHaveProperty('rejectUnauthorized');
  });

  it('re-reads a token file at most once a minute, so a rotated token is used within a minute', async () => {
    vi.useFakeTimers();
    writeFileSync(join(dir, 'token'), 'first\n');
    const auth = authFor({}, { tokenFile: 'token' }); // relative to the kubeconfig's folder
    expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer first' });
    writeFileSync(join(dir, 'token'), 'second');
    vi.advanceTimersByTime(ROTATING_FILE_MAX_AGE_MS - 1);
    expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer first' });
    vi.advanceTimersByTime(1);
    expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer second' });
  });

  it('rejects when the token file cannot be read, and reads it again on the next request', async () => {
    const auth = authFor({}, { tokenFile: join(dir, 'missing') });
    await expect(applied(auth)).rejects.toThrow(/ENOENT.*missing/);
    writeFileSync(join(dir, 'missing'), 'late');
    expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer late' });
  });

  it('sets client certificate, key and CA from files or base64 data', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'tls.crt'), 'CERT');
    const options = await applied(
      authFor(
        { 'certificate-authority': 'ca.crt', 'tls-server-name': 'api.internal' },
        { 'client-certificate': join(dir, 'tls.crt'), 'client-key-data': Buffer.from('KEY').toString('base64') },
      ),
    );
    expect([options.ca?.toString(), options.cert?.toString(), options.key?.toString()]).toEqual(['CA', 'CERT', 'KEY']);
    expect(options.servername).toBe('api.internal');
    expect(options.headers).toEqual({ Accept: 'application/json' });
  });

  it('re-reads a rotated client certificate within a minute', async () => {
    vi.useFakeTimers();
    writeFileSync(join(dir, 'tls.crt'), 'OLD');
    const auth = authFor({}, { 'client-certificate': 'tls.crt', 'client-key': 'tls.crt' });
    expect((await applied(auth)).cert?.toString()).toBe('OLD');
    writeFileSync(join(dir, 'tls.crt'), 'NEW');
    vi.advanceTimersByTime(ROTATING_FILE_MAX_AGE_MS);
    expect((await applied(auth)).cert?.toString()).toBe('NEW');
  });

  it('uses basic auth for username/password, and a bearer token over it when both are set', async () => {
    expect((await applied(authFor({}, { username: 'jane', password: 'pw' }))).auth).toBe('jane:pw');
    const both = await applied(authFor({}, { username: 'jane', password: 'pw', token: 't' }));
    // node:http sends `auth` only when no Authorization header is set: the token wins, as with client-node.
    expect(both.headers).toMatchObject({ Authorization: 'Bearer t' });
  });

  it('turns verification off only for insecure-skip-tls-verify, and applies the cluster without a user', async () => {
    expect((await applied(authFor({ 'insecure-skip-tls-verify': true }, undefined))).rejectUnauthorized).toBe(false);
    expect(
      await applied(authFor({ 'certificate-authority-data': Buffer.from('CA').toString('base64') }, undefined)),
    ).toEqual({
      headers: { Accept: 'application/json' },
      ca: Buffer.from('CA'),
    });
  });
});
