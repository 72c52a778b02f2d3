#!/usr/bin/env node
/**
 * Release check: proves every public kw package works when a user installs it alone from a
 * registry. Builds, packs (pnpm), checks the tarballs statically, publishes them to a throwaway
 * local verdaccio, installs fresh consumer projects outside the workspace and runs real uses
 * (ESM and CJS, Node 22 and 24, TypeScript node16/nodenext/bundler) against a kube-local
 * control plane. See README.md. Exit 0 all passed (skips allowed), 1 a real failure, 2 usage.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { proveIndependentBump } from './changeset-proof.ts';
import { type ControlPlane, createNamespace, deleteNamespace, ensureControlPlane } from './cluster.ts';
import { ensureNode, major, NODE_VERSIONS } from './node-runtimes.ts';
import { cleanEnv, inParallel, killAll, limiter, run, tail } from './proc.ts';
import { type LocalRegistry, startRegistry } from './registry.ts';
import { checkUnpacked, type Finding } from './static-checks.ts';
import { discoverPackages, missingBuildOutputs, type PublicPackage } from './workspace.ts';

const TOOL_DIR = resolve(import.meta.dirname, '..');
const REPO = resolve(TOOL_DIR, '..', '..');
const CONSUMERS = join(TOOL_DIR, 'consumers');

const USAGE = `usage: node tools/release-check/src/release-check.ts [flags]

  --no-build          assume packages are built (skip the build step)
  --keep              keep the temp folder (tarballs, consumers, registry log) and print its path
  --break[=PKG:SPEC]  negative proof: inject a runtime import of SPEC into PKG's packed dist
                      (default @kw/watcher:@kw/store-memory); the check must then fail naming both
  --static-only       build, pack and check the tarballs only (no registry, no consumers)
  -h, --help          this text

env: KW_CACHE_DIR (default <repo>/.cache): node runtimes and npm cache under release-check/`;

// ---------------------------------------------------------------- output

type Status = 'pass' | 'fail' | 'skip' | 'n/a';
interface Cell {
  status: Status;
  detail?: string;
}

const started = Date.now();
const failures: string[] = [];
const skips: string[] = [];
const notes: string[] = [];

function heading(text: string): void {
  const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`\n== [${elapsed} s] ${text} ${'='.repeat(Math.max(3, 86 - text.length))}`);
}
const info = (line: string) => console.log(`   ${line}`);
function fail(message: string): void {
  failures.push(message);
  console.log(`   FAIL ${message}`);
}
function skip(message: string): void {
  skips.push(message);
  console.log(`   SKIP ${message}`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
const kb = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const cellText = (cell: Cell | undefined) => (cell === undefined ? '-' : cell.status.toUpperCase());

// ---------------------------------------------------------------- state of this run

interface Packed {
  pkg: PublicPackage;
  tarball: string;
  size: number;
  /** The tarball's package.json (ranges rewritten by pnpm). */
  manifest: Record<string, unknown>;
  findings: Finding[];
}

interface Context {
  tmp: string;
  packed: Map<string, Packed>;
  /** Why a package is not available (build failed, pack failed, ...). */
  unavailable: Map<string, string>;
  registry?: LocalRegistry;
  plane?: ControlPlane;
  /** major → node binary. */
  nodes: Map<string, string>;
  npmCache: string;
  localUserconfig: string;
}

const cleanups: (() => Promise<void>)[] = [];
/** At most 4 npm installs at once (2-core machines). */
const npmSlots = limiter(4);

// ---------------------------------------------------------------- steps

async function build(packages: PublicPackage[], ctx: Context, noBuild: boolean): Promise<void> {
  heading(
    noBuild
      ? 'Step 1: build (skipped: --no-build; checking outputs exist)'
      : `Step 1: build ${packages.length} public packages`,
  );
  await inParallel(packages, noBuild ? packages.length : 2, async (pkg) => {
    if (!noBuild) {
      const result = await run('pnpm', ['--filter', pkg.name, 'run', 'build'], { cwd: REPO, timeoutMs: 300_000 });
      if (result.code !== 0) {
        const reason = `build failed (exit ${result.code}): ${firstError(result.stdout + result.stderr)}`;
        ctx.unavailable.set(pkg.name, reason);
        skip(`${pkg.name}: ${reason}`);
        return;
      }
      info(`built ${pkg.name} (${(result.ms / 1000).toFixed(1)} s)`);
    }
    const missing = missingBuildOutputs(pkg);
    if (missing.length > 0) {
      const reason = `not built: missing ${missing.join(', ')}`;
      ctx.unavailable.set(pkg.name, reason);
      skip(`${pkg.name}: ${reason}`);
    }
  });
}

