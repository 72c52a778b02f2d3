/**
 * Proves kw's packages version independently: copies the workspace's package.json files,
 * pnpm-workspace.yaml and .changeset/config.json into a scratch folder, writes a changeset that
 * bumps one package by a patch, runs `changeset version` there and compares every version and
 * internal dependency range before and after. The repository itself is never touched.
 *
 * Run alone: `node tools/release-check/src/changeset-proof.ts [@kw/indexer]`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { cleanEnv, run, tail } from './proc.ts';

/** What {@link proveIndependentBump} found. */
export interface BumpProof {
  /** `name: before → after` for every workspace package, for the report. */
  lines: string[];
  /** Empty when only the target package's version changed (by a patch). */
  problems: string[];
}

interface Snapshot {
  version: string | undefined;
  /** Internal (`@kw/*`) ranges by field, e.g. `dependencies.@kw/types: workspace:^`. */
  ranges: Record<string, string>;
}

function workspaceManifests(root: string): string[] {
  const found = [join(root, 'package.json')];
  for (const group of ['packages', 'tools']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, 'package.json');
      if (existsSync(file)) found.push(file);
    }
  }
  return found;
}

function snapshot(root: string): Map<string, Snapshot> {
  const result = new Map<string, Snapshot>();
  for (const file of workspaceManifests(root)) {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const ranges: Record<string, string> = {};
    for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
      for (const [dep, range] of Object.entries((manifest[field] as Record<string, string> | undefined) ?? {})) {
        if (dep.startsWith('@kw/')) ranges[`${field}.${dep}`] = range;
      }
    }
    result.set(String(manifest.name), { version: manifest.version as string | undefined, ranges });
  }
  return result;
}

function patchOf(version: string): string {
  const [maj, min, pat] = version.split('.').map(Number);
  return `${maj}.${min}.${(pat ?? 0) + 1}`;
}

/**
 * Copies the workspace manifests of `repo` into `scratch`, writes a patch changeset for
 * `target`, runs `changeset version` there, and reports which versions and ranges changed.
 */
export async function proveIndependentBump(repo: string, scratch: string, target: string): Promise<BumpProof> {
  await rm(scratch, { recursive: true, force: true });
  for (const file of [
    ...workspaceManifests(repo),
    join(repo, 'pnpm-workspace.yaml'),
    join(repo, '.changeset', 'config.json'),
  ]) {
    const to = join(scratch, relative(repo, file));
    await mkdir(dirname(to), { recursive: true });
    await writeFile(to, readFileSync(file));
  }
  // changesets resolves the config's "changelog" module from the scratch root.
  await symlink(join(repo, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  await writeFile(
    join(scratch, '.changeset', 'release-check-proof.md'),
    `---\n"${target}": patch\n---\n\nrelease-check: prove independent versions\n`,
  );

  const before = snapshot(scratch);
  const targetBefore = before.get(target)?.version;
  if (targetBefore === undefined) throw new Error(`${target} is not a versioned workspace package`);
  const changeset = join(repo, 'node_modules', '.bin', 'changeset');
  const result = await run(changeset, ['version'], { cwd: scratch, env: cleanEnv({ CI: 'true' }), timeoutMs: 120_000 });
  if (result.code !== 0)
    throw new Error(`changeset version failed (exit ${result.code}):\n${tail(result.stderr + result.stdout)}`);
  const after = snapshot(scratch);

  const lines: string[] = [];
  const problems: string[] = [];
  for (const [name, b] of before) {
    const a = after.get(name);
    if (a === undefined || name === 'kw-monorepo') continue;
    const changedRanges = Object.entries(a.ranges).filter(([key, range]) => b.ranges[key] !== range);
    const versionText =
      b.version === a.version ? `${b.version ?? '(none)'} (unchanged)` : `${b.version} → ${a.version}`;
    lines.push(
      `${name}: ${versionText}${changedRanges.map(([key, range]) => `; ${key} ${b.ranges[key]} → ${range}`).join('')}`,
    );
    if (name === target) {
      if (a.version !== patchOf(targetBefore))
        problems.push(`${target}: expected ${patchOf(targetBefore)} after a patch changeset, got ${a.version}`);
    } else if (a.version !== b.version) {
      problems.push(
        `${name} was bumped ${b.version} → ${a.version} by a changeset for ${target} only (updateInternalDependencies or ranges make dependents move together)`,
      );
    }
  }
  const changelog = join(scratch, 'packages');
  lines.push(
    `changeset consumed: ${!existsSync(join(scratch, '.changeset', 'release-check-proof.md'))}; CHANGELOG.md written for: ${changelogs(changelog).join(', ') || '(none)'}`,
  );
  return { lines, problems };
}

function changelogs(packagesDir: string): string[] {
  if (!existsSync(packagesDir)) return [];
  return readdirSync(packagesDir).filter((name) => existsSync(join(packagesDir, name, 'CHANGELOG.md')));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const repo = resolve(import.meta.dirname, '..', '..', '..');
  const target = process.argv[2] ?? '@kw/indexer';
  const scratch = join(tmpdir(), `kw-changeset-proof-${process.pid}`);
  proveIndependentBump(repo, scratch, target)
    .then((proof) => {
      console.log(`changeset "${target}": patch, then \`changeset version\` in a copy of the workspace manifests:`);
      for (const line of proof.lines) console.log(`  ${line}`);
      if (proof.problems.length > 0) {
        console.log(`FAILED:\n${proof.problems.map((p) => `  - ${p}`).join('\n')}`);
        process.exitCode = 1;
      } else {
        console.log(`ok: only ${target} changed version`);
      }
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    })
    .finally(() => rm(scratch, { recursive: true, force: true }));
}
