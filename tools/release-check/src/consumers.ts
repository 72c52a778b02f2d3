/**
 * Consumer projects outside the workspace, installed from the local registry only: one per
 * package installed alone (its install size, and ESM + CJS load on each Node), and the
 * shared-dependency proof (an app that already has client-node gets one copy).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { major, NODE_VERSIONS } from './node-runtimes.ts';
import { cleanEnv, inParallel, run, tail } from './proc.ts';
import { type Cell, kb } from './report.ts';
import { type Context, npmEnv } from './steps.ts';
import type { PublicPackage } from './workspace.ts';

/** A consumer project and how its install went. */
export interface Consumer {
  dir: string;
  ok: boolean;
  error?: string;
  added?: number;
}

/**
 * Install-alone size of every package on main before this round (commit c6a32a7, KiB of
 * node_modules after installing only that package's tarball with npm), shown beside today's.
 */
export const SIZE_BASELINE_KIB: Readonly<Record<string, number>> = {
  '@kw/cli': 91_540,
  '@kw/client': 84_876,
  '@kw/indexer': 1_968,
  '@kw/leaderelection': 84_616,
  '@kw/store-cached': 3_960,
  '@kw/store-memory': 272,
  '@kw/types': 132,
  '@kw/watcher': 696,
};

/** Install-alone budgets: the check fails when a package installed alone weighs more. */
export const SIZE_BUDGET_BYTES: Readonly<Record<string, number>> = {
  '@kw/leaderelection': 1024 * 1024,
};

/** Creates a consumer project outside the workspace whose .npmrc points only at the local registry, and installs `deps`. */
export async function makeConsumer(
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
  for (const file of files) copyFileSync(join(ctx.repo, 'tools', 'release-check', 'consumers', file), join(dir, file));
  return npmInstall(ctx, dir, []);
}

/** `npm install [specs]` in a consumer, from the local registry. */
async function npmInstall(ctx: Context, dir: string, specs: string[]): Promise<Consumer> {
  const result = await ctx.npmSlots(() =>
    run('npm', ['install', ...specs, '--prefer-online', '--no-audit', '--no-fund', '--loglevel=error'], {
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

/** The version of a packed package. */
export function versionOf(ctx: Context, name: string): string {
  const p = ctx.packed.get(name);
  if (p === undefined) throw new Error(`${name} is not packed`);
  return String(p.manifest.version);
}

/** The range a packed package declares for a third-party dependency (or peer), e.g. @kubernetes/client-node. */
export function declaredRange(ctx: Context, from: string, dep: string): string | undefined {
  const manifest = ctx.packed.get(from)?.manifest;
  const field = (name: string) => manifest?.[name] as Record<string, string> | undefined;
  return field('dependencies')?.[dep] ?? field('peerDependencies')?.[dep];
}

/** Why some of `needed` cannot be used, or undefined when all are packed. */
export function missingFor(ctx: Context, needed: string[]): string | undefined {
  const missing = needed.filter((name) => !ctx.packed.has(name));
  if (missing.length === 0) return undefined;
  return missing.map((name) => `${name} ${ctx.unavailable.get(name) ?? 'is not a public package'}`).join('; ');
}

async function duBytes(dir: string): Promise<number> {
  const result = await run('du', ['-sk', dir], { timeoutMs: 60_000 });
  return Number(result.stdout.split(/\s+/)[0] ?? 0) * 1024;
}

/** A package installed alone: the consumer, its size and its load cells (`ESM 22`, `CJS 24`, ...). */
export interface AloneResult {
  install?: Consumer;
  bytes?: number;
  cells: Map<string, Cell>;
}

/** Installs each package alone in its own consumer: install size (against its budget), and ESM + CJS load on each Node. */
export async function installAlone(ctx: Context, packages: PublicPackage[]): Promise<Map<string, AloneResult>> {
  const { report } = ctx;
  report.heading('Step 6: each package installed alone (install size; import + require on Node 22 and 24)');
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
      report.fail(`${pkg.name}: installing it alone from the registry: ${consumer.error}`);
      for (const v of NODE_VERSIONS) for (const f of ['ESM', 'CJS']) cells.set(`${f} ${major(v)}`, { status: 'fail' });
      return;
    }
    const bytes = await duBytes(join(consumer.dir, 'node_modules'));
    results.set(pkg.name, { install: consumer, bytes, cells });
    const budget = SIZE_BUDGET_BYTES[pkg.name];
    if (budget !== undefined && bytes > budget)
      report.fail(`${pkg.name} installed alone weighs ${kb(bytes)}, over its budget of ${kb(budget)}`);
    const spec = JSON.stringify(pkg.name);
    for (const version of NODE_VERSIONS) {
      const node = ctx.nodes.get(major(version));
      if (node === undefined) continue;
      const count = "console.log(Object.keys(m).length + ' exports');";
      const probes: [string, string[]][] = [
        ['ESM', ['--input-type=module', '-e', `const m = await import(${spec}); ${count}`]],
        ['CJS', ['-e', `const m = require(${spec}); ${count}`]],
      ];
      for (const [format, args] of probes) {
        const result = await run(node, args, { cwd: consumer.dir, env: cleanEnv(), timeoutMs: 60_000 });
        const key = `${format} ${major(version)}`;
        if (result.code === 0) {
          cells.set(key, { status: 'pass', detail: result.stdout.trim() });
          const warning = /ExperimentalWarning[^\n]*/.exec(result.stderr)?.[0];
          if (warning !== undefined) report.note(`${pkg.name} ${format} on node ${version}: ${warning}`);
        } else {
          cells.set(key, { status: 'fail' });
          const how = format === 'ESM' ? `import(${spec})` : `require(${spec})`;
          report.fail(`${pkg.name}: ${how} on node ${version} fails when installed alone: ${loadError(result.stderr)}`);
        }
      }
    }
    report.info(
      `${pkg.name}: ${kb(bytes)} node_modules, ${consumer.added ?? '?'} packages — ${[...cells].map(([k, c]) => `${k} ${c.status}`).join(', ')}`,
    );
  });
  return results;
}

/** The line of a child's output that says what went wrong. */
export function loadError(stderr: string): string {
  const line =
    stderr.split('\n').find((l) => /Error\b|Cannot find|expected/.test(l) && !/^\s+at /.test(l)) ?? tail(stderr, 1);
  return line.trim().slice(0, 300);
}

/** Every installed copy of `name` in a node_modules tree (nested ones included), as package folders. */
export function copiesOf(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    if (!existsSync(dir)) return;
    if (existsSync(join(dir, name, 'package.json'))) found.push(join(dir, name));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.bin') continue;
      const scoped = entry.name.startsWith('@')
        ? readdirSync(join(dir, entry.name)).map((n) => `${entry.name}/${n}`)
        : [entry.name];
      for (const pkg of scoped) visit(join(dir, pkg, 'node_modules'));
    }
  };
  visit(nodeModules);
  return found;
}

