import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'check-deps.ts');
let dir: string | undefined;

function pkg(name: string, manifest: object, files: Record<string, string>) {
  dir ??= mkdtempSync(join(tmpdir(), 'kw-check-deps-'));
  const pkgDir = join(dir, name);
  mkdirSync(join(pkgDir, 'src'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: `@kw/${name}`, ...manifest }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(pkgDir, file), text);
}

function run(): { code: number; output: string } {
  try {
    const out = execFileSync(process.execPath, [script, dir ?? ''], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, output: out };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, output: e.stderr };
  }
}

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const deps = { dependencies: { '@kw/types': 'workspace:^' } };

describe('check-deps', () => {
  it('passes packages coupled through import type only', () => {
    pkg(
      'types',
      {},
      { 'src/index.ts': "export type { A } from './a';\n", 'src/a.ts': 'export interface A { x: 1 }\n' },
    );
    pkg('store-memory', deps, { 'src/index.ts': "import type { A } from '@kw/types';\nexport const a: A | 1 = 1;\n" });
    pkg('watcher', deps, { 'src/index.ts': "import type { A } from '@kw/types';\nexport const a: A | 1 = 1;\n" });
    expect(run()).toMatchObject({ code: 0 });
  });

  it('fails naming the package and import when a concrete package imports another one at runtime', () => {
    pkg('store-memory', deps, { 'src/index.ts': "import type { A } from '@kw/types';\nexport const a: A | 1 = 1;\n" });
    pkg(
      'watcher',
      { dependencies: { '@kw/types': 'workspace:^', '@kw/store-memory': 'workspace:^' } },
      {
        'src/index.ts':
          "import type { A } from '@kw/types';\nimport { a } from '@kw/store-memory';\nexport const b: A | 1 = a;\n",
      },
    );
    const { code, output } = run();
    expect(code).toBe(1);
    expect(output).toContain('@kw/watcher: ');
    expect(output).toContain('src/index.ts:2 imports the runtime of "@kw/store-memory"');
  });

  it('fails on an undeclared (phantom) dependency and on an unused one', () => {
    pkg(
      'indexer',
      { dependencies: { '@kw/types': 'workspace:^', 'lru-cache': '1' } },
      {
        'src/index.ts':
          "import type { A } from '@kw/types';\nimport { JSONPath } from 'jsonpath-plus';\nexport const x: A | unknown = JSONPath;\n",
      },
    );
    const { code, output } = run();
    expect(code).toBe(1);
    expect(output).toContain('imports "jsonpath-plus" but "jsonpath-plus" is not in its package.json dependencies');
    expect(output).toContain('@kw/indexer: dependency "lru-cache" is declared but never imported by src/');
  });

  it('accepts an app dependency it never imports when it provides a peer of one of its @kw dependencies', () => {
    pkg(
      'client',
      { peerDependencies: { 'peer-lib': '^2' } },
      { 'src/index.ts': "export const x = await import('peer-lib');\n" },
    );
    pkg(
      'cli',
      { dependencies: { '@kw/client': 'workspace:^', 'peer-lib': '^2', 'other-lib': '1' } },
      {
        'src/index.ts': "import { x } from '@kw/client';\nexport const y = x;\n",
      },
    );
    const { code, output } = run();
    expect(code).toBe(1);
    expect(output).not.toContain('"peer-lib" is declared but never imported');
    expect(output).toContain('@kw/cli: dependency "other-lib" is declared but never imported by src/');
  });

  it('fails when @kw/types contains runtime code', () => {
    pkg('types', {}, { 'src/index.ts': 'export interface A { x: 1 }\nexport const DEFAULT = 1;\n' });
    const { code, output } = run();
    expect(code).toBe(1);
    expect(output).toContain('@kw/types: ');
    expect(output).toContain('index.ts:2 is runtime code');
  });
});
