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

  it("counts only the main thread's CPU in a late tick: a preempted thread is not a block", () => {
    const clock = { t: 1000, cpu: 0 };
    const sampler = new Sampler({ now: () => clock.t, cpuUs: () => clock.cpu });
    sampler.start();
    clock.t += 210; // the tick was due at +10: 200 ms late…
    clock.cpu += 5_000; // …with only 5 ms of it on a CPU
    const s = sampler.stop();
    expect(s.maxLateMs).toBe(200);
    expect(s.maxLateOnCpuMs).toBe(5);
  });

  it('counts a late tick with the main thread on a CPU throughout as a block of its lateness', () => {
    const clock = { t: 1000, cpu: 0 };
    const sampler = new Sampler({ now: () => clock.t, cpuUs: () => clock.cpu });
    sampler.start();
    clock.t += 210;
    clock.cpu += 400_000; // more CPU than wall time (cannot exceed the lateness)
    const s = sampler.stop();
    expect(s.maxLateOnCpuMs).toBe(200);
    expect(s.maxLateOnCpuAtMs).toBe(210);
  });
});
