import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN_TAG } from './versions.ts';

/** Folder of this package (tools/kube-local). */
export const PACKAGE_DIR: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Root of the kw repository. */
export const REPO_ROOT: string = resolve(PACKAGE_DIR, '..', '..');

/** Go module that pins kube-apiserver and etcd. */
export const GO_MODULE_DIR: string = join(PACKAGE_DIR, 'go');

/** Cache root: `$KW_CACHE_DIR` or `<repo>/.cache`. */
export function cacheDir(): string {
  const fromEnv = process.env.KW_CACHE_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(REPO_ROOT, '.cache');
}

/** Folder holding the built binaries for the pinned versions. */
export function binDir(): string {
  return join(cacheDir(), 'kube-local', 'bin', BIN_TAG);
}

/**
 * Run folder: certificates, tokens, kubeconfigs, logs, etcd data and state.json.
 * `$KW_KUBE_LOCAL_RUN_DIR` selects another one, i.e. a separate cluster (e.g. one per
 * engineer or CI job sharing a checkout); the default is `<cache>/kube-local/run`.
 */
export function runDir(): string {
  const fromEnv = process.env.KW_KUBE_LOCAL_RUN_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(cacheDir(), 'kube-local', 'run');
}

/** Lock serializing start/stop/restart of the cluster in `dir` (default {@link runDir}). */
export function lifecycleLockDir(dir: string = runDir()): string {
  return `${dir}.lock`;
}

/** Lock serializing builds into {@link binDir}. */
export function buildLockDir(): string {
  return `${binDir()}.lock`;
}

/** Path of state.json in `dir` (default {@link runDir}), the record of the running cluster shared by all processes. */
export function statePath(dir: string = runDir()): string {
  return join(dir, 'state.json');
}
