#!/usr/bin/env node
/**
 * Release check: proves every public kw package works when a user installs it alone from a
 * registry. Builds, packs (pnpm), checks the tarballs statically, publishes them to a throwaway
 * local verdaccio, installs fresh consumer projects outside the workspace and runs real uses
 * (ESM and CJS, Node 22 and 24, TypeScript node16/nodenext/bundler) against a kube-local
 * control plane. See README.md. Exit 0 all passed (skips allowed), 1 a real failure, 2 usage.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { proveIndependentBump } from './changeset-proof.ts';
import { ensureControlPlane } from './cluster.ts';
import {
  type AloneResult,
  APP_CLIENT_NODE,
  installAlone,
  proveSharedClientNode,
  SIZE_BASELINE_KIB,
  SIZE_BUDGET_BYTES,
} from './consumers.ts';
import { ensureNode, major, NODE_VERSIONS } from './node-runtimes.ts';
import { killAll, limiter, run, tail } from './proc.ts';
import { startRegistry } from './registry.ts';
import { type Cell, cellText, kb, Report, table } from './report.ts';
import { installScenario, SCENARIOS } from './scenarios.ts';
import { type BreakSpec, build, type Context, pack, publish } from './steps.ts';
import { discoverPackages, type PublicPackage } from './workspace.ts';

const REPO = resolve(import.meta.dirname, '..', '..', '..');

const USAGE = `usage: node tools/release-check/src/release-check.ts [flags]

  --no-build          assume packages are built (skip the build step)
  --keep              keep the temp folder (tarballs, consumers, registry log) and print its path
  --break[=PKG:SPEC]  negative proof: inject a runtime import of SPEC into PKG's packed dist
                      (default @kw/watcher:@kw/store-memory); the check must then fail naming both
  --static-only       build, pack and check the tarballs only (no registry, no consumers)
  -h, --help          this text

env: KW_CACHE_DIR (default <repo>/.cache): node runtimes and npm cache under release-check/`;

const OPTIONS = {
  'no-build': { type: 'boolean' },
  keep: { type: 'boolean' },
  break: { type: 'string' },
  'static-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What to undo at exit (registry, control plane, temp folder), last registered first. */
const cleanups: (() => Promise<void>)[] = [];

function parseBreak(value: string | boolean | undefined): BreakSpec | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === '') return { pkg: '@kw/watcher', spec: '@kw/store-memory' };
  const at = String(value).lastIndexOf(':');
  if (at <= 0) throw new Error(`--break=${value}: expected PKG:SPEC, e.g. @kw/watcher:@kw/store-memory`);
  return { pkg: String(value).slice(0, at), spec: String(value).slice(at + 1) };
}