function firstError(output: string): string {
  const line = output.split('\n').find((l) => /error|ERR_|Cannot|not found/i.test(l) && !/^\s*$/.test(l));
  return (line ?? tail(output, 1)).trim().slice(0, 240);
}

async function pack(
  packages: PublicPackage[],
  ctx: Context,
  brk: { pkg: string; spec: string } | undefined,
): Promise<void> {
  heading('Step 2: pack (pnpm pack) and check tarballs');
  const dest = join(ctx.tmp, 'packs');
  await mkdir(dest, { recursive: true });
  const available = packages.filter((p) => !ctx.unavailable.has(p.name));
  await inParallel(available, 3, async (pkg) => {
    const result = await run('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir, timeoutMs: 120_000 });
    const tarball = result.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .reverse()
      .find((l) => l.endsWith('.tgz'));
    if (result.code !== 0 || tarball === undefined) {
      ctx.unavailable.set(pkg.name, `pnpm pack failed (exit ${result.code})`);
      fail(`${pkg.name}: pnpm pack failed (exit ${result.code}): ${tail(result.stderr, 5)}`);
      return;
    }
    const tgz = tarball.startsWith('/') ? tarball : join(dest, basename(tarball));
    const unpacked = join(ctx.tmp, 'unpacked', pkg.name.replace('/', '__'));
    await mkdir(unpacked, { recursive: true });
    const untar = await run('tar', ['-xzf', tgz, '-C', unpacked], { timeoutMs: 60_000 });
    if (untar.code !== 0) throw new Error(`tar -xzf ${tgz}: ${untar.stderr}`);
    const dir = join(unpacked, 'package');
    if (brk?.pkg === pkg.name) await injectBrokenImport(dir, pkg.name, brk.spec);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    let finalTgz = tgz;
    if (brk?.pkg === pkg.name) {
      finalTgz = tgz.replace(/\.tgz$/, '-broken.tgz');
      const repack = await run('tar', ['-czf', finalTgz, '-C', unpacked, 'package'], { timeoutMs: 60_000 });
      if (repack.code !== 0) throw new Error(`tar -czf ${finalTgz}: ${repack.stderr}`);
    }
    const findings = checkUnpacked(dir);
    ctx.packed.set(pkg.name, { pkg, tarball: finalTgz, size: statSync(finalTgz).size, manifest, findings });
  });
  for (const pkg of available) {
    const p = ctx.packed.get(pkg.name);
    if (p === undefined) continue;
    if (p.findings.length === 0)
      info(
        `${pkg.name}@${pkg.version}: ${basename(p.tarball)} ${kb(p.size)} — no workspace: ranges, entry files present, every import declared`,
      );
    for (const f of p.findings) fail(`${f.pkg} [${f.check}]: ${f.message}`);
  }
}

/** Negative proof: adds a runtime import of `spec` to the package's built entry files. */
async function injectBrokenImport(dir: string, name: string, spec: string): Promise<void> {
  const cjs = join(dir, 'dist', 'index.cjs');
  const esm = join(dir, 'dist', 'index.js');
  if (existsSync(cjs)) await writeFile(cjs, `${await readFile(cjs, 'utf8')}\nrequire(${JSON.stringify(spec)});\n`);
  if (existsSync(esm)) await writeFile(esm, `import ${JSON.stringify(spec)};\n${await readFile(esm, 'utf8')}`);
  console.log(
    `   --break: injected a runtime import of "${spec}" into ${name}'s packed dist/index.js and dist/index.cjs`,
  );
}

async function publish(ctx: Context): Promise<void> {
  const registry = ctx.registry;
  if (registry === undefined) return;
  heading(`Step 5: publish ${ctx.packed.size} tarballs to ${registry.url}`);
  for (const packed of sortedPacked(ctx)) {
    const result = await run(
      'npm',
      [
        'publish',
        packed.tarball,
        '--registry',
        registry.url,
        '--access',
        'public',
        '--tag',
        'latest',
        '--ignore-scripts',
      ],
      { cwd: ctx.tmp, env: npmEnv(ctx), timeoutMs: 120_000 },
    );
    if (result.code !== 0) {
      ctx.unavailable.set(packed.pkg.name, 'npm publish failed');
      ctx.packed.delete(packed.pkg.name);
      fail(`${packed.pkg.name}: npm publish failed (exit ${result.code}): ${tail(result.stderr, 6)}`);
    } else {
      info(`published ${packed.pkg.name}@${packed.pkg.version}`);
    }
  }
}

function sortedPacked(ctx: Context): Packed[] {
  return [...ctx.packed.values()];
}

/** Env for npm talking to the local registry: only the throwaway userconfig, no inherited npm_* vars. */
function npmEnv(ctx: Context, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ npm_config_userconfig: ctx.localUserconfig, ...extra });
}

