/**
 * Dependency check run by `pnpm lint`. For every package under packages/:
 * - every module its `src` imports is declared in its own package.json (no phantom deps);
 *   test, bench and e2e files may also use its devDependencies and the root's (vitest, fast-check);
 * - every declared dependency is imported somewhere in `src` (nothing unused), or provides an
 *   optional peer of one of its `@kw/*` dependencies (an app installs `@kubernetes/client-node`
 *   for `@kw/client`'s exec/auth-provider path without importing it);
 * - a concrete `@kw/*` package imports another `@kw/*` package with `import type` only
 *   (types-only coupling), except the application packages listed in APPS;
 * - `@kw/types` has no runtime statements at all.
 * Exits 1 with one line per problem, naming the package, file and import.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Packages that wire concrete packages together and may import their runtime. */
const APPS = new Set(['@kw/cli']);
const root = join(import.meta.dirname, '..', '..', '..');
const builtins = new Set(builtinModules);

interface Import {
  file: string;
  line: number;
  specifier: string;
  typeOnly: boolean;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|tsx|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    found.push({ file, line, specifier, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) add(node, expr.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const arg = node.arguments[0];
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImport || isRequire) && arg && ts.isStringLiteral(arg)) add(node, arg.text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const lit = node.argument.literal;
      if (ts.isStringLiteral(lit)) add(node, lit.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative and builtin → undefined. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  if (!name || builtins.has(name)) return undefined;
  return name;
}

function isTestFile(path: string): boolean {
  return /\.(test|bench|e2e-bench)\.ts$/.test(path) || /[/\\](test|bench|testing)[/\\]/.test(path);
}

/** Statements that produce JavaScript at runtime (anything but types, type re-exports and imports). */
function runtimeStatements(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const bad: string[] = [];
  for (const st of sf.statements) {
    const typeOnly =
      ts.isInterfaceDeclaration(st) ||
      ts.isTypeAliasDeclaration(st) ||
      (ts.isImportDeclaration(st) && st.importClause?.isTypeOnly === true) ||
      (ts.isExportDeclaration(st) && st.isTypeOnly);
    if (!typeOnly) bad.push(`${relative(root, file)}:${sf.getLineAndCharacterOfPosition(st.getStart()).line + 1}`);
  }
  return bad;
}

const rootDevDeps = new Set(
  Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies ?? {}),
);
const problems: string[] = [];
const packagesDir = resolve(root, process.argv[2] ?? 'packages');
/** Each workspace package's peer dependencies, by package name. */
const peersByName = new Map<string, string[]>();
for (const dir of readdirSync(packagesDir)) {
  const manifest = join(packagesDir, dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const { name, peerDependencies } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    name: string;
    peerDependencies?: Record<string, string>;
  };
  peersByName.set(name, Object.keys(peerDependencies ?? {}));
}
for (const dir of readdirSync(packagesDir)) {
  const pkgDir = join(packagesDir, dir);
  let pkg: {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  const runtimeDeps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const devDeps = new Set([...Object.keys(pkg.devDependencies ?? {}), ...rootDevDeps]);
  const used = new Set<string>();
  const files = walk(pkgDir).filter(
    (f) => !relative(pkgDir, f).includes('/') || /^(src|test|bench)\//.test(relative(pkgDir, f)),
  );
  for (const file of files) {
    const rel = relative(root, file);
    const inSrc = relative(pkgDir, file).startsWith('src/');
    const test = isTestFile(file) || !inSrc;
    for (const imp of importsOf(file)) {
      const name = packageName(imp.specifier);
      if (!name || name === pkg.name) continue;
      const where = `${rel}:${imp.line}`;
      if (!test) used.add(name);
      if (!runtimeDeps.has(name) && !(test && devDeps.has(name))) {
        problems.push(
          `${pkg.name}: ${where} imports "${imp.specifier}" but "${name}" is not in its package.json ${test ? 'dependencies or devDependencies' : 'dependencies'}`,
        );
      }
      const concrete = name.startsWith('@kw/') && name !== '@kw/types';
      if (concrete && !test && !imp.typeOnly && !APPS.has(pkg.name)) {
        problems.push(
          `${pkg.name}: ${where} imports the runtime of "${imp.specifier}"; concrete kw packages may only \`import type\` from each other (wire them in the caller)`,
        );
      }
    }
  }
  const peersOfDeps = new Set(Object.keys(pkg.dependencies ?? {}).flatMap((dep) => peersByName.get(dep) ?? []));
  for (const dep of runtimeDeps) {
    if (!used.has(dep) && !peersOfDeps.has(dep))
      problems.push(`${pkg.name}: dependency "${dep}" is declared but never imported by src/`);
  }
  if (pkg.name === '@kw/types') {
    for (const file of files.filter((f) => f.includes('/src/'))) {
      for (const at of runtimeStatements(file))
        problems.push(`@kw/types: ${at} is runtime code; @kw/types holds types only`);
    }
  }
}

if (problems.length > 0) {
  console.error(`check-deps: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('check-deps: every import is declared, nothing unused, concrete packages coupled through types only');
