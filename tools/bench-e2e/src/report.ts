/**
 * Turns raw runs into medians, and writes results.json, RESULTS.md and chart.svg.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChurnReport } from './churn.ts';
import type { LoadReport } from './load.ts';
import type { ContenderResult } from './measure.ts';

/** One contender process. */
export interface RunRecord {
  mode: 'sync' | 'churn';
  kind: string;
  size: number;
  contender: string;
  rep: number;
  /** Whether the machine was quiet (no vitest, CPU below the threshold) before the run, and its busy share. */
  quiet: boolean;
  busyBefore: number;
  waitedS: number;
  result: ContenderResult | undefined;
  churn?: ChurnReport;
  stderr: string;
  exitCode: number | null;
  wallSeconds: number;
}

/** Medians of one (mode, kind, size, contender). */
export interface Aggregate {
  mode: 'sync' | 'churn';
  kind: string;
  size: number;
  contender: string;
  runs: number;
  /** Runs that synced every object without error (medians use only these). */
  ok: number;
  median: Record<string, number>;
  /** Worst observed value of each figure across the ok runs. */
  max: Record<string, number>;
  failures: string[];
}

/** Everything a run produced. */
export interface Results {
  machine: Record<string, string | number>;
  settings: Record<string, number>;
  objectBytes: Record<string, number>;
  loads: LoadReport[];
  runs: RunRecord[];
  aggregates: Aggregate[];
}

const SYNC_FIELDS = [
  'syncSeconds',
  'peakRssMb',
  'heapAfterGcMb',
  'rssAfterGcMb',
  'cpuSeconds',
  'maxLoopBlockMs',
  'maxLoopBlockOnCpuMs',
  'maxMadeBlockMs',
  'maxGcPauseMs',
  'gcPauseTotalMs',
  'loopDelayMaxMs',
  'bootSeconds',
  'startRssMb',
  'startHeapMb',
] as const;
const CHURN_FIELDS = [
  'events',
  'latencyP50Ms',
  'latencyP99Ms',
  'latencyMaxMs',
  'cpuPerEventUs',
  'maxLoopBlockMs',
  'maxLoopBlockOnCpuMs',
] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Groups runs and takes medians over the successful ones. */
export function aggregate(runs: RunRecord[]): Aggregate[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${r.mode}|${r.kind}|${r.size}|${r.contender}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: Aggregate[] = [];
  for (const rs of groups.values()) {
    const first = rs[0] as RunRecord;
    const failures: string[] = [];
    const ok: Record<string, number>[] = [];
    for (const r of rs) {
      const res = r.result;
      const why =
        res === undefined
          ? `exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 200)}`
          : res.error !== undefined
            ? res.error.slice(0, 200)
            : res.sync !== undefined && !res.sync.complete
              ? `incomplete: ${res.sync.count} of ${res.expect} objects when synced`
              : first.mode === 'churn' && res.churn === undefined
                ? 'no churn figures'
                : undefined;
      if (why !== undefined) {
        failures.push(why);
        continue;
      }
      const row: Record<string, number> = {};
      if (first.mode === 'sync' && res?.sync) for (const f of SYNC_FIELDS) row[f] = res.sync[f];
      if (first.mode === 'churn' && res?.churn) {
        for (const f of CHURN_FIELDS) row[f] = res.churn[f];
        row.writerRate = r.churn?.achievedRate ?? Number.NaN;
        row.writerErrors = r.churn?.errors ?? Number.NaN;
      }
      ok.push(row);
    }
    const med: Record<string, number> = {};
    const max: Record<string, number> = {};
    for (const f of Object.keys(ok[0] ?? {})) {
      med[f] = median(ok.map((o) => o[f] as number));
      max[f] = Math.max(...ok.map((o) => o[f] as number));
    }
    out.push({
      mode: first.mode,
      kind: first.kind,
      size: first.size,
      contender: first.contender,
      runs: rs.length,
      ok: ok.length,
      median: med,
      max,
      failures,
    });
  }
  return out;
}

const fmt = (x: number | undefined, digits = 1): string =>
  x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;

/** Worst loop block over the ok runs, with the on-CPU part (excluding preemption) when measured. */
function block(a: Aggregate): string {
  const onCpu = a.max.maxLoopBlockOnCpuMs;
  return `${fmt(a.max.maxLoopBlockMs, 0)}${onCpu === undefined || Number.isNaN(onCpu) ? '' : ` (${fmt(onCpu, 0)})`}`;
}

