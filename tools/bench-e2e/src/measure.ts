/**
 * What every contender measures, the same way: wall time to sync, peak RSS, heap after GC,
 * CPU time, event-loop blocking; then, optionally, latency and CPU under churn.
 * A contender prints one JSON line ({@link ContenderResult}) on stdout.
 */
import { monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { GcProfile, type GcTimeIn } from './gc-profile.ts';

/** Command-line arguments every contender takes. */
export interface ContenderArgs {
  kubeconfig: string;
  namespace: string;
  /** Kind name (configmaps, pods, endpointslices, small). */
  kind: string;
  /** Objects the namespace holds; the result says whether the contender saw them all. */
  expect: number;
  /** Stay up after sync for the parent's churn, reporting latency per event. */
  churn: boolean;
  /** kw contenders: the watcher's `pageSize` (LIST pages); absent: kw's default. For page-size experiments. */
  pageSize?: number;
  /** kw contenders: the watcher's `pageBytes` (0: every page `pageSize`); absent: kw's default. */
  pageBytes?: number;
  /** Profile the sync to take the collector's work out of the kw-made block ({@link GcProfile}). */
  profileGc: boolean;
}

/** Parses the shared arguments. */
export function contenderArgs(): ContenderArgs {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      kind: { type: 'string', default: 'configmaps' },
      expect: { type: 'string', default: '0' },
      churn: { type: 'boolean', default: false },
      'page-size': { type: 'string' },
      'page-bytes': { type: 'string' },
      'profile-gc': { type: 'boolean', default: false },
    },
  });
  if (values.kubeconfig === undefined || values.namespace === undefined) {
    throw new Error(
      'usage: <contender> --kubeconfig PATH --namespace NS [--kind configmaps] [--expect N] [--churn] [--page-size N] [--page-bytes N] [--profile-gc]',
    );
  }
  return {
    kubeconfig: values.kubeconfig,
    namespace: values.namespace,
    kind: values.kind,
    expect: Number(values.expect),
    churn: values.churn,
    profileGc: values['profile-gc'],
    ...(values['page-size'] === undefined ? {} : { pageSize: Number(values['page-size']) }),
    ...(values['page-bytes'] === undefined ? {} : { pageBytes: Number(values['page-bytes']) }),
  };
}

/** Sync figures. */
export interface SyncFigures {
  /** Start of the contender's work (after module loading) to synced, s. */
  syncSeconds: number;
  /** Objects in the cache when synced. */
  count: number;
  /** Whether count equals the expected count. */
  complete: boolean;
  /** Highest RSS sampled every 20 ms, and `resourceUsage().maxRSS` (whole process life), MB. */
  peakRssMb: number;
  peakRssSampledMb: number;
  maxRssOsMb: number;
  /** Heap used / RSS after a forced full GC once synced, MB. */
  heapAfterGcMb: number;
  rssAfterGcMb: number;
  /** User + system CPU from start to synced, s. */
  cpuSeconds: number;
  /** Longest event-loop block: a 10 ms interval's worst lateness, and `monitorEventLoopDelay` max, ms. */
  maxLoopBlockMs: number;
  /**
   * The same counting only time the main thread was on a CPU (min(lateness, the main thread's CPU used
   * meanwhile)), which excludes preemption by other processes on a busy machine and the work of V8's
   * helper threads (concurrent marking, parallel scavenge) in the same process, ms.
   */
  maxLoopBlockOnCpuMs: number;
  /** When that worst on-CPU block ended, ms after the start of the work. */
  maxLoopBlockOnCpuAtMs: number;
  /**
   * The kw-made block: the worst on-CPU block less the GC pauses inside it (max(0, on-CPU − GC pause time
   * overlapping the block)), i.e. what the contender's own code ran without yielding, ms. GC time from
   * Node's `gc` entries, or with `--profile-gc` from a CPU profile's collector samples (`madeGcFrom`).
   */
  maxMadeBlockMs: number;
  /** Where the kw-made block's GC time came from. */
  madeGcFrom: 'gc-entries' | 'profile';
  /** When that worst kw-made block ended, ms after the start of the work. */
  maxMadeBlockAtMs: number;
  loopDelayMaxMs: number;
  /** Longest single GC pause and total GC pause time during sync (PerformanceObserver 'gc'), ms. */
  maxGcPauseMs: number;
  gcPauseTotalMs: number;
  /** p99 of monitorEventLoopDelay, ms. */
  loopDelayP99Ms: number;
  /** Process start to the start of the work (Node boot + imports), s. */
  bootSeconds: number;
  /** RSS and heap used at the start of the work, after imports and a forced GC (the process's fixed cost), MB. */
  startRssMb: number;
  startHeapMb: number;
}

