import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { timeoutSignal } from './timeout-signal';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('timeoutSignal', () => {
  it('aborts with a TimeoutError once ms have passed on the timers', async () => {
    const signal = timeoutSignal(500);
    await vi.advanceTimersByTimeAsync(499);
    expect(signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('leaves no timer once disposed, and never aborts', async () => {
    const signal = timeoutSignal(500);
    signal.dispose();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(signal.aborted).toBe(false);
  });
});