// ---------------------------------------------------------------- consumers

interface Consumer {
  dir: string;
  ok: boolean;
  error?: string;
  added?: number;
}

/** Creates a consumer project outside the workspace whose .npmrc points only at the local registry, and installs `deps`. */
async function makeConsumer(
  ctx: Context,
  name: string,
  deps: Record<string, string>,
  type: 'module' | 'commonjs',
  files: string[] = [],
): Promise<Consumer> {
  const dir = join(ctx.tmp, 'consumers', name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `rc-${name}`, private: true, type, dependencies: deps }, null, 2)}\n`,
  );
  await writeFile(join(dir, '.npmrc'), `registry=${ctx.registry?.url}\n`);
  for (const file of files) copyFileSync(join(CONSUMERS, file), join(dir, file));
  const result = await npmSlots(() =>
    run('npm', ['install', '--prefer-online', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      env: npmEnv(ctx),
      timeoutMs: 300_000,
    }),
  );
  if (result.code !== 0)
    return { dir, ok: false, error: `npm install failed (exit ${result.code}): ${tail(result.stderr, 8)}` };
  const added = /added (\d+) packages?/.exec(result.stdout + result.stderr)?.[1];
  return { dir, ok: true, ...(added !== undefined ? { added: Number(added) } : {}) };
}

function versionOf(ctx: Context, name: string): string {
  const p = ctx.packed.get(name);
  if (p === undefined) throw new Error(`${name} is not packed`);
  return String(p.manifest.version);
}

/** The range a packed package declares for a third-party dependency, e.g. @kubernetes/client-node. */
function declaredRange(ctx: Context, from: string, dep: string): string | undefined {
  const deps = ctx.packed.get(from)?.manifest.dependencies as Record<string, string> | undefined;
  return deps?.[dep];
}

async function duBytes(dir: string): Promise<number> {
  const result = await run('du', ['-sk', dir], { timeoutMs: 60_000 });
  return Number(result.stdout.split(/\s+/)[0] ?? 0) * 1024;
}

interface AloneResult {
  install?: Consumer;
  bytes?: number;
  cells: Map<string, Cell>;
}

/** Installs each package alone in its own consumer: install size, and ESM + CJS load on each Node. */
async function installAlone(ctx: Context, packages: PublicPackage[]): Promise<Map<string, AloneResult>> {
  heading('Step 6: each package installed alone (install size; import + require on Node 22 and 24)');
  const results = new Map<string, AloneResult>();
  await inParallel(packages, 3, async (pkg) => {
    const cells = new Map<string, Cell>();
    results.set(pkg.name, { cells });
    if (!ctx.packed.has(pkg.name)) return;
    const consumer = await makeConsumer(
      ctx,
      `alone-${pkg.name.replace(/[@/]/g, '_')}`,
      { [pkg.name]: versionOf(ctx, pkg.name) },
      'commonjs',
    );
    if (!consumer.ok) {
      fail(`${pkg.name}: installing it alone from the registry: ${consumer.error}`);
      for (const v of NODE_VERSIONS) for (const f of ['ESM', 'CJS']) cells.set(`${f} ${major(v)}`, { status: 'fail' });
      return;
    }
    const bytes = await duBytes(join(consumer.dir, 'node_modules'));
    results.set(pkg.name, { install: consumer, bytes, cells });
    const spec = JSON.stringify(pkg.name);
    for (const version of NODE_VERSIONS) {
      const node = ctx.nodes.get(major(version));
      if (node === undefined) continue;
      const probes: [string, string[]][] = [
        [
          'ESM',
          [
            '--input-type=module',
            '-e',
            `const m = await import(${spec}); console.log(Object.keys(m).length + ' exports');`,
          ],
        ],
        ['CJS', ['-e', `const m = require(${spec}); console.log(Object.keys(m).length + ' exports');`]],
      ];
      for (const [format, args] of probes) {
        const result = await run(node, args, { cwd: consumer.dir, env: cleanEnv(), timeoutMs: 60_000 });
        const key = `${format} ${major(version)}`;
        if (result.code === 0) {
          cells.set(key, { status: 'pass', detail: result.stdout.trim() });
          const warning = /ExperimentalWarning[^\n]*/.exec(result.stderr)?.[0];
          if (warning !== undefined) notes.push(`${pkg.name} ${format} on node ${version}: ${warning}`);
        } else {
          cells.set(key, { status: 'fail' });
          fail(
            `${pkg.name}: ${format === 'ESM' ? `import(${spec})` : `require(${spec})`} on node ${version} fails when installed alone: ${loadError(result.stderr)}`,
          );
        }
      }
    }
    info(
      `${pkg.name}: ${kb(bytes)} node_modules, ${consumer.added ?? '?'} packages — ${[...cells].map(([k, c]) => `${k} ${c.status}`).join(', ')}`,
    );
  });
  return results;
}

/** The line of a child's output that says what went wrong. */
function loadError(stderr: string): string {
  const line =
    stderr.split('\n').find((l) => /Error\b|Cannot find|expected/.test(l) && !/^\s+at /.test(l)) ?? tail(stderr, 1);
  return line.trim().slice(0, 300);
}

// ---------------------------------------------------------------- scenarios

interface ScenarioRow {
  scenario: string;
  cells: Map<string, Cell>;
}

const rows: ScenarioRow[] = [];

function row(scenario: string): ScenarioRow {
  const r: ScenarioRow = { scenario, cells: new Map() };
  rows.push(r);
  return r;
}

/** Marks every Node column of a row skipped, and lists it loudly. */
function skipRow(r: ScenarioRow, reason: string, columns: string[] = NODE_VERSIONS.map(major)): void {
  for (const c of columns) r.cells.set(c, { status: 'skip', detail: reason });
  skip(`${r.scenario}: ${reason}`);
}

function missingFor(ctx: Context, needed: string[]): string | undefined {
  const missing = needed.filter((name) => !ctx.packed.has(name));
  if (missing.length === 0) return undefined;
  return missing.map((name) => `${name} ${ctx.unavailable.get(name) ?? 'is not a public package'}`).join('; ');
}

let nsCounter = 0;
async function withNamespace<R>(ctx: Context, prefix: string, work: (ns: string) => Promise<R>): Promise<R> {
  const plane = ctx.plane;
  if (plane === undefined) throw new Error('no control plane');
  const ns = `rc-${prefix}-${process.pid}-${++nsCounter}`.slice(0, 63);
  await createNamespace(plane, ns, [
    { name: 'web-1', labels: { app: 'web' } },
    { name: 'web-2', labels: { app: 'web' } },
    { name: 'api-1', labels: { app: 'api' } },
  ]);
  try {
    return await work(ns);
  } finally {
    await deleteNamespace(plane, ns).catch((error: Error) => notes.push(`deleting namespace ${ns}: ${error.message}`));
  }
}

function scenarioEnv(
  ctx: Context,
  node: string,
  ns: string | undefined,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const plane = ctx.plane;
  return cleanEnv({
    // `#!/usr/bin/env node` bins (kw) run on the Node under test.
    PATH: `${dirname(node)}:${cleanEnv().PATH ?? ''}`,
    ...(ns !== undefined ? { KW_RC_NAMESPACE: ns } : {}),
    ...(plane !== undefined
      ? {
          KW_RC_KUBECONFIG: plane.adminKubeconfigPath,
          KW_RC_SERVER: plane.server,
          KW_RC_TOKEN: plane.adminToken,
          KW_RC_CA: plane.caPath,
        }
      : {}),
    ...extra,
  });
}

