/**
 * Checks on an unpacked tarball (`<dir>/package.json` + files), no registry needed:
 * - no `workspace:` range in any dependency field;
 * - every file that `exports`, `main`, `module`, `types` and `bin` point to is in the tarball;
 * - every bare import in the built JS (`import`, `export from`, `require()`, `import()`) and in
 *   the declarations is a Node built-in, the package itself, or a declared dependency —
 *   a phantom import works in the monorepo and breaks for a user who installs the package alone;
 * - every relative import in the built JS resolves to a file in the tarball;
 * - a third-party runtime dependency is a range, not an exact pin (users' installs can then share it);
 * - a package that declares Apache-2.0 ships the license text as `LICENSE`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, posix, relative } from 'node:path';

/** One problem with one package. */
export interface Finding {
  /** npm name of the package, e.g. `@kw/watcher`. */
  pkg: string;
  /** Which check found it: `workspace-range`, `missing-file`, `undeclared-import`, `unresolved-relative`, `exact-pin`, `license`. */
  check: string;
  message: string;
}

/** One import found in a file. */
export interface FoundImport {
  specifier: string;
  /** 1-based line. */
  line: number;
}

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const;
const RUNTIME_DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;

type Manifest = Record<string, unknown>;

const IMPORT_PATTERNS: readonly RegExp[] = [
  // import x from 'a'; import { a,\n b } from 'a'; export * from 'a'; export { a } from 'a'
  /^[ \t]*(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
  // import 'a' (side effect)
  /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm,
  // require('a'), import('a'), and import("a") in declaration types
  /\b(?:require|import)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  // /// <reference types="a" />
  /^\/\/\/\s*<reference\s+types\s*=\s*(['"])([^'"\n]+)\1/gm,
];

/** Every module specifier a JS or declaration file imports, with its line. */
export function findImports(source: string): FoundImport[] {
  const found = new Map<string, FoundImport>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[2];
      if (specifier === undefined) continue;
      const line = source.slice(0, match.index).split('\n').length;
      const key = `${line}:${specifier}`;
      if (!found.has(key)) found.set(key, { specifier, line });
    }
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative/absolute → undefined. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function depNames(manifest: Manifest, fields: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const field of fields) {
    const deps = manifest[field];
    if (deps !== null && typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

/** Every `workspace:` range in the manifest's dependency fields. */
export function findWorkspaceRanges(manifest: Manifest): Finding[] {
  const pkg = String(manifest.name);
  const findings: Finding[] = [];
  for (const field of DEP_FIELDS) {
    const deps = manifest[field];
    if (deps === null || typeof deps !== 'object') continue;
    for (const [name, range] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof range === 'string' && range.startsWith('workspace:')) {
        findings.push({
          pkg,
          check: 'workspace-range',
          message: `package.json ${field}["${name}"] is "${range}" in the tarball — pack with pnpm (it rewrites workspace: ranges), never npm`,
        });
      }
    }
  }
  return findings;
}

/** Every third-party runtime dependency pinned to one exact version (`2.0.1` instead of `^2.0.1`). */
export function findExactPins(manifest: Manifest): Finding[] {
  const pkg = String(manifest.name);
  const findings: Finding[] = [];
  for (const field of RUNTIME_DEP_FIELDS) {
    const deps = manifest[field];
    if (deps === null || typeof deps !== 'object') continue;
    for (const [name, range] of Object.entries(deps as Record<string, unknown>)) {
      if (name.startsWith('@kw/') || typeof range !== 'string' || !/^=?\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(range))
        continue;
      findings.push({
        pkg,
        check: 'exact-pin',
        message: `package.json ${field}["${name}"] is pinned to "${range}" — use a caret range ("^${range.replace(/^=/, '')}") so an app's copy can be shared; the lockfile keeps builds reproducible`,
      });
    }
  }
  return findings;
}

/** A package that declares `Apache-2.0` but has no `LICENSE` with the Apache License 2.0 text. */
export function findMissingLicense(manifest: Manifest, dir: string, files: Set<string>): Finding[] {
  if (manifest.license !== 'Apache-2.0') return [];
  const text = files.has('LICENSE') ? readFileSync(join(dir, 'LICENSE'), 'utf8') : '';
  if (/Apache License\s+Version 2\.0/.test(text) && text.includes('TERMS AND CONDITIONS')) return [];
  return [
    {
      pkg: String(manifest.name),
      check: 'license',
      message: `package.json declares "license": "Apache-2.0" but the tarball has ${files.has('LICENSE') ? 'a LICENSE without the Apache License 2.0 text' : 'no LICENSE'} — copy the repo's LICENSE into the package and list it in "files"`,
    },
  ];
}

/** Every path (relative to the package root) that the manifest's entry fields point to. */
export function entryTargets(manifest: Manifest): { field: string; path: string }[] {
  const targets: { field: string; path: string }[] = [];
  const visit = (value: unknown, field: string) => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.includes('*')) targets.push({ field, path: value });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        // `@kw/source` points at TypeScript sources for the monorepo only; checked like the rest.
        visit(inner, `${field}["${key}"]`);
      }
    }
  };
  visit(manifest.exports, 'exports');
  for (const field of ['main', 'module', 'types', 'typings'] as const) {
    const value = manifest[field];
    if (typeof value === 'string') targets.push({ field, path: value.startsWith('./') ? value : `./${value}` });
  }
  const bin = manifest.bin;
  if (typeof bin === 'string') targets.push({ field: 'bin', path: bin.startsWith('./') ? bin : `./${bin}` });
  else if (bin !== null && typeof bin === 'object') {
    for (const [name, path] of Object.entries(bin as Record<string, string>)) {
      targets.push({ field: `bin["${name}"]`, path: path.startsWith('./') ? path : `./${path}` });
    }
  }
  return targets;
}

