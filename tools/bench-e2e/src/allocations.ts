/**
 * Where a contender's bytes are allocated, garbage included: V8's sampling heap profiler with the
 * objects that minor and major GCs collected kept in the profile.
 *
 * Record: `KW_ALLOC_PROFILE=/tmp/x.heapprofile node --import ./src/allocations.ts src/contenders/kw-memory.ts …`
 * (the profile is written when the process exits).
 * Report: `node src/allocations.ts /tmp/x.heapprofile [objects]`: bytes by category (JSON.parse,
 * kw, Node, other) and the heaviest allocating functions, per object when `objects` is given.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Session } from 'node:inspector';

/** One node of a V8 sampling heap profile. */
interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Starts sampling for the rest of the process and writes the profile to `path` at exit. */
function record(path: string): void {
  const session = new Session();
  session.connect();
  // Main-thread sessions answer synchronously, so the profile can be taken in an 'exit' listener.
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (err === null) writeFileSync(path, JSON.stringify(res.profile));
    });
  });
}

/** The category of a frame: JSON.parse, a kw package, Node's own code, or other. */
function categoryOf(frame: ProfileNode['callFrame']): string {
  if (frame.functionName === 'parse' && frame.url === '') return 'JSON.parse';
  if (/\/packages\/[^/]+\/(dist|src)\//.test(frame.url)) return 'kw';
  if (frame.url.startsWith('node:')) return 'node';
  return 'other';
}

/** Prints bytes by category and the heaviest allocating functions. */
async function report(path: string, objects: number | undefined): Promise<void> {
  const { head } = JSON.parse(await readFile(path, 'utf8')) as { head: ProfileNode };
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  // Each sample is charged to the innermost frame that is not a builtin without a script, so
  // allocations inside Array.push or string concatenation count for their caller.
  const walk = (node: ProfileNode, owner: ProfileNode['callFrame'] | undefined): void => {
    const own = node.callFrame.url === '' && node.callFrame.functionName !== 'parse' ? owner : node.callFrame;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const frame = own ?? node.callFrame;
      const category = categoryOf(frame);
      byCategory.set(category, (byCategory.get(category) ?? 0) + node.selfSize);
      const name = `${category}: ${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/packages\//, '')}:${frame.lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, own);
  };
  walk(head, undefined);
  const fmt = (bytes: number): string =>
    objects === undefined ? `${(bytes / 2 ** 20).toFixed(1)} MB` : `${Math.round(bytes / objects)} B/object`;
  console.log(`total ${fmt(total)} (${(total / 2 ** 20).toFixed(0)} MB)`);
  for (const [category, bytes] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${category.padEnd(12)} ${fmt(bytes)}`);
  }
  console.log('heaviest functions:');
  for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${fmt(bytes).padStart(14)}  ${name}`);
  }
}

const out = process.env.KW_ALLOC_PROFILE;
if (out !== undefined && out !== '') {
  record(out);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, objects] = process.argv.slice(2);
  if (path === undefined) throw new Error('usage: allocations.ts <profile> [objects]');
  await report(path, objects === undefined ? undefined : Number(objects));
}