interface ScriptScenario {
  id: string;
  title: string;
  packages: string[];
  /** Third-party deps the consumer code imports itself: name → the @kw package whose range to use. */
  thirdParty?: Record<string, string>;
  files: string[];
  scripts: { format: 'ESM' | 'CJS'; file: string }[];
  env?: Record<string, string>;
  cluster: boolean;
}

const SCRIPT_SCENARIOS: ScriptScenario[] = [
  {
    id: 'core',
    title: '1 indexer + store-memory (no cluster)',
    packages: ['@kw/types', '@kw/indexer', '@kw/store-memory'],
    files: ['core.shared.cjs', 'core.mjs', 'core.cjs'],
    scripts: [
      { format: 'ESM', file: 'core.mjs' },
      { format: 'CJS', file: 'core.cjs' },
    ],
    cluster: false,
  },
  {
    id: 'watch-memory',
    title: '2 client+watcher, store-memory',
    packages: ['@kw/client', '@kw/watcher', '@kw/store-memory', '@kw/indexer'],
    files: ['watch.shared.cjs', 'watch.mjs', 'watch.cjs'],
    scripts: [
      { format: 'ESM', file: 'watch.mjs' },
      { format: 'CJS', file: 'watch.cjs' },
    ],
    env: { KW_RC_STORE: 'memory' },
    cluster: true,
  },
  {
    id: 'watch-cached',
    title: '2 client+watcher, store-cached',
    packages: ['@kw/client', '@kw/watcher', '@kw/store-cached', '@kw/indexer'],
    files: ['watch.shared.cjs', 'watch.mjs', 'watch.cjs'],
    scripts: [
      { format: 'ESM', file: 'watch.mjs' },
      { format: 'CJS', file: 'watch.cjs' },
    ],
    env: { KW_RC_STORE: 'cached' },
    cluster: true,
  },
  {
    id: 'leader',
    title: '3 leaderelection acquire/release',
    packages: ['@kw/leaderelection'],
    thirdParty: { '@kubernetes/client-node': '@kw/leaderelection' },
    files: ['leader.shared.cjs', 'leader.mjs', 'leader.cjs'],
    scripts: [
      { format: 'ESM', file: 'leader.mjs' },
      { format: 'CJS', file: 'leader.cjs' },
    ],
    cluster: true,
  },
];

