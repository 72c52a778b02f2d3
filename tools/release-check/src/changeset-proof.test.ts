import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { proveIndependentBump } from './changeset-proof.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'rc-changeset-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const { version } = JSON.parse(readFileSync(join(repo, 'packages', 'indexer', 'package.json'), 'utf8')) as {
  version: string;
};
const [maj, min, patch] = version.split('.').map(Number);
const bumped = `@kw/indexer: ${version} → ${maj}.${min}.${(patch ?? 0) + 1}`;

it('bumps @kw/indexer alone when a changeset names only it (patch), leaving dependents and ranges as they are', async () => {
  const proof = await proveIndependentBump(repo, join(scratch, 'ws'), '@kw/indexer');
  expect(proof.problems).toEqual([]);
  expect(proof.lines.filter((line) => line.includes('→'))).toEqual([bumped]);
}, 60_000);
