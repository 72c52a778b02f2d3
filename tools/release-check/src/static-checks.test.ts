import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkUnpacked, findImports, packageNameOf } from './static-checks.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A tiny unpacked tarball shaped like a kw package. */
function fixture(files: Record<string, string>, manifest: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rc-fixture-'));
  dirs.push(dir);
  const pkg = {
    name: '@kw/watcher',
    version: '0.1.0',
    type: 'module',
    exports: {
      '.': {
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
    },
    main: './dist/index.cjs',
    dependencies: { '@kw/types': '^0.1.0' },
    devDependencies: { '@kw/store-memory': '0.1.0' },
    license: 'Apache-2.0',
    ...manifest,
  };
  const all: Record<string, string> = {
    'package.json': JSON.stringify(pkg),
    LICENSE:
      '                                 Apache License\n                           Version 2.0, January 2004\n\n   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION\n',
    'dist/index.js': "import { setTimeout } from 'node:timers/promises';\nexport const a = 1;\n",
    'dist/index.cjs': "'use strict';\nvar promises = require('timers/promises');\nexports.a = 1;\n",
    'dist/index.d.ts': "import { Store } from '@kw/types';\nexport declare const a: Store | number;\n",
    'dist/index.d.cts': "import { Store } from '@kw/types';\nexport declare const a: Store | number;\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('checkUnpacked', () => {
  it('finds nothing wrong in a package whose imports are built-ins or declared dependencies', () => {
    expect(checkUnpacked(fixture({}))).toEqual([]);
  });

  it('names the package, file and import when the CJS build requires an undeclared @kw package', () => {
    const dir = fixture({
      'dist/index.cjs': "'use strict';\nvar types = require('@kw/types');\nvar store = require('@kw/store-memory');\n",
    });
    const findings = checkUnpacked(dir);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ pkg: '@kw/watcher', check: 'undeclared-import' });
    expect(findings[0]?.message).toContain('dist/index.cjs:3 imports at runtime "@kw/store-memory"');
    expect(findings[0]?.message).toContain('only a devDependency');
  });

  it('flags an ESM runtime import of a package declared nowhere, and a deep import by its package name', () => {
    const dir = fixture({ 'dist/index.js': "import { LRUCache } from 'lru-cache/raw';\nexport const a = LRUCache;\n" });
    expect(checkUnpacked(dir).map((f) => f.message)).toEqual([
      expect.stringContaining('dist/index.js:1 imports at runtime "lru-cache/raw", but it is not declared'),
    ]);
  });

  it('flags declarations that reference types of an undeclared package', () => {
    const dir = fixture({
      'dist/index.d.ts':
        "import { KubeConfig } from '@kubernetes/client-node';\nexport declare const kc: KubeConfig;\n",
    });
    expect(checkUnpacked(dir)).toEqual([
      expect.objectContaining({
        check: 'undeclared-import',
        message: expect.stringContaining('references types from "@kubernetes/client-node"'),
      }),
    ]);
  });

  it('flags a third-party runtime dependency pinned to an exact version, not @kw ones or dev tools', () => {
    const dir = fixture(
      { 'dist/index.js': "import { KubeConfig } from '@kubernetes/client-node';\n" },
      {
        dependencies: { '@kw/types': '0.1.0', 'jsonpath-plus': '^11.3.0' },
        peerDependencies: { '@kubernetes/client-node': '2.0.1' },
        devDependencies: { vitest: '5.1.1' },
      },
    );
    expect(checkUnpacked(dir).map((f) => `${f.check}: ${f.message}`)).toEqual([
      'exact-pin: package.json peerDependencies["@kubernetes/client-node"] is pinned to "2.0.1" — use a caret range ("^2.0.1") so an app\'s copy can be shared; the lockfile keeps builds reproducible',
    ]);
  });

  it('flags an Apache-2.0 package whose tarball has no LICENSE or a LICENSE without the license text', () => {
    expect(checkUnpacked(fixture({ LICENSE: 'MIT License\n' })).map((f) => f.check)).toEqual(['license']);
    const missing = fixture({});
    rmSync(join(missing, 'LICENSE'));
    expect(checkUnpacked(missing).map((f) => f.message)).toEqual([
      'package.json declares "license": "Apache-2.0" but the tarball has no LICENSE — copy the repo\'s LICENSE into the package and list it in "files"',
    ]);
  });

  it('flags workspace: ranges left in the packed package.json', () => {
    const dir = fixture({}, { dependencies: { '@kw/types': 'workspace:^' } });
    expect(checkUnpacked(dir)).toEqual([
      expect.objectContaining({
        check: 'workspace-range',
        message: expect.stringContaining('dependencies["@kw/types"] is "workspace:^"'),
      }),
    ]);
  });

  it('flags an exports target and a relative chunk that are missing from the tarball', () => {
    const dir = fixture(
      { 'dist/index.js': "import './chunk-ABC.js';\nexport const a = 1;\n" },
      { bin: { kw: './dist/cli.js' } },
    );
    const checks = checkUnpacked(dir).map((f) => `${f.check}: ${f.message.split(',')[0]}`);
    expect(checks).toEqual([
      expect.stringMatching(/^missing-file: package.json bin\["kw"\] points to .\/dist\/cli.js/),
      expect.stringMatching(/^unresolved-relative: dist\/index.js:1 imports ".\/chunk-ABC.js"/),
    ]);
  });
});

describe('findImports', () => {
  it('finds static, side-effect, multi-line, re-export, require and dynamic imports with their lines', () => {
    const source = [
      "import a from 'a';",
      "import 'b';",
      'import {',
      '  c1,',
      '  c2,',
      "} from 'c';",
      "export * from 'd';",
      'const e = require("e");',
      "const f = await import('f');",
      "const text = 'not an import from here';",
    ].join('\n');
    expect(findImports(source)).toEqual([
      { specifier: 'a', line: 1 },
      { specifier: 'b', line: 2 },
      { specifier: 'c', line: 3 },
      { specifier: 'd', line: 7 },
      { specifier: 'e', line: 8 },
      { specifier: 'f', line: 9 },
    ]);
  });

  it('reduces specifiers to package names', () => {
    expect(['@kw/types', '@kw/types/sub', 'lru-cache/raw', './x.js', 'node:fs'].map(packageNameOf)).toEqual([
      '@kw/types',
      '@kw/types',
      'lru-cache',
      undefined,
      'node:fs',
    ]);
  });
});
