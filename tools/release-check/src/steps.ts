/**
 * The steps that turn the workspace into published tarballs: build, pack (with the static
 * checks of each tarball), publish to the throwaway registry. Each records into the run's
 * {@link Context}; nothing here is module state.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ControlPlane } from './cluster.ts';
import { cleanEnv, inParallel, run, tail } from './proc.ts';
import type { LocalRegistry } from './registry.ts';
import { kb, type Report } from './report.ts';
import { checkUnpacked, type Finding } from './static-checks.ts';
import { missingBuildOutputs, type PublicPackage } from './workspace.ts';

/** One packed package. */
export interface Packed {
  pkg: PublicPackage;
  tarball: string;
  size: number;
  /** The tarball's package.json (ranges rewritten by pnpm). */
  manifest: Record<string, unknown>;
  findings: Finding[];
}

/** The state of one run, passed to every step. */
export interface Context {
  repo: string;
  report: Report;
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
  /** Runs an npm install when a slot is free (at most 4 at once on 2-core machines). */
  npmSlots: <R>(task: () => Promise<R>) => Promise<R>;
}

/** A negative proof: a runtime import of `spec` injected into `pkg`'s packed dist. */
export interface BreakSpec {
  pkg: string;
  spec: string;
}

/** Builds every package (or, with `noBuild`, checks the outputs exist); a failure makes the package unavailable. */
export async function build(packages: PublicPackage[], ctx: Context, noBuild: boolean): Promise<void> {
  const { report } = ctx;
  report.heading(
    noBuild
      ? 'Step 1: build (skipped: --no-build; checking outputs exist)'
      : `Step 1: build ${packages.length} public packages`,
  );
  await inParallel(packages, noBuild ? packages.length : 2, async (pkg) => {
    if (!noBuild) {
      const result = await run('pnpm', ['--filter', pkg.name, 'run', 'build'], { cwd: ctx.repo, timeoutMs: 300_000 });
      if (result.code !== 0) {
        const reason = `build failed (exit ${result.code}): ${firstError(result.stdout + result.stderr)}`;
        ctx.unavailable.set(pkg.name, reason);
        report.skip(`${pkg.name}: ${reason}`);
        return;
      }
      report.info(`built ${pkg.name} (${(result.ms / 1000).toFixed(1)} s)`);
    }
    const missing = missingBuildOutputs(pkg);
    if (missing.length > 0) {
      const reason = `not built: missing ${missing.join(', ')}`;
      ctx.unavailable.set(pkg.name, reason);
      report.skip(`${pkg.name}: ${reason}`);
    }
  });
}

function firstError(output: string): string {
  const line = output.split('\n').find((l) => /error|ERR_|Cannot|not found/i.test(l) && !/^\s*$/.test(l));
  return (line ?? tail(output, 1)).trim().slice(0, 240);
}

/** Packs every available package with pnpm, unpacks it and runs the static checks on the tarball. */
export async function pack(packages: PublicPackage[], ctx: Context, brk: BreakSpec | undefined): Promise<void> {
  const { report } = ctx;
  report.heading('Step 2: pack (pnpm pack) and check tarballs');
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
      report.fail(`${pkg.name}: pnpm pack failed (exit ${result.code}): ${tail(result.stderr, 5)}`);
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
      report.info(
        `${pkg.name}@${pkg.version}: ${basename(p.tarball)} ${kb(p.size)} — no workspace: ranges, no exact pins, LICENSE present, entry files present, every import declared`,
      );
    for (const f of p.findings) report.fail(`${f.pkg} [${f.check}]: ${f.message}`);
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

/** Publishes every packed tarball to the local registry; a failed publish makes the package unavailable. */
export async function publish(ctx: Context): Promise<void> {
  const { registry, report } = ctx;
  if (registry === undefined) return;
  report.heading(`Step 5: publish ${ctx.packed.size} tarballs to ${registry.url}`);
  for (const packed of packedByName(ctx)) {
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
      report.fail(`${packed.pkg.name}: npm publish failed (exit ${result.code}): ${tail(result.stderr, 6)}`);
    } else {
      report.info(`published ${packed.pkg.name}@${packed.pkg.version}`);
    }
  }
}

/** The packed packages sorted by name, so the publish log reads the same every run. */
export function packedByName(ctx: Context): Packed[] {
  return [...ctx.packed.values()].sort((a, b) => a.pkg.name.localeCompare(b.pkg.name));
}

/** Env for npm talking to the local registry: only the throwaway userconfig, no inherited npm_* vars. */
export function npmEnv(ctx: Context, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ npm_config_userconfig: ctx.localUserconfig, ...extra });
}