async function runScriptScenario(
  ctx: Context,
  s: ScriptScenario,
  consumer: Promise<Consumer> | undefined,
): Promise<void> {
  const scenarioRows = new Map(s.scripts.map((script) => [script.format, row(`${s.title} ${script.format}`)]));
  const missing = missingFor(ctx, s.packages);
  if (missing !== undefined || consumer === undefined) {
    for (const r of scenarioRows.values()) skipRow(r, `needs ${missing}`);
    return;
  }
  if (s.cluster && ctx.plane === undefined) {
    for (const r of scenarioRows.values()) skipRow(r, 'no control plane');
    return;
  }
  const installed = await consumer;
  if (!installed.ok) {
    for (const r of scenarioRows.values()) for (const v of NODE_VERSIONS) r.cells.set(major(v), { status: 'fail' });
    fail(`scenario ${s.title}: installing ${s.packages.join(' + ')}: ${installed.error}`);
    return;
  }
  for (const version of NODE_VERSIONS) {
    const node = ctx.nodes.get(major(version));
    if (node === undefined) continue;
    for (const script of s.scripts) {
      const r = scenarioRows.get(script.format);
      if (r === undefined) continue;
      const exec = async (ns: string | undefined) =>
        run(node, [script.file], { cwd: installed.dir, env: scenarioEnv(ctx, node, ns, s.env), timeoutMs: 90_000 });
      const result = s.cluster
        ? await withNamespace(ctx, `${s.id}-${script.format.toLowerCase()}-${major(version)}`, exec)
        : await exec(undefined);
      if (result.code === 0) {
        r.cells.set(major(version), { status: 'pass' });
        info(result.stdout.trim().split('\n').at(-1) ?? 'ok');
        const warning = /ExperimentalWarning[^\n]*/.exec(result.stderr)?.[0];
        if (warning !== undefined) notes.push(`${s.title} ${script.format} node ${version}: ${warning}`);
      } else {
        r.cells.set(major(version), { status: 'fail' });
        fail(
          `${s.title} ${script.format} on node ${version} (${s.packages.join(', ')}): ${loadError(result.stderr + result.stdout)}\n${tail(result.stderr + result.stdout, 6)}`,
        );
      }
    }
  }
}