/** Churn figures. */
export interface ChurnFigures {
  /** Events whose object carried the churn timestamp annotation. */
  events: number;
  /** Write timestamp (annotation, epoch ms) to visible in the store, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** CPU during the churn window, s; and per event, µs. */
  cpuSeconds: number;
  cpuPerEventUs: number;
  /** Longest event-loop block during churn, ms; and counting only on-CPU time. */
  maxLoopBlockMs: number;
  maxLoopBlockOnCpuMs: number;
  /** The worst on-CPU block less the GC pauses inside it, ms (see {@link SyncFigures.maxMadeBlockMs}). */
  maxMadeBlockMs: number;
  peakRssMb: number;
}

/** The line a contender prints. */
export interface ContenderResult {
  contender: string;
  kind: string;
  namespace: string;
  expect: number;
  sync?: SyncFigures;
  churn?: ChurnFigures;
  error?: string;
  /** Extra, contender-specific facts (list mode used, store stats, ...). */
  notes?: Record<string, unknown>;
}

const MB = 1024 * 1024;

/** Blocks shorter than this (on CPU, ms) are not kept for the kw-made figure: they cannot be the worst. */
const KEEP_BLOCKS_OVER_MS = 5;

/** A late tick of the 10 ms timer: the loop was blocked from `start` to `end` (performance.now() ms), `onCpu` ms of it with the main thread on a CPU. */
interface Block {
  start: number;
  end: number;
  onCpu: number;
}

/** The worst block less the GC time in it (`gcIn`, else the pauses overlapping it), and when it ended (ms after `t0`). */
function worstMadeBlock(
  blocks: readonly Block[],
  gcs: readonly Block[],
  t0: number,
  gcIn: GcTimeIn | undefined,
): { ms: number; atMs: number } {
  let worst = { ms: 0, atMs: 0 };
  for (const b of blocks) {
    let gc = 0;
    if (gcIn !== undefined) gc = gcIn(b.start, b.end);
    else for (const g of gcs) gc += Math.max(0, Math.min(b.end, g.end) - Math.max(b.start, g.start));
    const ms = Math.max(0, b.onCpu - gc);
    if (ms > worst.ms) worst = { ms, atMs: b.end - t0 };
  }
  return worst;
}

/** CPU time of the calling (main) thread, µs: `process.threadCpuUsage()` (Node ≥ 22.15 / 23.9), not the whole process. */
function mainThreadCpuUs(): number {
  if (typeof process.threadCpuUsage !== 'function') {
    throw new Error(
      `bench-e2e needs process.threadCpuUsage() (Node >= 22.15), this is Node ${process.version}: run it with ./scripts/dev.sh's Node 24`,
    );
  }
  const c = process.threadCpuUsage();
  return c.user + c.system;
}

/** The clocks a {@link Sampler} reads: wall time (ms) and the main thread's CPU time (µs). Tests pass fakes. */
export interface SamplerClock {
  now(): number;
  cpuUs(): number;
}

const REAL_CLOCK: SamplerClock = { now: () => performance.now(), cpuUs: mainThreadCpuUs };

/** Samples RSS every 20 ms and measures event-loop lateness with a 10 ms timer. */
export class Sampler {
  readonly #clock: SamplerClock;
  peakRss = 0;
  maxLateMs = 0;
  /** Worst lateness counting only time the main thread was on a CPU (min(late, its CPU used meanwhile)): excludes preemption and helper threads. */
  maxLateOnCpuMs = 0;
  #cpu = 0;
  #t0 = 0;
  /** When the worst on-CPU block ended, ms after start(). */
  maxLateOnCpuAtMs = 0;
  /** Longest and total garbage-collection pause (PerformanceObserver 'gc' entries), ms. */
  maxGcMs = 0;
  gcTotalMs = 0;
  /** Late ticks over {@link KEEP_BLOCKS_OVER_MS} and GC pauses, matched in stop() (GC entries arrive after the fact). */
  #blocks: Block[] = [];
  #gcs: Block[] = [];
  readonly #gcObserver = new PerformanceObserver((list) => this.#addGcs(list.getEntries()));
  readonly #histogram = monitorEventLoopDelay({ resolution: 10 });
  #rssTimer: NodeJS.Timeout | undefined;
  #lateTimer: NodeJS.Timeout | undefined;
  #expected = 0;