/**
 * The client-node an app already has in the shared-copy proof: the oldest 2.0.x, so a package
 * that pinned any other version (as `@kw/client` pinned `2.0.1` before) would get its own copy.
 */
export const APP_CLIENT_NODE = '2.0.0';

/**
 * Proves an app that already has `@kubernetes/client-node@2.0.x` ends with exactly one copy of it,
 * its own, after `npm install @kw/client` (client-node is a peer of @kw/client, not a dependency).
 */
export async function proveSharedClientNode(ctx: Context): Promise<Cell> {
  const { report } = ctx;
  report.heading(`Step 6b: an app with @kubernetes/client-node@${APP_CLIENT_NODE}, then @kw/client: one copy`);
  if (!ctx.packed.has('@kw/client')) {
    report.skip(`shared client-node: needs @kw/client ${ctx.unavailable.get('@kw/client') ?? ''}`);
    return { status: 'skip' };
  }
  const app = await makeConsumer(ctx, 'shared-client-node', { '@kubernetes/client-node': APP_CLIENT_NODE }, 'module');
  const then = app.ok ? await npmInstall(ctx, app.dir, [`@kw/client@${versionOf(ctx, '@kw/client')}`]) : app;
  if (!then.ok) {
    report.fail(`shared client-node: ${then.error}`);
    return { status: 'fail' };
  }
  const copies = copiesOf(join(app.dir, 'node_modules'), '@kubernetes/client-node');
  if (copies.length !== 1) {
    report.fail(
      `shared client-node: expected exactly one @kubernetes/client-node in the app's tree after installing @kw/client, found ${copies.length}: ${copies.join(', ')}`,
    );
    return { status: 'fail' };
  }
  const version = (JSON.parse(readFileSync(join(copies[0] ?? '', 'package.json'), 'utf8')) as { version?: string })
    .version;
  if (version !== APP_CLIENT_NODE) {
    report.fail(`shared client-node: the one copy is ${version}, expected the app's ${APP_CLIENT_NODE}`);
    return { status: 'fail' };
  }
  report.info(`one copy of @kubernetes/client-node, the app's ${version}: ${copies[0]}`);
  return { status: 'pass', detail: copies[0] ?? '' };
}
