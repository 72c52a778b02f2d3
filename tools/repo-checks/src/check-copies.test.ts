import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCopies, header } from './check-copies.ts';

let root: string;

function file(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kw-check-copies-'));
  file('tools/repo-checks/shared/sleep.ts', 'export const sleep = 1;\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('check-copies', () => {
  it('passes a copy equal to its canonical file', () => {
    file('packages/a/src/internal/sleep.ts', `${header('sleep')}\nexport const sleep = 1;\n`);
    expect(checkCopies(root, false)).toEqual([]);
  });

  it('names a copy that drifted and the file to edit instead', () => {
    file('packages/a/src/internal/sleep.ts', `${header('sleep')}\nexport const sleep = 2;\n`);
    expect(checkCopies(root, false)).toEqual([
      'packages/a/src/internal/sleep.ts differs from tools/repo-checks/shared/sleep.ts: edit the canonical file, then run `pnpm copies:sync`',
    ]);
  });

  it('names a copy of a canonical file that does not exist', () => {
    file('packages/a/src/internal/gone.ts', `${header('gone')}\nexport {};\n`);
    expect(checkCopies(root, false)).toEqual([
      'packages/a/src/internal/gone.ts says it copies tools/repo-checks/shared/gone.ts, which does not exist',
    ]);
  });

  it('rewrites drifted copies with --write, then passes', () => {
    file('packages/a/src/internal/sleep.ts', `${header('sleep')}\nexport const sleep = 2;\n`);
    expect(checkCopies(root, true)).toEqual([]);
    expect(readFileSync(join(root, 'packages/a/src/internal/sleep.ts'), 'utf8')).toBe(
      `${header('sleep')}\nexport const sleep = 1;\n`,
    );
    expect(checkCopies(root, false)).toEqual([]);
  });

  it('ignores files in src/internal without the copy header', () => {
    file('packages/a/src/internal/own.ts', 'export const own = 1;\n');
    expect(checkCopies(root, false)).toEqual([]);
  });
});
