/**
 * Reads a V8 CPU profile (`node --cpu-prof --cpu-prof-interval 250 …`) and reports the longest busy
 * stretches of the main thread (consecutive samples that are not `(idle)`), each broken down by what
 * ran: GC, JSON.parse, kw's own code (any frame from `packages/*`), Node internals and the rest.
 * A stretch can hold several event-loop tasks back to back, so its kw part is an upper bound of the
 * longest block kw's own code made in it.
 *
 *   node tools/bench-e2e/src/blocks.ts PROFILE.cpuprofile [--top 5]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Category = 'gc' | 'json' | 'kw' | 'node' | 'other';

/** One busy stretch: when it started (ms from the profile's start), how long, and ms per category. */
export interface Stretch {
  atMs: number;
  ms: number;
  by: Record<Category, number>;
  /** kw functions seen in it, with ms, heaviest first. */
  kwTop: Array<[string, number]>;
}

/** The busy stretches of `profile`, longest first. Gaps between samples over 3 intervals end a stretch. */
export function busyStretches(profile: Profile): Stretch[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, { category: Category | 'idle'; kwFrame: string | undefined }>();
  const classify = (id: number): { category: Category | 'idle'; kwFrame: string | undefined } => {
    const known = categoryOf.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id) as ProfileNode;
    let category: Category | 'idle' = 'other';
    let kwFrame: string | undefined;
    const name = leaf.callFrame.functionName;
    if (name === '(idle)') category = 'idle';
    else if (name === '(garbage collector)') category = 'gc';
    else if (name === 'parse' && leaf.callFrame.url === '') category = 'json';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame;
      if (frame.url.includes('/packages/')) {
        kwFrame ??= `${frame.functionName || '(anonymous)'} ${frame.url.slice(frame.url.indexOf('/packages/') + 10)}`;
        if (category === 'other') category = 'kw';
      }
    }
    if (category === 'other' && leaf.callFrame.url.startsWith('node:')) category = 'node';
    const result = { category, kwFrame };
    categoryOf.set(id, result);
    return result;
  };

  const deltas = profile.timeDeltas;
  const gapUs = 3 * median(deltas);
  const stretches: Stretch[] = [];
  let t = 0;
  let current: (Stretch & { kw: Map<string, number>; endUs: number }) | undefined;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i] ?? 0;
    const dtMs = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    const { category, kwFrame } = classify(profile.samples[i] as number);
    if (category === 'idle' || (current !== undefined && t - current.endUs > gapUs)) {
      if (current !== undefined) stretches.push(done(current));
      current = undefined;
      if (category === 'idle') continue;
    }
    current ??= {
      atMs: t / 1000,
      ms: 0,
      by: { gc: 0, json: 0, kw: 0, node: 0, other: 0 },
      kwTop: [],
      kw: new Map(),
      endUs: t,
    };
    current.ms += dtMs;
    current.by[category] += dtMs;
    current.endUs = t;
    if (kwFrame !== undefined) current.kw.set(kwFrame, (current.kw.get(kwFrame) ?? 0) + dtMs);
  }
  if (current !== undefined) stretches.push(done(current));
  return stretches.sort((a, b) => b.ms - a.ms);
}

function done(s: Stretch & { kw: Map<string, number>; endUs: number }): Stretch {
  return { atMs: s.atMs, ms: s.ms, by: s.by, kwTop: [...s.kw].sort((a, b) => b[1] - a[1]).slice(0, 4) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 1000;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '5' } },
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: blocks.ts PROFILE.cpuprofile [--top N]');
  const stretches = busyStretches(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const r = (n: number): string => n.toFixed(1);
  console.log(
    `longest kw part of any stretch: ${r(Math.max(0, ...stretches.map((s) => s.by.kw)))} ms; the ${values.top} longest stretches, then the ${values.top} with the most kw time:`,
  );
  const byKw = [...stretches].sort((a, b) => b.by.kw - a.by.kw).slice(0, Number(values.top));
  for (const s of [...stretches.slice(0, Number(values.top)), ...byKw]) {
    const by = Object.entries(s.by)
      .map(([k, v]) => `${k} ${r(v)}`)
      .join(', ');
    console.log(
      `${r(s.ms)} ms at ${r(s.atMs)} ms: ${by}${s.kwTop.length ? ` | kw: ${s.kwTop.map(([f, ms]) => `${f} ${r(ms)}`).join('; ')}` : ''}`,
    );
  }
}
