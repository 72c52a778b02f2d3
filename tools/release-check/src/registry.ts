import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanEnv, freePort, run, spawnService, stopChild, tail } from './proc.ts';

/** Pinned verdaccio; 6.10.4 installs and runs under Node 22 and 24 (engines ">=22"). */
export const VERDACCIO_VERSION = '6.10.4';

/**
 * npm overrides for the verdaccio install. verdaccio-audit asks for `node-fetch@cjs` (a dist-tag);
 * registries or mirrors that publish only `latest` cannot resolve it, so pin what that tag means.
 */
const VERDACCIO_OVERRIDES = { 'verdaccio-audit': { 'node-fetch': '2.7.0' } };

/** A running throwaway registry. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Auth token of the throwaway publisher. */
  token: string;
  /** Path of the registry's log file. */
  logPath: string;
  stop(): Promise<void>;
}

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Folder for the install, config, storage and log (inside the run's temp folder). */
  dir: string;
  /** Registry that everything except `@kw/*` is proxied to. */
  upstream: string;
  /** Node binary to run verdaccio with. */
  node: string;
  /** Extra npm flags (cache, logs-dir) for the verdaccio install. */
  npmFlags: readonly string[];
  log: (line: string) => void;
}

function config(storage: string, upstream: string, htpasswd: string): string {
  return `# release-check: throwaway registry. @kw/* is served from local storage only.
storage: ${JSON.stringify(storage)}
auth:
  htpasswd:
    file: ${JSON.stringify(htpasswd)}
uplinks:
  upstream:
    url: ${JSON.stringify(upstream)}
    timeout: 60s
    maxage: 30m
packages:
  '@kw/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
web:
  enable: false
middlewares:
  audit:
    enabled: false
server:
  keepAliveTimeout: 60
max_body_size: 200mb
log: { type: stdout, format: pretty, level: warn }
`;
}

async function ping(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('-/ping', url), { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Installs verdaccio into `dir` (fast after the first run: npm's cache), starts it on a free
 * loopback port, creates a throwaway user and returns its token. `stop()` kills its process
 * group; nothing is written outside `dir`.
 */
export async function startRegistry(options: RegistryOptions): Promise<LocalRegistry> {
  const { dir, log } = options;
  const installDir = join(dir, 'install');
  await mkdir(installDir, { recursive: true });
  await writeFile(
    join(installDir, 'package.json'),
    `${JSON.stringify({ private: true, dependencies: { verdaccio: VERDACCIO_VERSION }, overrides: VERDACCIO_OVERRIDES }, null, 2)}\n`,
  );
  const install = await run(
    'npm',
    [
      'install',
      '--prefix',
      installDir,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--no-package-lock',
      ...options.npmFlags,
    ],
    { timeoutMs: 300_000 },
  );
  const bin = join(installDir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (install.code !== 0 || !existsSync(bin)) {
    throw new Error(
      `npm install verdaccio@${VERDACCIO_VERSION} failed (exit ${install.code}):\n${tail(install.stderr)}`,
    );
  }
  log(`verdaccio ${VERDACCIO_VERSION} installed (${(install.ms / 1000).toFixed(1)} s)`);

  const storage = join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  const configPath = join(dir, 'config.yaml');
  await writeFile(configPath, config(storage, options.upstream, join(dir, 'htpasswd')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const logPath = join(dir, 'verdaccio.log');
  const child: ChildProcess = spawnService(
    options.node,
    [bin, '--config', configPath, '--listen', `127.0.0.1:${port}`],
    {
      cwd: dir,
      env: cleanEnv({ HOME: dir }),
      logPath,
    },
  );
  const stop = () => stopChild(child);
  try {
    const deadline = Date.now() + 60_000;
    while (!(await ping(url))) {
      if (child.exitCode !== null)
        throw new Error(`verdaccio exited with ${child.exitCode}:\n${tail(readFileSync(logPath, 'utf8'))}`);
      if (Date.now() > deadline)
        throw new Error(`verdaccio did not answer ${url}-/ping within 60 s:\n${tail(readFileSync(logPath, 'utf8'))}`);
      await sleep(200);
    }
    const name = `release-check-${process.pid}`;
    const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        _id: `org.couchdb.user:${name}`,
        name,
        password: `pw-${Math.random().toString(36).slice(2)}`,
        type: 'user',
        roles: [],
        date: new Date().toISOString(),
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { token?: string; error?: string };
    if (!response.ok || body.token === undefined) {
      throw new Error(`verdaccio: creating the throwaway user failed: ${response.status} ${body.error ?? ''}`);
    }
    log(
      `verdaccio listening on ${url} (pid ${child.pid}); @kw/* local only, everything else proxied to ${options.upstream}`,
    );
    return { url, token: body.token, logPath, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