async function runCliScenario(ctx: Context, consumer: Promise<Consumer> | undefined): Promise<void> {
  const help = row('4 kw --help');
  const watch = row('4 kw watch configmaps --once');
  const missing = missingFor(ctx, ['@kw/cli']);
  if (missing !== undefined || consumer === undefined) {
    skipRow(help, `needs ${missing}`);
    skipRow(watch, `needs ${missing}`);
    return;
  }
  const installed = await consumer;
  if (!installed.ok) {
    for (const r of [help, watch]) for (const v of NODE_VERSIONS) r.cells.set(major(v), { status: 'fail' });
    fail(`scenario kw cli: installing @kw/cli: ${installed.error}`);
    return;
  }
  const kw = join(installed.dir, 'node_modules', '.bin', 'kw');
  for (const version of NODE_VERSIONS) {
    const node = ctx.nodes.get(major(version));
    if (node === undefined) continue;
    const h = await run(kw, ['--help'], {
      cwd: installed.dir,
      env: scenarioEnv(ctx, node, undefined),
      timeoutMs: 60_000,
    });
    if (h.code === 0 && /usage/i.test(h.stdout + h.stderr) && /kw watch/.test(h.stdout + h.stderr)) {
      help.cells.set(major(version), { status: 'pass' });
    } else {
      help.cells.set(major(version), { status: 'fail' });
      fail(`@kw/cli: \`kw --help\` on node ${version} exited ${h.code}: ${tail(h.stderr + h.stdout, 6)}`);
    }
    if (ctx.plane === undefined) {
      watch.cells.set(major(version), { status: 'skip', detail: 'no control plane' });
      continue;
    }
    const plane = ctx.plane;
    const w = await withNamespace(ctx, `cli-${major(version)}`, (ns) =>
      run(
        kw,
        [
          'watch',
          'configmaps',
          '-n',
          ns,
          '--kubeconfig',
          plane.adminKubeconfigPath,
          '--index-by',
          'metadata.namespace',
          '--index-by',
          "metadata.labels['app']",
          '--get',
          `${ns},web`,
          '--once',
        ],
        { cwd: installed.dir, env: scenarioEnv(ctx, node, ns), timeoutMs: 90_000 },
      ).then((result) => ({ result, ns })),
    );
    const out = w.result.stdout;
    if (w.result.code === 0 && /: 2 objects/.test(out) && out.includes('web-1') && out.includes('web-2')) {
      watch.cells.set(major(version), { status: 'pass' });
      info(`kw watch --once on node ${version}: ${out.trim().split('\n')[0]}`);
    } else {
      watch.cells.set(major(version), { status: 'fail' });
      fail(
        `@kw/cli: \`kw watch configmaps -n ${w.ns} --get ${w.ns},web --once\` on node ${version} exited ${w.result.code}, expected "2 objects" with web-1 and web-2:\n${tail(w.result.stdout + w.result.stderr, 8)}`,
      );
    }
  }
}

const TS_PACKAGES = ['@kw/types', '@kw/indexer', '@kw/store-memory', '@kw/watcher'];
const TS_MODES = [
  { name: 'node16', module: 'node16', moduleResolution: 'node16', files: ['use.mts', 'use.cts'] },
  { name: 'nodenext', module: 'nodenext', moduleResolution: 'nodenext', files: ['use.mts', 'use.cts'] },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', files: ['use.mts'] },
] as const;

