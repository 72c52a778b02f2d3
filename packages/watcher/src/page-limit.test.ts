import type { ListPage } from '@kw/types';
import { describe, expect, it } from 'vitest';
import { nextPageLimit } from './page-limit';

const page = (items: number, bytes: number | undefined): ListPage => {
  const p: ListPage = { items: Array.from({ length: items }, () => ({})), resourceVersion: '1' };
  if (bytes !== undefined) p.bytes = bytes;
  return p;
};

describe('nextPageLimit', () => {
  it('sizes the next page to pageBytes at the last page’s average object size', () => {
    // 500 objects of 2,900 bytes: 8 MiB hold 2,892 of them.
    expect(nextPageLimit(page(500, 1_450_000), 500, 8 * 1024 * 1024)).toBe(2892);
    // 0.5 KB objects: 16,777.
    expect(nextPageLimit(page(2000, 1_000_000), 500, 8 * 1024 * 1024)).toBe(16_777);
  });

  it('never goes below pageSize (large objects)', () => {
    expect(nextPageLimit(page(500, 50_000_000), 500, 8 * 1024 * 1024)).toBe(500);
  });

  it('keeps pageSize when pageBytes is 0, the size is unknown, or the page was empty', () => {
    expect(nextPageLimit(page(500, 1_450_000), 500, 0)).toBe(500);
    expect(nextPageLimit(page(500, undefined), 500, 8 * 1024 * 1024)).toBe(500);
    expect(nextPageLimit(page(0, 120), 500, 8 * 1024 * 1024)).toBe(500);
  });
});
