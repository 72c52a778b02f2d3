import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryTargets } from './static-checks.ts';

/** A publishable workspace package (`packages/<dir>/package.json` without `"private": true`). */
export interface PublicPackage {
  name: string;
  version: string;
  /** Absolute folder. */
  dir: string;
  manifest: Record<string, unknown>;
  /** Names of the `@kw/*` packages it depends on at runtime. */
  internalDeps: string[];
}

/** Discovers the public packages under `<repo>/packages`, dependencies before dependents. */
export function discoverPackages(repo: string): PublicPackage[] {
  const root = join(repo, 'packages');
  const found: PublicPackage[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const file = join(root, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (manifest.private === true) continue;
    const deps = {
      ...(manifest.dependencies as Record<string, string> | undefined),
      ...(manifest.peerDependencies as Record<string, string> | undefined),
    };
    found.push({
      name: String(manifest.name),
      version: String(manifest.version),
      dir: join(root, entry.name),
      manifest,
      internalDeps: Object.keys(deps).filter((name) => name.startsWith('@kw/')),
    });
  }
  return topoSort(found);
}

function topoSort(packages: PublicPackage[]): PublicPackage[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const sorted: PublicPackage[] = [];
  const seen = new Set<string>();
  const visit = (p: PublicPackage) => {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    for (const dep of p.internalDeps) {
      const inner = byName.get(dep);
      if (inner !== undefined) visit(inner);
    }
    sorted.push(p);
  };
  for (const p of [...packages].sort((a, b) => a.name.localeCompare(b.name))) visit(p);
  return sorted;
}

/** Build outputs the manifest points to that are missing from the package folder (`@kw/source` excluded). */
export function missingBuildOutputs(pkg: PublicPackage): string[] {
  return entryTargets(pkg.manifest)
    .filter(({ field, path }) => !field.includes('"@kw/source"') && !existsSync(join(pkg.dir, path)))
    .map(({ path }) => path);
}