async function runTypesScenario(ctx: Context, consumer: Promise<Consumer> | undefined): Promise<void> {
  const missing = missingFor(ctx, TS_PACKAGES);
  const tsRows = TS_MODES.map((mode) => ({ mode, r: row(`5 tsc --noEmit, ${mode.name}`) }));
  const column = major(NODE_VERSIONS.at(-1) ?? '24');
  const others = NODE_VERSIONS.map(major).filter((m) => m !== column);
  for (const { r } of tsRows)
    for (const m of others) r.cells.set(m, { status: 'n/a', detail: 'compile-time only: tsc runs once' });
  if (missing !== undefined || consumer === undefined) {
    for (const { r } of tsRows) skipRow(r, `needs ${missing}`, [column]);
    return;
  }
  const installed = await consumer;
  if (!installed.ok) {
    for (const { r } of tsRows) r.cells.set(column, { status: 'fail' });
    fail(`scenario TypeScript: installing ${TS_PACKAGES.join(' + ')} + typescript: ${installed.error}`);
    return;
  }
  const node = ctx.nodes.get(column) ?? process.execPath;
  for (const { mode, r } of tsRows) {
    const config = {
      compilerOptions: {
        module: mode.module,
        moduleResolution: mode.moduleResolution,
        target: 'ES2023',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: [...mode.files],
    };
    const file = `tsconfig.${mode.name}.json`;
    await writeFile(join(installed.dir, file), `${JSON.stringify(config, null, 2)}\n`);
    const tsc = join(installed.dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(node, [tsc, '-p', file], { cwd: installed.dir, env: cleanEnv(), timeoutMs: 180_000 });
    if (result.code === 0) {
      r.cells.set(column, { status: 'pass' });
      info(`tsc -p ${file} (${mode.files.join(', ')}): clean`);
    } else {
      r.cells.set(column, { status: 'fail' });
      fail(
        `TypeScript consumer (${mode.name}) does not compile against the packed types of ${TS_PACKAGES.join(', ')}:\n${tail(result.stdout + result.stderr, 12)}`,
      );
    }
  }
}

// ---------------------------------------------------------------- main

function parseBreak(value: string | boolean | undefined): { pkg: string; spec: string } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === '') return { pkg: '@kw/watcher', spec: '@kw/store-memory' };
  const at = String(value).lastIndexOf(':');
  if (at <= 0) throw new Error(`--break=${value}: expected PKG:SPEC, e.g. @kw/watcher:@kw/store-memory`);
  return { pkg: String(value).slice(0, at), spec: String(value).slice(at + 1) };
}

