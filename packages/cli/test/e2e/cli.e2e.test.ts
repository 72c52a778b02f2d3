/**
 * The built `kw` binary (packages/cli/dist/cli.js) against a real control plane. Build first:
 * `pnpm --filter "@kw/cli..." run build` (the package's test:e2e script does).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, kubeEnv, useNamespace } from '@kw/kube-local/e2e';
import { beforeAll, describe, expect, it } from 'vitest';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(kubeconfig: string): NodeJS.ProcessEnv {
  const { KW_DEBUG: _debug, ...rest } = process.env;
  return { ...rest, KUBECONFIG: kubeconfig };
}

/** Runs `kw` to completion. */
function kw(args: string[], kubeconfig = kubeEnv().adminKubeconfigPath): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: env(kubeconfig), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `kw` whose output is collected; `waitFor` polls it until a pattern shows up. */
class Running {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { env: env(kubeEnv().adminKubeconfigPath) });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<void> {
    await expect.poll(() => this[stream], { timeout: 30_000, interval: 50 }).toMatch(pattern);
  }
}

const ns = useNamespace('kw-cli');

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing — build first: pnpm --filter "@kw/cli..." run build`);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const objects = [
    ['web-1', 'web'],
    ['web-2', 'web'],
    ['api-1', 'api'],
  ] as const;
  for (const [name, app] of objects) {
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name, labels: { app } }, data: { key: name } },
    });
  }
});

describe('kw watch --once', () => {
  it('prints the sync and answers full and partial --get lookups', async () => {
    const result = await kw([
      'watch',
      'configmaps',
      '-n',
      ns.name,
      '--index-by',
      'metadata.namespace',
      '--index-by',
      "metadata.labels['app']",
      '--get',
      `${ns.name},web`,
      '--get',
      ns.name,
      '--once',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^synced 3 objects of configmaps in namespace "${ns.name}" in `));
    expect(lines.slice(1)).toEqual([
      `get ${ns.name},web: 2 objects`,
      `  ${ns.name}/web-1  [${ns.name} | web]`,
      `  ${ns.name}/web-2  [${ns.name} | web]`,
      `get ${ns.name}: 3 objects`,
      `  ${ns.name}/api-1  [${ns.name} | api]`,
      `  ${ns.name}/web-1  [${ns.name} | web]`,
      `  ${ns.name}/web-2  [${ns.name} | web]`,
    ]);
  });

  it('resolves a short name and a group-qualified resource through discovery', async () => {
    const short = await kw(['watch', 'cm', '-n', ns.name, '--get', `${ns.name},api-1`, '--once']);
    expect(short.code).toBe(0);
    expect(short.stdout).toContain(`get ${ns.name},api-1: 1 object\n  ${ns.name}/api-1`);
    const grouped = await kw(['watch', 'leases.coordination.k8s.io', '-n', ns.name, '--once']);
    expect(grouped.code).toBe(0);
    expect(grouped.stdout).toContain('of leases.coordination.k8s.io in namespace');
  });

  it('works with the cached store and metadata-only watching', async () => {
    const result = await kw([
      'watch',
      'configmaps',
      '-n',
      ns.name,
      '--metadata-only',
      '--get',
      `${ns.name},web-2`,
      '--once',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`get ${ns.name},web-2: 1 object\n  ${ns.name}/web-2  [${ns.name} | web-2]`);
  });
});

describe('kw errors', () => {
  it('exits 2 with one line naming a wrong JSONPath', async () => {
    const result = await kw(['watch', 'configmaps', '-n', ns.name, '--index-by', 'metadata..name', '--once']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'kw: --index-by "metadata..name": empty segment after "metadata." — did you mean "metadata.name"?\n',
    );
  });

  it('exits 2 with one line naming an unknown resource', async () => {
    const result = await kw(['watch', 'frobnicators', '-n', ns.name, '--once']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kw: unknown resource "frobnicators": [^\n]*\n$/);
  });

  it('exits 2 naming an API group the server does not have', async () => {
    const result = await kw(['watch', 'widgets.example.com', '--once']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^kw: unknown resource "widgets.example.com": the server has no API group "example.com"/,
    );
  });

  it("exits 2 printing the server's message for a label selector it rejects, from the watcher's error", async () => {
    const result = await kw(['watch', 'configmaps', '-n', ns.name, '-l', 'app in (', '--once']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^kw: the server rejected the request \(400\) with labelSelector "app in \(": "[^\n]*unable to parse requirement[^\n]*"/,
    );
  });

  it('exits 3 naming the missing permission for a 403', async () => {
    const restricted = kubeEnv().restrictedKubeconfigPath;
    if (restricted === null) return;
    const result = await kw(['watch', 'configmaps', '-n', ns.name, '--once'], restricted);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^kw: forbidden: "[^"]+" may not list configmaps in namespace "${ns.name}" — it needs RBAC permission to list and watch configmaps`,
      ),
    );
  });

  it('prints a stack trace only with KW_DEBUG=1', async () => {
    const plain = await kw(['watch', 'configmaps', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(plain).toMatchObject({
      code: 2,
      stderr: 'kw: --kubeconfig "/nonexistent/kubeconfig": no such file — check the path\n',
    });
    const debug = await new Promise<Result>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'watch', 'configmaps', '--kubeconfig', '/nonexistent/kubeconfig'],
        { env: { ...process.env, KW_DEBUG: '1' } },
        (error, stdout, stderr) =>
          resolve({ code: error?.code === undefined ? 0 : Number(error.code), stdout, stderr }),
      );
    });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toContain('KubeconfigError: --kubeconfig "/nonexistent/kubeconfig"');
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('kw watch (live)', () => {
  it('prints a change line after a change and stops cleanly on SIGTERM', async () => {
    const running = new Running(['watch', 'configmaps', '-n', ns.name, '--debounce', '50', '--get', ns.name]);
    await running.waitFor('stderr', /watching for changes/);
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'live-1' } } });
    await running.waitFor('stdout', /\+1 ~0 -0 {2}total 4 {2}relists 0 {2}[^ ]+: 4\n/);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.stderr).toMatch(/stopped after /);
  });
});

