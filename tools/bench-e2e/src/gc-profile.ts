/**
 * The collector's share of an event-loop block, from a CPU profile of the contender's own process.
 *
 * Node reports a `gc` performance entry for each pause, but not for the incremental-marking steps and
 * other collector work V8 does inside allocations; those show in a CPU profile as `(garbage collector)`
 * samples. The kw-made block subtracts them too when a run is profiled (`--profile-gc`).
 */
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string } }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The collector's ms inside a window of `performance.now()` ms. */
export type GcTimeIn = (start: number, end: number) => number;

/** A sampling CPU profile of this process, read for `(garbage collector)` samples. */
export class GcProfile {
  readonly #session: Session;
  /** V8's profile clock (monotonic µs) minus `performance.now()` in µs: both read CLOCK_MONOTONIC. */
  readonly #offsetUs: number;

  private constructor(session: Session, offsetUs: number) {
    this.#session = session;
    this.#offsetUs = offsetUs;
  }

  /** Starts sampling every `intervalUs` µs. */
  static async start(intervalUs = 500): Promise<GcProfile> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    const offsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
    await session.post('Profiler.start');
    return new GcProfile(session, offsetUs);
  }

  /** Stops sampling; returns the collector's time within any window of the profiled span. */
  async stop(): Promise<GcTimeIn> {
    const { profile } = (await this.#session.post('Profiler.stop')) as { profile: Profile };
    this.#session.disconnect();
    return gcTimeIn(profile, this.#offsetUs);
  }
}

/**
 * The collector's ms in a window: each sample stands for the time until the next one, and a sample
 * counts when it lies in the window and its frame is `(garbage collector)`.
 */
export function gcTimeIn(profile: Profile, offsetUs: number): GcTimeIn {
  const gcNodes = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(garbage collector)').map((n) => n.id),
  );
  const at: number[] = []; // ms, performance.now() clock
  const ms: number[] = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (!gcNodes.has(profile.samples[i] as number)) continue;
    at.push((t - offsetUs) / 1000);
    ms.push((profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return (start, end) => {
    let sum = 0;
    for (let i = lowerBound(at, start); i < at.length && (at[i] as number) <= end; i++) sum += ms[i] as number;
    return sum;
  };
}

/** The first index of sorted `values` whose value is at least `x`. */
function lowerBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