function listFiles(dir: string, base = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, base, out);
    else out.push(relative(base, path).split('\\').join('/'));
  }
  return out;
}

const JS_FILE = /\.(?:js|cjs|mjs)$/;
const DTS_FILE = /\.d\.(?:ts|cts|mts)$/;

function resolvesRelative(files: Set<string>, from: string, specifier: string): boolean {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [
    target,
    `${target}.js`,
    `${target}.cjs`,
    `${target}.mjs`,
    `${target}/index.js`,
    `${target}/index.cjs`,
  ];
  return candidates.some((candidate) => files.has(candidate));
}

/**
 * Runs every check on the unpacked package in `dir` (the `package/` folder of a tarball).
 * Returns one finding per problem; empty when the package is fine.
 */
export function checkUnpacked(dir: string): Finding[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  const pkg = String(manifest.name);
  const files = new Set(listFiles(dir));
  const findings = [
    ...findWorkspaceRanges(manifest),
    ...findExactPins(manifest),
    ...findMissingLicense(manifest, dir, files),
  ];

  for (const { field, path } of entryTargets(manifest)) {
    if (!files.has(posix.normalize(path))) {
      findings.push({
        pkg,
        check: 'missing-file',
        message: `package.json ${field} points to ${path}, which is not in the tarball — build before packing, or fix "files"`,
      });
    }
  }

  const declared = depNames(manifest, RUNTIME_DEP_FIELDS);
  const devOnly = depNames(manifest, ['devDependencies']);
  for (const file of [...files].sort()) {
    const isJs = JS_FILE.test(file);
    const isDts = DTS_FILE.test(file);
    if (!isJs && !isDts) continue;
    const source = readFileSync(join(dir, file), 'utf8');
    for (const { specifier, line } of findImports(source)) {
      const name = packageNameOf(specifier);
      if (name === undefined) {
        if (isJs && specifier.startsWith('.') && !resolvesRelative(files, file, specifier)) {
          findings.push({
            pkg,
            check: 'unresolved-relative',
            message: `${file}:${line} imports "${specifier}", which is not in the tarball`,
          });
        }
        continue;
      }
      if (isBuiltin(specifier) || name === pkg || declared.has(name)) continue;
      if (isDts && declared.has(`@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`)) continue;
      const why = devOnly.has(name) ? 'it is only a devDependency' : 'it is not declared';
      const fix = isDts
        ? `add "${name}" to dependencies (its types are part of this package's API)`
        : `add "${name}" to dependencies, or make the import \`import type\` if only types are used`;
      findings.push({
        pkg,
        check: 'undeclared-import',
        message: `${file}:${line} ${isDts ? 'references types from' : 'imports at runtime'} "${specifier}", but ${why} in ${pkg}'s package.json — ${fix}`,
      });
    }
  }
  return findings;
}