describe('kw inspect', () => {
  it('reports key cardinality, sizes and a store recommendation', async () => {
    const result = await kw(['inspect', 'configmaps', '-n', ns.name, '--index-by', "metadata.labels['app']"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/keys:\n {2}metadata\.labels\['app'\] {2}\d+ distinct values/);
    expect(result.stdout).toContain('size (JSON):');
    expect(result.stdout).toMatch(/recommended store: memory — /);
  });
});

describe('kw leader', () => {
  it('leads an uncontested lease, then releases it on SIGTERM', async () => {
    const running = new Running(['leader', 'kw-e2e-lock', '-n', ns.name, '--identity', 'e2e-candidate']);
    await running.waitFor('stdout', /e2e-candidate started leading/);
    expect(running.stdout).toMatch(/leader is e2e-candidate \(this process\)/);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.stdout).toMatch(/e2e-candidate stopped leading/);
    const lease = await adminKubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'kw-e2e-lock', namespace: ns.name });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  });
});

describe('kw watch --ring', () => {
  const ringNs = useNamespace('kw-cli-ring');
  const FULL = /holding {2}shard uid \[0x0000000000000000, 0x10000000000000000\) client-filtered/;
  const LOWER = 'shard uid [0x0000000000000000, 0x8000000000000000)';
  const UPPER = 'shard uid [0x8000000000000000, 0x10000000000000000)';
  /** The last status line's `total` after `shard`, from the live lines (`… total N  relists R  shard …`). */
  const lastTotal = (stdout: string, shard: string): number | undefined => {
    const line = stdout.split('\n').findLast((l) => l.includes(`  ${shard} client-filtered`) && l.includes(' total '));
    const total = line?.match(/ total (\d+) /)?.[1];
    return total === undefined ? undefined : Number(total);
  };

  it('splits the hash space between two processes, each showing its range, and widens on a SIGTERM', async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const create = (name: string) =>
      core.createNamespacedConfigMap({ namespace: ringNs.name, body: { metadata: { name } } });
    const ringArgs = (identity: string) => [
      'watch',
      'configmaps',
      '-n',
      ringNs.name,
      '--ring',
      'cli-ring',
      '--identity',
      identity,
      '--debounce',
      '20',
    ];
    const a = new Running(ringArgs('ring-a'));
    const processes = [a];
    try {
      await a.waitFor('stdout', FULL);
      const second = new Running(ringArgs('ring-b'));
      processes.push(second);
      // Identities sorted: ring-a owns the lower half, ring-b the upper.
      await second.waitFor('stdout', new RegExp(`holding {2}${literal(UPPER)} client-filtered`));
      await a.waitFor('stderr', new RegExp(`ring cli-ring: 2 members, now holding {2}${literal(LOWER)}`));

      const names = Array.from({ length: 16 }, (_, i) => `ring-${i}`);
      for (const name of names) await create(name);
      await expect
        .poll(() => [lastTotal(a.stdout, LOWER), lastTotal(second.stdout, UPPER)], { timeout: 30_000, interval: 50 })
        .toSatisfy(
          (totals: Array<number | undefined>) =>
            totals[0] !== undefined && totals[1] !== undefined && totals[0] + totals[1] === names.length,
        );

      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      await a.waitFor(
        'stderr',
        /ring cli-ring: 1 member, now holding {2}shard uid \[0x0000000000000000, 0x10000000000000000\)/,
      );
      await create('ring-after');
      await a.waitFor(
        'stdout',
        new RegExp(
          `total ${names.length + 1} .*shard uid \\[0x0000000000000000, 0x10000000000000000\\) client-filtered`,
        ),
      );
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
    } finally {
      for (const p of processes) p.child.kill('SIGKILL');
    }
  });
});

/** `text` as a RegExp source matching it literally. */
function literal(text: string): string {
  return text.replace(/[[\]().]/g, '\\$&');
}