async function main(report: Report): Promise<number> {
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
  try {
    // `--break` alone is allowed: rewrite it to `--break=` before parsing.
    const argv = process.argv.slice(2).map((a) => (a === '--break' ? '--break=' : a));
    args = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const brk = parseBreak(args.values.break);
  const cacheRoot = join(
    process.env.KW_CACHE_DIR ? resolve(process.env.KW_CACHE_DIR) : join(REPO, '.cache'),
    'release-check',
  );
  await mkdir(cacheRoot, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'kw-release-check-'));
  const npmCache = join(cacheRoot, 'npm-cache');
  const ctx: Context = {
    repo: REPO,
    report,
    tmp,
    packed: new Map(),
    unavailable: new Map(),
    nodes: new Map(),
    npmCache,
    localUserconfig: join(tmp, 'npmrc-local'),
    npmSlots: limiter(4),
  };
  // Upstream installs (verdaccio, node runtimes) use the user's npm config, with our cache and logs.
  const upstreamNpmFlags = [`--cache=${npmCache}`, `--logs-dir=${join(tmp, 'npm-logs')}`, '--update-notifier=false'];
  cleanups.push(async () => {
    if (args.values.keep === true) console.log(`\nkept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  });

  report.heading('Release check');
  for (const [tool, flag] of [
    ['pnpm', '--version'],
    ['npm', '--version'],
    ['tar', '--version'],
  ] as const) {
    const probe = await run(tool, [flag], { timeoutMs: 30_000 });
    if (probe.code !== 0)
      throw new Error(`${tool} is needed on PATH (${tool} ${flag} exited ${probe.code}: ${tail(probe.stderr, 2)})`);
  }
  const packages = discoverPackages(REPO);
  report.info(`repo ${REPO}; temp folder ${tmp}`);
  report.info(`public packages (${packages.length}): ${packages.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  if (brk !== undefined && !packages.some((p) => p.name === brk.pkg))
    throw new Error(`--break: ${brk.pkg} is not a public package`);

  await build(packages, ctx, args.values['no-build'] === true);
  await pack(packages, ctx, brk);
  if (brk !== undefined && !ctx.packed.has(brk.pkg))
    throw new Error(`--break: ${brk.pkg} did not pack (${ctx.unavailable.get(brk.pkg)})`);

  report.heading('Step 3: independent versions (changeset for @kw/indexer patch)');
  try {
    const proof = await proveIndependentBump(REPO, join(tmp, 'changeset-proof'), '@kw/indexer');
    for (const line of proof.lines) report.info(line);
    for (const problem of proof.problems) report.fail(`changesets: ${problem}`);
  } catch (error) {
    report.fail(`changesets: ${(error as Error).message}`);
  }

  if (args.values['static-only'] === true) return summary(ctx, packages, new Map(), undefined);

  report.heading('Step 4: local registry, Node runtimes, control plane');
  const upstream =
    (
      await run('npm', ['config', 'get', 'registry', `--logs-dir=${join(tmp, 'npm-logs')}`], { timeoutMs: 30_000 })
    ).stdout.trim() || 'https://registry.npmjs.org/';
  const needsCluster = ['@kw/client', '@kw/watcher', '@kw/leaderelection', '@kw/cli'].some((n) => ctx.packed.has(n));
  const [registry, plane] = await Promise.all([
    startRegistry({
      dir: join(tmp, 'verdaccio'),
      upstream,
      node: process.execPath,
      npmFlags: upstreamNpmFlags,
      log: (line) => report.info(line),
    }),
    needsCluster
      ? ensureControlPlane(REPO, join(tmp, 'kube-local-run'), (line) => report.info(line))
      : Promise.resolve(undefined),
    ...NODE_VERSIONS.map(async (version) => {
      const bin = await ensureNode(cacheRoot, version, upstreamNpmFlags);
      ctx.nodes.set(major(version), bin);
      const features = await run(bin, ['-p', 'process.features.require_module'], { timeoutMs: 30_000 });
      report.info(`node ${version}: ${bin} (require(esm): ${features.stdout.trim()})`);
    }),
  ]);
  ctx.registry = registry;
  cleanups.push(() => registry.stop());
  if (plane !== undefined) {
    ctx.plane = plane;
    cleanups.push(() => plane.stop());
  }
  const host = new URL(registry.url).host;
  await writeFile(
    ctx.localUserconfig,
    [
      `registry=${registry.url}`,
      `//${host}/:_authToken=${registry.token}`,
      `cache=${npmCache}`,
      `logs-dir=${join(tmp, 'npm-logs')}`,
      'update-notifier=false',
      'fund=false',
      'audit=false',
      '',
    ].join('\n'),
  );

  await publish(ctx);

  // Scenario consumers install while the per-package consumers are measured.
  const installs = SCENARIOS.map((s) => installScenario(ctx, s));
  const alone = await installAlone(ctx, packages);
  const shared = await proveSharedClientNode(ctx);

  report.heading('Step 7: scenarios (fresh consumers, local registry only)');
  for (const [i, s] of SCENARIOS.entries()) await s.run(ctx, installs[i]);

  return summary(ctx, packages, alone, shared);
}

function summary(
  ctx: Context,
  packages: PublicPackage[],
  alone: Map<string, AloneResult>,
  shared: Cell | undefined,
): number {
  const { report } = ctx;
  report.heading('Summary');
  const loadCols = NODE_VERSIONS.flatMap((v) => [`ESM ${major(v)}`, `CJS ${major(v)}`]);
  console.log(
    '\nPackages (tarball from pnpm pack; install = du of node_modules after `npm install <pkg>` alone; before = main at c6a32a7):\n',
  );
  console.log(
    table(
      [
        'package',
        'version',
        'tarball',
        'static',
        'install before',
        'install',
        'budget',
        'deps',
        ...loadCols.map((c) => `load ${c}`),
      ],
      packages.map((p) => {
        const packed = ctx.packed.get(p.name);
        const a = alone.get(p.name);
        const before = SIZE_BASELINE_KIB[p.name];
        const budget = SIZE_BUDGET_BYTES[p.name];
        const staticCell =
          packed === undefined ? 'SKIP' : packed.findings.length === 0 ? 'PASS' : `FAIL (${packed.findings.length})`;
        return [
          p.name,
          p.version,
          packed === undefined ? `- (${ctx.unavailable.get(p.name) ?? 'not packed'})`.slice(0, 40) : kb(packed.size),
          staticCell,
          before === undefined ? '-' : kb(before * 1024),
          a?.bytes === undefined ? '-' : kb(a.bytes),
          budget === undefined
            ? '-'
            : `${kb(budget)} ${a?.bytes === undefined ? '' : a.bytes <= budget ? 'PASS' : 'FAIL'}`,
          a?.install?.added === undefined ? '-' : String(a.install.added),
          ...loadCols.map((c) => cellText(a?.cells.get(c))),
        ];
      }),
    ),
  );
  if (shared !== undefined)
    console.log(
      `\nOne @kubernetes/client-node after client-node@${APP_CLIENT_NODE} then @kw/client: ${cellText(shared)}`,
    );
  return report.finish(NODE_VERSIONS.map(major));
}

async function cleanup(): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (error) {
      console.error(`cleanup: ${(error as Error).message}`);
    }
  }
  cleanups.length = 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\nrelease-check: ${signal}, cleaning up (again to force)...`);
    killAll();
    void cleanup().finally(() => process.exit(130));
  });
}

main(new Report()).then(
  async (code) => {
    await cleanup();
    killAll();
    process.exitCode = code;
  },
  async (error: unknown) => {
    console.error(`\nrelease-check: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanup();
    killAll();
    process.exitCode = 1;
  },
);