const OPTIONS = {
  'no-build': { type: 'boolean' },
  keep: { type: 'boolean' },
  break: { type: 'string' },
  'static-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
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
    tmp,
    packed: new Map(),
    unavailable: new Map(),
    nodes: new Map(),
    npmCache,
    localUserconfig: join(tmp, 'npmrc-local'),
  };
  // Upstream installs (verdaccio, node runtimes) use the user's npm config, with our cache and logs.
  const upstreamNpmFlags = [`--cache=${npmCache}`, `--logs-dir=${join(tmp, 'npm-logs')}`, '--update-notifier=false'];
  cleanups.push(async () => {
    if (args.values.keep === true) console.log(`\nkept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  });

  heading('Release check');
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
  info(`repo ${REPO}; temp folder ${tmp}`);
  info(`public packages (${packages.length}): ${packages.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  if (brk !== undefined && !packages.some((p) => p.name === brk.pkg))
    throw new Error(`--break: ${brk.pkg} is not a public package`);

  await build(packages, ctx, args.values['no-build'] === true);
  await pack(packages, ctx, brk);
  if (brk !== undefined && !ctx.packed.has(brk.pkg))
    throw new Error(`--break: ${brk.pkg} did not pack (${ctx.unavailable.get(brk.pkg)})`);

  heading('Step 3: independent versions (changeset for @kw/indexer patch)');
  try {
    const proof = await proveIndependentBump(REPO, join(tmp, 'changeset-proof'), '@kw/indexer');
    for (const line of proof.lines) info(line);
    for (const problem of proof.problems) fail(`changesets: ${problem}`);
  } catch (error) {
    fail(`changesets: ${(error as Error).message}`);
  }

  if (args.values['static-only'] === true) return summary(ctx, packages, new Map());

  heading('Step 4: local registry, Node runtimes, control plane');
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
      log: info,
    }),
    needsCluster ? ensureControlPlane(REPO, join(tmp, 'kube-local-run'), info) : Promise.resolve(undefined),
    ...NODE_VERSIONS.map(async (version) => {
      const bin = await ensureNode(cacheRoot, version, upstreamNpmFlags);
      ctx.nodes.set(major(version), bin);
      const features = await run(bin, ['-p', 'process.features.require_module'], { timeoutMs: 30_000 });
      info(`node ${version}: ${bin} (require(esm): ${features.stdout.trim()})`);
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
  const rootManifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const consumerFor = (
    id: string,
    names: string[],
    extra: Record<string, string>,
    files: string[],
  ): Promise<Consumer> | undefined => {
    if (missingFor(ctx, names) !== undefined) return undefined;
    const deps: Record<string, string> = Object.fromEntries(names.map((n) => [n, versionOf(ctx, n)]));
    return makeConsumer(ctx, id, { ...deps, ...extra }, 'module', files);
  };
  const installs: Record<string, Promise<Consumer> | undefined> = {};
  const queue: (() => void)[] = [];
  for (const s of SCRIPT_SCENARIOS) {
    const extra: Record<string, string> = {};
    for (const [dep, from] of Object.entries(s.thirdParty ?? {})) {
      const range = declaredRange(ctx, from, dep);
      if (range !== undefined) extra[dep] = range;
    }
    queue.push(() => {
      installs[s.id] = consumerFor(s.id, s.packages, extra, s.files);
    });
  }
  queue.push(() => {
    installs.cli = consumerFor('cli', ['@kw/cli'], {}, []);
  });
  queue.push(() => {
    installs.types = consumerFor(
      'types',
      TS_PACKAGES,
      {
        typescript: rootManifest.devDependencies.typescript ?? '5.9.3',
        '@types/node': rootManifest.devDependencies['@types/node'] ?? '^24',
      },
      ['use.mts', 'use.cts'],
    );
  });
  for (const start of queue) start();
  const alone = await installAlone(ctx, packages);

  heading('Step 7: scenarios (fresh consumers, local registry only)');
  for (const s of SCRIPT_SCENARIOS) await runScriptScenario(ctx, s, installs[s.id]);
  await runCliScenario(ctx, installs.cli);
  await runTypesScenario(ctx, installs.types);

  return summary(ctx, packages, alone);
}

function summary(ctx: Context, packages: PublicPackage[], alone: Map<string, AloneResult>): number {
  heading('Summary');
  const columns = NODE_VERSIONS.map((v) => `node ${major(v)}`);
  const loadCols = NODE_VERSIONS.flatMap((v) => [`ESM ${major(v)}`, `CJS ${major(v)}`]);
  console.log('\nPackages (tarball from pnpm pack; install = du of node_modules after `npm install <pkg>` alone):\n');
  console.log(
    table(
      ['package', 'version', 'tarball', 'static', 'install', 'deps', ...loadCols.map((c) => `load ${c}`)],
      packages.map((p) => {
        const packed = ctx.packed.get(p.name);
        const a = alone.get(p.name);
        const staticCell =
          packed === undefined ? 'SKIP' : packed.findings.length === 0 ? 'PASS' : `FAIL (${packed.findings.length})`;
        return [
          p.name,
          p.version,
          packed === undefined ? `- (${ctx.unavailable.get(p.name) ?? 'not packed'})`.slice(0, 40) : kb(packed.size),
          staticCell,
          a?.bytes === undefined ? '-' : kb(a.bytes),
          a?.install?.added === undefined ? '-' : String(a.install.added),
          ...loadCols.map((c) => cellText(a?.cells.get(c))),
        ];
      }),
    ),
  );
  if (rows.length > 0) {
    console.log('\nScenarios:\n');
    console.log(
      table(
        ['scenario', ...columns],
        rows.map((r) => [r.scenario, ...NODE_VERSIONS.map((v) => cellText(r.cells.get(major(v))))]),
      ),
    );
  }
  if (notes.length > 0) {
    console.log('\nNotes:');
    for (const n of [...new Set(notes)]) console.log(`  - ${n}`);
  }
  if (skips.length > 0) {
    console.log(`\n!!! ${skips.length} SKIPPED (not failures, but NOT verified):`);
    for (const s of skips) console.log(`  - ${s}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (failures.length > 0) {
    console.log(`\nRELEASE CHECK FAILED: ${failures.length} failure(s) in ${seconds} s:`);
    for (const f of failures) console.log(`  - ${f.split('\n')[0]}`);
    return 1;
  }
  console.log(`\nrelease check passed in ${seconds} s${skips.length > 0 ? ` (with ${skips.length} skipped)` : ''}`);
  return 0;
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

main().then(
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
