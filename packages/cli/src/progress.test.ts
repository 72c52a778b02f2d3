import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressReporter, renderProgressBar, renderProgressLine } from './progress';

describe('renderProgressBar', () => {
  it('draws a filled bar and percentage when the total is known', () => {
    expect(renderProgressBar('cm', { objects: 50, pages: 1, expected: 100, elapsedMs: 250 }, 0)).toBe(
      'syncing cm  ████████████░░░░░░░░░░░░  50%  50/100 objects  1 page  250 ms',
    );
  });

  it('draws a spinner when the total is unknown', () => {
    expect(renderProgressBar('cm', { objects: 7, pages: 2, expected: undefined, elapsedMs: 1500 }, 1)).toBe(
      '⠙ syncing cm  7 objects  2 pages  1.50 s',
    );
  });
});

describe('renderProgressLine', () => {
  it('prints counts for logs', () => {
    expect(renderProgressLine('cm', { objects: 7, pages: 2, expected: 10, elapsedMs: 2000 })).toBe(
      'kw: syncing cm: 7 of ~10 objects, 2 pages, 2.00 s',
    );
  });
});

describe('ProgressReporter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints plain lines periodically when not a terminal, and nothing after stop', async () => {
    const written: string[] = [];
    let objects = 0;
    const reporter = new ProgressReporter({
      stream: { write: (text: string) => written.push(text), isTTY: false },
      label: 'cm',
      read: async () => {
        objects += 10;
        return { objects, pages: 1, expected: undefined, elapsedMs: 0 };
      },
      ttyIntervalMs: 100,
      plainIntervalMs: 1000,
    });
    reporter.start();
    await vi.advanceTimersByTimeAsync(2500);
    reporter.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(written).toEqual([
      'kw: syncing cm: 10 objects, 1 page, 0 ms\n',
      'kw: syncing cm: 20 objects, 1 page, 0 ms\n',
    ]);
  });

  it('redraws in place on a terminal and erases the bar on stop', async () => {
    const written: string[] = [];
    const reporter = new ProgressReporter({
      stream: { write: (text: string) => written.push(text), isTTY: true, columns: 80 },
      label: 'cm',
      read: async () => ({ objects: 1, pages: 1, expected: 2, elapsedMs: 0 }),
      ttyIntervalMs: 100,
      plainIntervalMs: 1000,
    });
    reporter.start();
    await vi.advanceTimersByTimeAsync(150);
    reporter.stop();
    expect(written.length).toBe(3);
    expect(written[0]?.startsWith('\r\x1b[2Ksyncing cm ')).toBe(true);
    expect(written[0]).toContain(' 50%');
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });
});