/** Worst loop block in ms: the on-CPU part when measured (preemption by other processes excluded). */
function worstBlock(a: Aggregate): number {
  const onCpu = a.max.maxLoopBlockOnCpuMs;
  return onCpu === undefined || Number.isNaN(onCpu) ? (a.max.maxLoopBlockMs as number) : onCpu;
}

/** Worst kw-made block over the ok runs (on CPU, GC pauses inside it subtracted), ms; NaN for runs from before it was measured. */
function madeBlock(a: Aggregate): number {
  return a.max.maxMadeBlockMs ?? Number.NaN;
}

/** Longest block kw's own code may make at any size, ms (issue 18: at 1M objects, none over 50 ms). */
const MADE_BLOCK_TARGET_MS = 50;

/** The floor contenders: the least any client holding all objects must spend, by four routes. */
export const FLOORS: readonly string[] = ['floor-stream', 'floor-batch', 'floor-full', 'floor-paged'];

/** The fastest floor that synced everything in this run (the one kw is held against). */
export function bestFloor(rows: readonly Aggregate[]): Aggregate | undefined {
  const ok = rows.filter((a) => FLOORS.includes(a.contender) && a.ok > 0);
  return ok.sort((x, y) => (x.median.syncSeconds as number) - (y.median.syncSeconds as number))[0];
}

/**
 * The targets a kw contender must meet (see README): against the peer, sync ≤ 1.0× (at every size)
 * and RSS ≤ 0.5×; against the best floor, sync ≤ 1.05×, CPU ≤ 1.1× and a worst block no longer than
 * the floor's; and no block over 50 ms whatever the floor does; and no kw-made block (GC pauses
 * subtracted) over {@link MADE_BLOCK_TARGET_MS}.
 */
function targets(a: Aggregate, peer: Aggregate | undefined, floor: Aggregate | undefined): string {
  if (!a.contender.startsWith('kw')) return '';
  const m = a.median;
  const checks: Array<readonly [boolean, string]> = [];
  if (peer !== undefined && peer.ok > 0) {
    const p = peer.median;
    checks.push([(m.syncSeconds as number) <= (p.syncSeconds as number), 'sync≤peer']);
    checks.push([(m.peakRssMb as number) <= 0.5 * (p.peakRssMb as number), 'RSS≤½peer']);
  }
  if (floor !== undefined) {
    const f = floor.median;
    checks.push([(m.syncSeconds as number) <= 1.05 * (f.syncSeconds as number), 'sync≤1.05floor']);
    checks.push([(m.cpuSeconds as number) <= 1.1 * (f.cpuSeconds as number), 'CPU≤1.1floor']);
    checks.push([worstBlock(a) <= Math.max(50, worstBlock(floor)), 'block']);
  }
  const made = madeBlock(a);
  if (!Number.isNaN(made)) checks.push([made <= MADE_BLOCK_TARGET_MS, `kw-made≤${MADE_BLOCK_TARGET_MS}ms`]);
  return checks.map(([ok, what]) => `${ok ? '✅' : '❌'}${what}`).join(' ');
}

/** `3 runs`, or `3 runs (9 at 10,000 objects or fewer)` when small sizes were repeated more. */
function runsPerContender(settings: Record<string, number>): string {
  const { repeat, repeatSmall, smallSize } = settings;
  if (repeatSmall === undefined || smallSize === undefined || repeatSmall === repeat) return `${repeat} runs`;
  return `${repeat} runs (${repeatSmall} at ${smallSize.toLocaleString('en-US')} objects or fewer)`;
}

