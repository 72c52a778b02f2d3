import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link until}. */
export interface UntilOptions {
  /** Give up after this long, ms. Default 10 000. */
  timeoutMs?: number;
  /** Wait between two checks, ms. Default 10. */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `condition` until it returns a value other than `undefined`, `null` or `false`, and
 * resolves with that value; rejects after `timeoutMs`. Waits on real time (node:timers/promises and
 * `process.hrtime`), so it also polls while a test fakes the global timers.
 */
export async function until<T>(
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: UntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 10, what = 'the condition' } = options;
  const start = process.hrtime.bigint();
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Number(process.hrtime.bigint() - start) / 1e6 > timeoutMs) {
      throw new Error(`until: timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}
