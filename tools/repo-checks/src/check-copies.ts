/**
 * Canonical-copy check run by `pnpm lint`. Published kw packages share only types, yet a few tiny
 * runtime helpers (the error base, object identity, abortable sleep) must exist in several of them.
 * Each lives once under `tools/repo-checks/shared/<name>.ts`; a package holds a copy at
 * `src/internal/<name>.ts` whose first line is {@link header}. This check fails when a copy differs
 * from its canonical file or names one that does not exist; `--write` rewrites every copy from it.
 *
 * Usage: `node tools/repo-checks/src/check-copies.ts [--write] [root]`.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first line of every copy of `shared/<name>.ts`. */
export function header(name: string): string {
  return `// Copy of tools/repo-checks/shared/${name}.ts: edit that file, then run \`pnpm copies:sync\`.`;
}

const HEADER = /^\/\/ Copy of tools\/repo-checks\/shared\/([a-z0-9-]+)\.ts: /;

/** One problem per line: a copy that drifted or names a canonical file that does not exist. */
export function checkCopies(root: string, write: boolean): string[] {
  const sharedDir = join(root, 'tools', 'repo-checks', 'shared');
  const packagesDir = join(root, 'packages');
  const problems: string[] = [];
  for (const pkg of readdirSync(packagesDir)) {
    const internal = join(packagesDir, pkg, 'src', 'internal');
    if (!statSync(internal, { throwIfNoEntry: false })?.isDirectory()) continue;
    for (const file of readdirSync(internal)) {
      const path = join(internal, file);
      const text = readFileSync(path, 'utf8');
      const name = HEADER.exec(text)?.[1];
      if (name === undefined) continue;
      const canonicalPath = join(sharedDir, `${name}.ts`);
      const canonical = statSync(canonicalPath, { throwIfNoEntry: false }) && readFileSync(canonicalPath, 'utf8');
      if (!canonical) {
        problems.push(`${relative(root, path)} says it copies ${relative(root, canonicalPath)}, which does not exist`);
        continue;
      }
      const expected = `${header(name)}\n${canonical}`;
      if (text === expected) continue;
      if (write) writeFileSync(path, expected);
      else
        problems.push(
          `${relative(root, path)} differs from ${relative(root, canonicalPath)}: edit the canonical file, then run \`pnpm copies:sync\``,
        );
    }
  }
  return problems;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const root = args.find((a) => a !== '--write') ?? join(import.meta.dirname, '..', '..', '..');
  const problems = checkCopies(root, write);
  if (problems.length > 0) {
    console.error(`check-copies: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(
    write
      ? 'check-copies: every copy rewritten from its canonical file'
      : 'check-copies: every copy equals its canonical file',
  );
}