function markdown(r: Results): string {
  const m = r.machine;
  const lines: string[] = [
    '# kw end-to-end benchmark results',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM; Node ${m.node}; kube-apiserver ${m.apiserver} (${m.cluster}); ${m.date}.`,
    `Medians of ${runsPerContender(r.settings)} per contender, each in a fresh Node process, in alternating order.`,
    'How to rerun and what each figure means: `tools/bench-e2e/README.md`.',
    '',
  ];
  if (r.runs.some((run) => run.result?.sync?.madeGcFrom === 'profile')) {
    lines.push(
      'Profiled (`--profile-gc`): the kw-made block subtracts the collector time seen by a CPU profile of each contender process; sync, CPU and blocks include the profiler overhead.',
      '',
    );
  }
  const syncAggs = r.aggregates.filter((a) => a.mode === 'sync');
  const keys = [...new Set(syncAggs.map((a) => `${a.kind}|${a.size}`))];
  for (const key of keys) {
    const [kind, sizeS] = key.split('|') as [string, string];
    const size = Number(sizeS);
    const rows = syncAggs.filter((a) => a.kind === kind && a.size === size);
    const peer = rows.find((a) => a.contender === 'peer');
    const floor = bestFloor(rows);
    const bytes = Object.entries(r.objectBytes).find(([ns]) => ns.endsWith(`-${kind}-${size}`))?.[1];
    lines.push(
      `## ${kind}: ${size.toLocaleString('en-US')} objects${bytes ? ` of ${(bytes / 1000).toFixed(1)} KB` : ''}`,
      '',
    );
    lines.push(
      `Best floor in this run: ${floor?.contender ?? 'none (no floor synced everything)'}.`,
      '',
      '| contender | sync s | peak RSS MB | heap MB | CPU s | max loop block ms (on CPU) | kw-made block ms | sync vs peer | RSS vs peer | CPU vs peer | sync vs floor | RSS vs floor | CPU vs floor | block vs floor | targets | ok runs |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    );
    for (const a of rows) {
      const x = a.median;
      const p = peer?.ok ? peer.median : {};
      const f = floor?.ok ? floor.median : {};
      lines.push(
        `| ${a.contender} | ${fmt(x.syncSeconds, 2)} | ${fmt(x.peakRssMb, 0)} | ${fmt(x.heapAfterGcMb, 0)} | ${fmt(x.cpuSeconds, 2)} | ${block(a)} | ${fmt(madeBlock(a), 0)} | ${ratio(x.syncSeconds, p.syncSeconds)} | ${ratio(x.peakRssMb, p.peakRssMb)} | ${ratio(x.cpuSeconds, p.cpuSeconds)} | ${ratio(x.syncSeconds, f.syncSeconds)} | ${ratio(x.peakRssMb, f.peakRssMb)} | ${ratio(x.cpuSeconds, f.cpuSeconds)} | ${floor === undefined ? '–' : ratio(worstBlock(a), worstBlock(floor))} | ${targets(a, peer, floor)} | ${a.ok}/${a.runs} |`,
      );
    }
    const failed = rows.filter((a) => a.failures.length > 0);
    if (failed.length > 0) {
      lines.push('', 'Failed or incomplete runs:');
      for (const a of failed) lines.push(`- ${a.contender}: ${[...new Set(a.failures)].join('; ')}`);
    }
    lines.push('');
  }
  const churnAggs = r.aggregates.filter((a) => a.mode === 'churn');
  if (churnAggs.length > 0) {
    lines.push(
      `## Under churn (${r.settings.churnRate} updates/s asked for ${r.settings.churnSeconds} s)`,
      '',
      '| objects | contender | writer updates/s | events seen | latency p50 ms | p99 ms | max ms | CPU per event µs | max loop block ms (on CPU) | ok runs |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const a of churnAggs) {
      const x = a.median;
      lines.push(
        `| ${a.kind} ${a.size.toLocaleString('en-US')} | ${a.contender} | ${fmt(x.writerRate, 0)} | ${fmt(x.events, 0)} | ${fmt(x.latencyP50Ms, 0)} | ${fmt(x.latencyP99Ms, 0)} | ${fmt(x.latencyMaxMs, 0)} | ${fmt(x.cpuPerEventUs, 0)} | ${block(a)} | ${a.ok}/${a.runs} |`,
      );
    }
    lines.push('');
  }
  if (r.loads.length > 0) {
    lines.push(
      '## Loading',
      '',
      '| namespace | created | deleted | s | objects/s |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const l of r.loads) {
      lines.push(`| ${l.namespace} | ${l.created} | ${l.deleted} | ${fmt(l.seconds, 0)} | ${fmt(l.rate, 0)} |`);
    }
    lines.push('');
  }
  const noisy = r.runs.filter((x) => !x.quiet).length;
  lines.push(
    `Runs started on a busy machine (other tests running or CPU above --busy-threshold): ${noisy} of ${r.runs.length}.`,
    '',
    '![sync time and peak RSS](chart.svg)',
    '',
  );
  return lines.join('\n');
}

const COLORS: Record<string, string> = {
  'floor-paged': '#9e9e9e',
  'floor-stream': '#616161',
  'floor-batch': '#424242',
  'floor-full': '#bdbdbd',
  peer: '#d62728',
  'kw-memory': '#1f77b4',
  'kw-paginated': '#ff7f0e',
  'kw-streaming': '#bcbd22',
  'kw-ignore': '#2ca02c',
  'kw-cached': '#9467bd',
  'kw-metadata': '#17becf',
  'kw-metrics': '#8c564b',
};

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
}

