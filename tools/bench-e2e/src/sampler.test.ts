import { describe, expect, it } from 'vitest';
import { Sampler } from './measure.ts';

/** Blocks the event loop until the main thread has used `ms` of CPU (so preemption cannot shorten the block on a CPU). */
function busy(ms: number): void {
  const start = process.threadCpuUsage();
  for (;;) {
    const used = process.threadCpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe('Sampler', () => {
  it('counts a block that ends when sampling stops (a sync ending in one long JSON.parse)', async () => {
    const sampler = new Sampler();
    sampler.start();
    await new Promise((r) => setTimeout(r, 30));
    busy(120);
    const s = sampler.stop(); // no timer tick ran after the block
    expect(s.maxLateMs).toBeGreaterThanOrEqual(100);
    expect(s.maxLateOnCpuMs).toBeGreaterThanOrEqual(100);
    expect(sampler.made().ms).toBeGreaterThan(0);
  });

  it('reports no block over a few ms while the loop is idle', async () => {
    const sampler = new Sampler();
    sampler.start();
    await new Promise((r) => setTimeout(r, 60));
    const s = sampler.stop();
    expect(s.maxLateOnCpuMs).toBeLessThan(50);
  });
});
