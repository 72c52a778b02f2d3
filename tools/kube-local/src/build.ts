import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findGo } from './go-toolchain.ts';
import { withLock } from './lock.ts';
import { binDir, buildLockDir, GO_MODULE_DIR } from './paths.ts';
import { ETCD_VERSION, K8S_VERSION } from './versions.ts';

/** Absolute paths of the control-plane binaries. */
export interface Binaries {
  /** kube-apiserver built from k8s.io/kubernetes. */
  kubeApiserver: string;
  /** etcd built from go.etcd.io/etcd/server/v3. */
  etcd: string;
}

/** Options of {@link ensureBinaries}. */
export interface BuildOptions {
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
  /** Rebuild even when cached binaries exist. */
  force?: boolean;
}

interface Target {
  name: string;
  pkg: string;
  ldflags: string[];
  expectInVersion: string;
  estimate: string;
}

const K8S_MINOR = K8S_VERSION.replace(/^v/, '').split('.')[1] ?? '0';

const TARGETS: Record<keyof Binaries, Target> = {
  etcd: {
    name: 'etcd',
    pkg: 'go.etcd.io/etcd/server/v3',
    ldflags: [`-X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}`],
    expectInVersion: ETCD_VERSION.replace(/^v/, ''),
    estimate: 'seconds after kube-apiserver, ~1-2 min alone',
  },
  kubeApiserver: {
    name: 'kube-apiserver',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    ldflags: [
      `-X k8s.io/component-base/version.gitVersion=${K8S_VERSION}`,
      '-X k8s.io/component-base/version.gitMajor=1',
      `-X k8s.io/component-base/version.gitMinor=${K8S_MINOR}`,
      '-X k8s.io/component-base/version.gitTreeState=clean',
    ],
    expectInVersion: K8S_VERSION,
    estimate: '~4-6 min',
  },
};

/** Paths where the binaries of the pinned versions are (or will be) cached. */
export function binaryPaths(): Binaries {
  return {
    kubeApiserver: join(binDir(), 'kube-apiserver'),
    etcd: join(binDir(), 'etcd'),
  };
}

/**
 * Returns the cached kube-apiserver and etcd binaries, building the missing ones with Go
 * from the pinned module in tools/kube-local/go. Only the first run pays the build. Each
 * binary is built under a temporary name and renamed into place once it runs, so an
 * interrupted build never leaves a broken cached binary.
 */
export async function ensureBinaries(options: BuildOptions = {}): Promise<Binaries> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const paths = binaryPaths();
  const order: (keyof Binaries)[] = ['kubeApiserver', 'etcd']; // etcd then reuses most compiled packages
  const needed = (): (keyof Binaries)[] => order.filter((k) => options.force === true || !existsSync(paths[k]));
  if (needed().length === 0) return paths;
  await mkdir(binDir(), { recursive: true });
  return withLock(
    buildLockDir(),
    async () => {
      const missing = needed(); // another process may have built them while we waited
      if (missing.length === 0) return paths;
      await removeAbandonedTemps();
      const go = findGo();
      for (const key of missing) await buildOne(go, TARGETS[key], paths[key], log);
      return paths;
    },
    { onWait: (pid) => log(`kube-local: waiting for the build running in pid ${pid}...`) },
  );
}

async function buildOne(go: string, target: Target, dest: string, log: (l: string) => void): Promise<void> {
  const version = target === TARGETS.etcd ? ETCD_VERSION : K8S_VERSION;
  log(`kube-local: building ${target.name} ${version} (first run only, ${target.estimate})...`);
  const started = Date.now();
  const tmp = `${dest}.tmp-${process.pid}`;
  const args = [
    'build',
    '-mod=readonly',
    '-buildvcs=false',
    '-trimpath',
    '-ldflags',
    ['-s', '-w', ...target.ldflags].join(' '),
    '-o',
    tmp,
    target.pkg,
  ];
  const heartbeat = setInterval(() => {
    log(`kube-local: still building ${target.name}... ${elapsed(started)}`);
  }, 30_000);
  try {
    const output = await run(go, args, GO_MODULE_DIR);
    if (output.code !== 0) {
      throw new Error(
        `kube-local: building ${target.name} failed (go ${args.join(' ')} in ${GO_MODULE_DIR}, exit ${output.code}):\n${tail(output.text, 40)}`,
      );
    }
    const probe = spawnSync(tmp, ['--version'], { encoding: 'utf8' });
    const said = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
    if (probe.status !== 0 || !said.includes(target.expectInVersion)) {
      throw new Error(
        `kube-local: built ${target.name} but '${tmp} --version' did not report ${target.expectInVersion}:\n${said}`,
      );
    }
    await rename(tmp, dest);
    log(`kube-local: built ${target.name} ${version} in ${elapsed(started)} -> ${dest}`);
  } finally {
    clearInterval(heartbeat);
    await rm(tmp, { force: true });
  }
}

/** Deletes half-built binaries (`<name>.tmp-<pid>`) of builds whose process died. */
async function removeAbandonedTemps(): Promise<void> {
  for (const name of await readdir(binDir())) {
    const match = /\.tmp-(\d+)$/.exec(name);
    if (match !== null && Number(match[1]) !== process.pid) await rm(join(binDir(), name), { force: true });
  }
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const append = (chunk: Buffer): void => {
      text = (text + chunk.toString('utf8')).slice(-64_000);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, text }));
  });
}

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Last `lines` lines of a text. */
export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