/**
 * Grouped bars: panels for sync time, peak RSS, and kw's sync as a ratio to the best floor of the same
 * kind/size; a group per kind/size, a bar per contender.
 */
function chart(r: Results): string {
  const aggs = r.aggregates.filter((a) => a.mode === 'sync' && a.ok > 0);
  const groups = [...new Set(aggs.map((a) => `${a.kind}|${a.size}`))];
  const contenders = [...new Set(aggs.map((a) => a.contender))];
  const floors = new Map(
    groups.map((g) => [g, bestFloor(aggs.filter((a) => `${a.kind}|${a.size}` === g))?.median.syncSeconds as number]),
  );
  const vsFloor = (a: Aggregate): number =>
    a.contender.startsWith('kw')
      ? (a.median.syncSeconds as number) / (floors.get(`${a.kind}|${a.size}`) ?? Number.NaN)
      : 0;
  const barW = 14;
  const groupW = contenders.length * barW + 24;
  const panelW = Math.max(320, groups.length * groupW + 70);
  const panelH = 220;
  const width = panelW * 3 + 80;
  const height = panelH + 110;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  const panel = (x0: number, value: (a: Aggregate) => number, title: string): void => {
    const vals = aggs.map(value).filter((v) => Number.isFinite(v));
    const max = Math.max(...vals, 1e-9) * 1.1;
    const top = 30;
    const bottom = top + panelH - 40;
    const left = x0 + 50;
    parts.push(
      `<text x="${x0 + panelW / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
    );
    for (let t = 0; t <= 4; t++) {
      const v = (max * t) / 4;
      const y = bottom - ((bottom - top) * t) / 4;
      parts.push(`<line x1="${left}" x2="${x0 + panelW}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
      parts.push(
        `<text x="${left - 4}" y="${y + 4}" text-anchor="end" fill="#555">${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}</text>`,
      );
    }
    groups.forEach((g, gi) => {
      const [kind, size] = g.split('|') as [string, string];
      const gx = left + 12 + gi * groupW;
      contenders.forEach((c, ci) => {
        const a = aggs.find((x) => `${x.kind}|${x.size}` === g && x.contender === c);
        if (a === undefined) return;
        const v = value(a);
        if (!Number.isFinite(v) || v === 0) return;
        const h = ((bottom - top) * v) / max;
        parts.push(
          `<rect x="${gx + ci * barW}" y="${bottom - h}" width="${barW - 2}" height="${h}" fill="${COLORS[c] ?? '#444'}"><title>${esc(`${c} ${kind} ${size}: ${v.toFixed(2)}`)}</title></rect>`,
        );
      });
      const n = Number(size);
      const label = `${kind === 'configmaps' ? '' : `${kind} `}${n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : size}`;
      parts.push(
        `<text x="${gx + (contenders.length * barW) / 2}" y="${bottom + 14}" text-anchor="middle">${esc(label)}</text>`,
      );
    });
    parts.push(`<line x1="${left}" x2="${x0 + panelW}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  };
  panel(0, (a) => a.median.syncSeconds as number, 'Time to sync (s, lower is better)');
  panel(panelW + 40, (a) => a.median.peakRssMb as number, 'Peak RSS (MB, lower is better)');
  panel(2 * panelW + 80, vsFloor, 'kw sync ÷ best floor (×, target ≤ 1.05)');
  contenders.forEach((c, i) => {
    const x = 50 + i * 120;
    const y = panelH + 30;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[c] ?? '#444'}"/>`);
    parts.push(`<text x="${x + 16}" y="${y + 10}">${esc(c)}</text>`);
  });
  parts.push(
    `<text x="50" y="${panelH + 70}" fill="#555">${esc(`${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, kube-apiserver ${r.machine.apiserver}; medians of up to ${runsPerContender(r.settings)}`)}</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes results.json, RESULTS.md and chart.svg into `dir`. */
export async function writeReports(dir: string, r: Results): Promise<void> {
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(join(dir, 'RESULTS.md'), markdown(r));
  await writeFile(join(dir, 'chart.svg'), chart(r));
}

/** Re-aggregates a results.json and rewrites the reports beside it: `node src/report.ts bench/results/results.json`. */
async function main(path: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const r = JSON.parse(await readFile(path, 'utf8')) as Results;
  r.aggregates = aggregate(r.runs);
  await writeReports(dirname(path), r);
}

if (import.meta.main) {
  main(process.argv[2] ?? 'bench/results/results.json').catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
