import { describe, expect, it } from 'vitest';
import { GcProfile, gcTimeIn } from './gc-profile.ts';

const nodes = [
  { id: 1, callFrame: { functionName: '(root)' } },
  { id: 2, callFrame: { functionName: '(garbage collector)' } },
  { id: 3, callFrame: { functionName: 'work' } },
];

describe('gcTimeIn', () => {
  it('sums the collector samples inside a window, each lasting until the next sample', () => {
    // Samples at 1000, 2000, 3000, 5000, 6000 µs (startTime 0): gc, work, gc, gc, work.
    const profile = { nodes, startTime: 0, samples: [2, 3, 2, 2, 3], timeDeltas: [1000, 1000, 1000, 2000, 1000] };
    const gcIn = gcTimeIn(profile, 0); // performance.now() ms = profile µs / 1000
    expect(gcIn(0, 10)).toBe(1 + 2 + 1);
    expect(gcIn(1.5, 3)).toBe(2); // the sample at 3 ms lasts until 5 ms
    expect(gcIn(3.5, 4.9)).toBe(0);
    expect(gcIn(4, 5)).toBe(1);
  });

  it('maps the profile clock onto performance.now() with the offset', () => {
    const profile = { nodes, startTime: 10_000, samples: [2, 3], timeDeltas: [0, 1000] };
    const gcIn = gcTimeIn(profile, 9_000); // the gc sample at 10,000 µs is 1 ms on performance.now()
    expect(gcIn(0.5, 1.5)).toBe(1);
    expect(gcIn(1.5, 2.5)).toBe(0);
  });
});

describe('GcProfile', () => {
  it('finds the collector in a window where this process allocated, and none in an idle one', async () => {
    const profile = await GcProfile.start(200);
    const idleStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const idleEnd = performance.now();
    const keep: unknown[] = [];
    const busyStart = performance.now();
    while (performance.now() - busyStart < 60) keep.push({ a: [1, 2, 3], b: 'x'.repeat(50) }); // allocates, so the young generation is collected
    const busyEnd = performance.now();
    const gcIn = await profile.stop();
    expect(keep.length).toBeGreaterThan(0);
    expect(gcIn(busyStart, busyEnd)).toBeGreaterThan(0);
    expect(gcIn(idleStart, idleEnd)).toBe(0);
  });
});
