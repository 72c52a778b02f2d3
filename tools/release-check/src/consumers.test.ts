import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOf } from './consumers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A node_modules tree with a package.json at each given package folder. */
function tree(packages: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'rc-tree-'));
  dirs.push(root);
  for (const pkg of packages) {
    mkdirSync(join(root, pkg), { recursive: true });
    writeFileSync(join(root, pkg, 'package.json'), '{}');
  }
  return root;
}

describe('copiesOf', () => {
  it('finds the one hoisted copy an app shares with @kw/client', () => {
    const root = tree(['@kubernetes/client-node', '@kw/client', '@kw/types']);
    expect(copiesOf(root, '@kubernetes/client-node')).toEqual([join(root, '@kubernetes/client-node')]);
  });

  it('also finds copies nested under other packages, scoped or not', () => {
    const root = tree([
      '@kubernetes/client-node',
      '@kw/client/node_modules/@kubernetes/client-node',
      'other/node_modules/@kubernetes/client-node',
    ]);
    expect(copiesOf(root, '@kubernetes/client-node').sort()).toEqual(
      [
        join(root, '@kubernetes/client-node'),
        join(root, '@kw/client/node_modules/@kubernetes/client-node'),
        join(root, 'other/node_modules/@kubernetes/client-node'),
      ].sort(),
    );
  });
});