  constructor(clock: SamplerClock = REAL_CLOCK) {
    this.#clock = clock;
  }

  start(): void {
    this.peakRss = process.memoryUsage.rss();
    this.maxLateMs = 0;
    this.#histogram.reset();
    this.#histogram.enable();
    this.#rssTimer = setInterval(() => {
      const r = process.memoryUsage.rss();
      if (r > this.peakRss) this.peakRss = r;
    }, 20);
    this.maxLateOnCpuMs = 0;
    this.#t0 = this.#clock.now();
    this.maxGcMs = 0;
    this.gcTotalMs = 0;
    this.#blocks = [];
    this.#gcs = [];
    this.#gcObserver.observe({ entryTypes: ['gc'] });
    this.#expected = this.#clock.now() + 10;
    this.#cpu = this.#clock.cpuUs();
    this.#lateTimer = setInterval(() => this.#tick(), 10);
  }

  /**
   * One look at the 10 ms timer's lateness: how long the loop was blocked since the tick was due.
   * {@link stop} takes a last one, as a block that ends with the sync (one `JSON.parse` of the whole
   * body) is over before the timer can fire again.
   */
  #tick(): void {
    const now = this.#clock.now();
    const late = Math.max(0, now - this.#expected);
    const cpu = this.#clock.cpuUs();
    const onCpu = Math.min(late, (cpu - this.#cpu) / 1000);
    this.#cpu = cpu;
    if (onCpu > KEEP_BLOCKS_OVER_MS) this.#blocks.push({ start: this.#expected, end: now, onCpu });
    if (late > this.maxLateMs) this.maxLateMs = late;
    if (onCpu > this.maxLateOnCpuMs) {
      this.maxLateOnCpuMs = onCpu;
      this.maxLateOnCpuAtMs = now - this.#t0;
    }
    this.#expected = now + 10;
  }

  #addGcs(entries: readonly PerformanceEntry[]): void {
    for (const e of entries) {
      this.gcTotalMs += e.duration;
      if (e.duration > this.maxGcMs) this.maxGcMs = e.duration;
      this.#gcs.push({ start: e.startTime, end: e.startTime + e.duration, onCpu: e.duration });
    }
  }

  /** The worst block (once stopped) less the GC time in it: from `gcIn` (a {@link GcProfile}), else Node's GC pauses. */
  made(gcIn?: GcTimeIn): { ms: number; atMs: number } {
    return worstMadeBlock(this.#blocks, this.#gcs, this.#t0, gcIn);
  }

  /** Stops sampling; the kw-made block less Node's GC pauses (see {@link made}). */
  stop(): {
    peakRss: number;
    maxLateMs: number;
    maxLateOnCpuMs: number;
    maxLateOnCpuAtMs: number;
    maxMadeMs: number;
    maxMadeAtMs: number;
    delayMaxMs: number;
    delayP99Ms: number;
    maxGcMs: number;
    gcTotalMs: number;
  } {
    this.#tick();
    this.#addGcs(this.#gcObserver.takeRecords());
    this.#gcObserver.disconnect();
    clearInterval(this.#rssTimer);
    clearInterval(this.#lateTimer);
    this.#histogram.disable();
    const r = process.memoryUsage.rss();
    if (r > this.peakRss) this.peakRss = r;
    const made = this.made();
    return {
      peakRss: this.peakRss,
      maxLateMs: this.maxLateMs,
      maxLateOnCpuMs: this.maxLateOnCpuMs,
      maxLateOnCpuAtMs: this.maxLateOnCpuAtMs,
      maxMadeMs: made.ms,
      maxMadeAtMs: made.atMs,
      maxGcMs: this.maxGcMs,
      gcTotalMs: this.gcTotalMs,
      delayMaxMs: this.#histogram.max / 1e6,
      delayP99Ms: this.#histogram.percentile(99) / 1e6,
    };
  }
}

/** The annotation the churn writer sets to the write's wall-clock time (epoch ms). */
export const CHURN_ANNOTATION = 'bench.kw.dev/ts';

/** Latency recorder: the contender calls `seen(obj)` after the store holds an update. */
export class LatencyRecorder {
  readonly samples: number[] = [];
  active = false;

  /** Records now − the object's churn annotation, when present. */
  record(annotations: Record<string, string> | undefined): void {
    if (!this.active) return;
    const ts = annotations?.[CHURN_ANNOTATION];
    if (ts === undefined) return;
    this.samples.push(Date.now() - Number(ts));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** What a contender implements. */
export interface Contender {
  /** Starts and resolves when synced with the number of objects in the cache. */
  sync(): Promise<number>;
  /** Optional extra facts for the result. */
  notes?(): Record<string, unknown>;
  /** Stops everything. */
  stop(): Promise<void>;
}

declare const gc: (() => void) | undefined;

function forceGc(): void {
  if (typeof gc !== 'function') throw new Error('run contenders with node --expose-gc');
  gc();
  gc();
}

/**
 * Runs a contender: measures its sync, then (with --churn) tells the parent `{"event":"synced"}`,
 * records latency until the parent writes a line on stdin, and prints the result line.
 */
export async function runContender(
  name: string,
  args: ContenderArgs,
  make: (latency: LatencyRecorder) => Contender | Promise<Contender>,
): Promise<void> {
  const result: ContenderResult = { contender: name, kind: args.kind, namespace: args.namespace, expect: args.expect };
  const bootSeconds = performance.now() / 1000;
  const latency = new LatencyRecorder();
  const sampler = new Sampler();
  let contender: Contender | undefined;
  try {
    forceGc();
    const startRssMb = process.memoryUsage.rss() / MB;
    const startHeapMb = process.memoryUsage().heapUsed / MB;
    const profile = args.profileGc ? await GcProfile.start() : undefined;
    sampler.start();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    contender = await make(latency);
    const count = await contender.sync();
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const s = sampler.stop();
    const made = sampler.made(await profile?.stop());
    forceGc();
    const mem = process.memoryUsage();
    const maxRssOs = (process.resourceUsage().maxRSS * 1024) / MB;
    result.sync = {
      syncSeconds: (t1 - t0) / 1000,
      count,
      complete: count === args.expect,
      peakRssMb: Math.max(s.peakRss / MB, maxRssOs),
      peakRssSampledMb: s.peakRss / MB,
      maxRssOsMb: maxRssOs,
      heapAfterGcMb: mem.heapUsed / MB,
      rssAfterGcMb: mem.rss / MB,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxLoopBlockMs: s.maxLateMs,
      maxLoopBlockOnCpuMs: s.maxLateOnCpuMs,
      maxLoopBlockOnCpuAtMs: s.maxLateOnCpuAtMs,
      maxMadeBlockMs: made.ms,
      maxMadeBlockAtMs: made.atMs,
      madeGcFrom: profile === undefined ? 'gc-entries' : 'profile',
      maxGcPauseMs: s.maxGcMs,
      gcPauseTotalMs: s.gcTotalMs,
      loopDelayMaxMs: s.delayMaxMs,
      loopDelayP99Ms: s.delayP99Ms,
      bootSeconds,
      startRssMb,
      startHeapMb,
    };
    if (args.churn) {
      process.stdout.write(`${JSON.stringify({ event: 'synced' })}\n`);
      const c = new Sampler();
      c.start();
      const cpuC0 = process.cpuUsage();
      latency.active = true;
      await new Promise<void>((resolve) => {
        const rl = createInterface({ input: process.stdin });
        rl.once('line', () => {
          rl.close();
          resolve();
        });
      });
      latency.active = false;
      const cpuC = process.cpuUsage(cpuC0);
      const cs = c.stop();
      const sorted = [...latency.samples].sort((a, b) => a - b);
      const cpuSeconds = (cpuC.user + cpuC.system) / 1e6;
      result.churn = {
        events: sorted.length,
        latencyP50Ms: percentile(sorted, 50),
        latencyP99Ms: percentile(sorted, 99),
        latencyMaxMs: sorted.at(-1) ?? Number.NaN,
        cpuSeconds,
        cpuPerEventUs: sorted.length > 0 ? (cpuSeconds * 1e6) / sorted.length : Number.NaN,
        maxLoopBlockMs: cs.maxLateMs,
        maxLoopBlockOnCpuMs: cs.maxLateOnCpuMs,
        maxMadeBlockMs: cs.maxMadeMs,
        peakRssMb: cs.peakRss / MB,
      };
    }
    const notes = contender.notes?.();
    if (notes !== undefined) result.notes = notes;
  } catch (err) {
    sampler.stop();
    result.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  try {
    await Promise.race([contender?.stop(), new Promise((r) => setTimeout(r, 3000).unref())]);
  } finally {
    process.exit(0);
  }
}
