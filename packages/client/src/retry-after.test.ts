import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './index';

const now = Date.parse('2025-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter(' 120 ', now)).toBe(120);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP-date as whole seconds from now, rounded up', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now + 500)).toBe(30);
  });

  it('reads the obsolete RFC 850 and asctime date forms (asctime as GMT)', () => {
    expect(parseRetryAfter('Wednesday, 01-Jan-25 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed Jan  1 00:00:30 2025', now)).toBe(30);
  });

  it('rounds a date up to whole seconds, never down', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now + 29_001)).toBe(1);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now + 30_000)).toBe(0);
  });

  it('gives 0 for an HTTP-date in the past', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['words', 'soon'],
    ['unparseable date', 'Wed, 99 Foo 2025 99:99:99 GMT'],
    ['number with unit', '10s'],
    ['too large', '99999999999999999999'],
  ])('returns undefined for a %s value', (_what, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
