/**
 * End-to-end benchmark runner: kw's Watcher against `@kubernetes/client-node`'s informer and a
 * parse-only floor, each contender in its own fresh Node process, against a real API server.
 * See ../README.md for flags, what each figure means and how to rerun.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type ChurnReport, churn } from './churn.ts';
import { compactAndDefrag, ensureCluster, etcdStatus, REPO_ROOT, reniceCluster, stopCluster } from './cluster.ts';
import { type BenchKind, kindByName, namespaceFor, small } from './kinds.ts';
import { endpointFrom, H2 } from './kube.ts';
import { KW_PACKAGES } from './kw.ts';
import { loadKind, sampleObjectBytes } from './load.ts';
import type { ContenderResult } from './measure.ts';
import { type Aggregate, aggregate, type Results, type RunRecord, writeReports } from './report.ts';

const ALL_CONTENDERS = [
  'floor-stream',
  'floor-batch',
  'floor-full',
  'floor-paged',
  'peer',
  'kw-memory',
  'kw-paginated',
  'kw-streaming',
  'kw-ignore',
  'kw-cached',
  'kw-metadata',
  'kw-metrics',
];
const CHURN_CONTENDERS = ['peer', 'kw-memory'];
/**
 * Sizes up to this are repeated `--repeat-small` times (at least `--repeat`): they sync in 0.1–1 s,
 * where a few ms of scheduling noise on a shared machine moves a ratio by 5–10 %, and a run costs little.
 */
const SMALL_SIZE = 10_000;
const CONTENDER_DIR = join(REPO_ROOT, 'tools', 'bench-e2e', 'src', 'contenders');

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

function options() {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string', default: 'configmaps' },
      sizes: { type: 'string', default: '10000,50000,100000' },
      contenders: { type: 'string', default: ALL_CONTENDERS.join(',') },
      repeat: { type: 'string', default: '3' },
      'repeat-small': { type: 'string', default: '9' },
      churn: { type: 'boolean', default: true },
      'churn-rate': { type: 'string', default: '1000' },
      'churn-seconds': { type: 'string', default: '20' },
      'churn-contenders': { type: 'string', default: CHURN_CONTENDERS.join(',') },
      million: { type: 'boolean', default: false },
      'million-contenders': { type: 'string', default: 'kw-memory,kw-ignore,kw-metadata,peer' },
      'skip-load': { type: 'boolean', default: false },
      'load-only': { type: 'boolean', default: false },
      'quiet-wait': { type: 'string', default: '300' },
      'busy-threshold': { type: 'string', default: '0.5' },
      out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results') },
      'run-timeout': { type: 'string', default: '900' },
      'cluster-down': { type: 'boolean', default: false },
      'profile-gc': { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  const repeat = runs('--repeat', values.repeat);
  return {
    kinds: values.kinds.split(',').filter(Boolean).map(kindByName),
    sizes: values.sizes.split(',').filter(Boolean).map(Number),
    contenders: values.contenders.split(',').filter(Boolean),
    repeat,
    repeatSmall: Math.max(repeat, runs('--repeat-small', values['repeat-small'])),
    churn: values.churn,
    churnRate: Number(values['churn-rate']),
    churnSeconds: Number(values['churn-seconds']),
    churnContenders: values['churn-contenders'].split(',').filter(Boolean),
    million: values.million,
    millionContenders: values['million-contenders'].split(',').filter(Boolean),
    skipLoad: values['skip-load'],
    loadOnly: values['load-only'],
    quietWaitS: Number(values['quiet-wait']),
    busyThreshold: Number(values['busy-threshold']),
    out: values.out,
    profileGc: values['profile-gc'],
    runTimeoutS: Number(values['run-timeout']),
    clusterDown: values['cluster-down'],
  };
}

/** A run count flag's value: a positive integer, else an error naming the flag and the value. */
function runs(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} ${JSON.stringify(value)}: expected a whole number of runs, 1 or more`);
  return n;
}

/** Warns when a kw package's dist is older than its src (the contenders load dist). */
function checkDistFreshness(): string[] {
  const stale: string[] = [];
  for (const pkg of KW_PACKAGES) {
    const dir = join(REPO_ROOT, 'packages', pkg);
    let distTime: number;
    try {
      distTime = statSync(join(dir, 'dist', 'index.js')).mtimeMs;
    } catch {
      stale.push(`${pkg} (no dist)`);
      continue;
    }
    const newest = Math.max(
      ...readdirSync(join(dir, 'src'))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => statSync(join(dir, 'src', f)).mtimeMs),
    );
    if (newest > distTime) stale.push(pkg);
  }
  return stale;
}

/** CPU busy share (0..1) of the whole machine over `ms`. */
async function machineBusy(ms = 1000): Promise<number> {
  const read = () => {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

/** Command lines of running vitest processes (other engineers' tests). */
function vitestRunning(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes('vitest.mjs')) found.push(cmd.slice(0, 120));
    } catch {
      // gone
    }
  }
  return found;
}

/** Waits (up to `maxS`) until no vitest runs and the machine's CPU is below `threshold` busy; returns what was seen. */
async function waitQuiet(
  maxS: number,
  threshold: number,
): Promise<{ quiet: boolean; busyBefore: number; waitedS: number }> {
  const t0 = Date.now();
  let said = false;
  for (;;) {
    const tests = vitestRunning();
    const busy = await machineBusy(1000);
    const quiet = tests.length === 0 && busy < threshold;
    const waitedS = (Date.now() - t0) / 1000;
    if (quiet || waitedS >= maxS) {
      if (!quiet)
        log(
          `bench-e2e: machine still busy (${(busy * 100).toFixed(0)}% CPU, ${tests.length} vitest) after ${maxS} s; running anyway`,
        );
      return { quiet, busyBefore: busy, waitedS };
    }
    if (!said) {
      log(
        `bench-e2e: waiting for a quiet machine (${(busy * 100).toFixed(0)}% CPU busy, ${tests.length} vitest processes)...`,
      );
      said = true;
    }
    await new Promise((r) => setTimeout(r, 4000));
  }
}

interface Spawned {
  result: ContenderResult | undefined;
  churn?: ChurnReport;
  stderr: string;
  exitCode: number | null;
  wallSeconds: number;
}

/** Runs one contender in a fresh `node --expose-gc` process; with `churnRun`, drives churn after it synced. */
function runOne(
  contender: string,
  args: string[],
  timeoutS: number,
  churnRun: (() => Promise<ChurnReport>) | undefined,
): Promise<Spawned> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      ['--expose-gc', join(CONTENDER_DIR, `${contender}.ts`), ...args, ...(churnRun ? ['--churn'] : [])],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let result: ContenderResult | undefined;
    let churnReport: ChurnReport | undefined;
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 20_000) stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if ((msg as { event?: string }).event === 'synced' && churnRun) {
        churnRun().then(
          (r) => {
            churnReport = r;
            child.stdin.end('done\n');
          },
          (err: unknown) => {
            stderr += `churn failed: ${String(err)}\n`;
            child.stdin.end('done\n');
          },
        );
      } else if ((msg as { contender?: string }).contender !== undefined) {
        result = msg as ContenderResult;
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        result,
        ...(churnReport ? { churn: churnReport } : {}),
        stderr,
        exitCode: code,
        wallSeconds: (performance.now() - t0) / 1000,
      });
    });
  });
}

async function apiserverVersion(kubeconfig: string): Promise<string> {
  const h2 = new H2(await endpointFrom(kubeconfig), 1);
  try {
    const { body } = await h2.request('GET', '/version');
    return (body as { gitVersion?: string }).gitVersion ?? 'unknown';
  } finally {
    h2.close();
  }
}

function order<T>(items: T[], rep: number): T[] {
  // Alternate: forward on even repetitions, reversed on odd, rotated so each contender also goes first once.
  const rotated = [...items.slice(rep % items.length), ...items.slice(0, rep % items.length)];
  return rep % 2 === 0 ? rotated : rotated.reverse();
}

async function main(): Promise<void> {
  const opt = options();
  const stale = checkDistFreshness();
  if (stale.length > 0) {
    log(
      `bench-e2e: WARNING: built dist older than src for: ${stale.join(', ')} — run 'pnpm build' first to measure the current code`,
    );
  }
  const cluster = await ensureCluster(log);
  const ep = await endpointFrom(cluster.kubeconfigPath);
  const plan: { kind: BenchKind; size: number; contenders: string[]; repeat: number; churn: boolean }[] = [];
  for (const kind of opt.kinds) {
    for (const size of opt.sizes) {
      const repeat = size <= SMALL_SIZE ? opt.repeatSmall : opt.repeat;
      plan.push({ kind, size, contenders: opt.contenders, repeat, churn: opt.churn });
    }
  }
  if (opt.million)
    plan.push({ kind: small, size: 1_000_000, contenders: opt.millionContenders, repeat: 1, churn: false });

  const loads = [];
  if (!opt.skipLoad) {
    reniceCluster(15); // loading is background work: let other jobs on the machine keep their share
    for (const p of plan) loads.push(await loadKind(ep, p.kind, p.size, { log }));
    if (cluster.etcdClientUrl !== undefined) await compactAndDefrag(cluster.etcdClientUrl, log);
  }
  reniceCluster(0);
  if (opt.loadOnly) return;

  const objectBytes: Record<string, number> = {};
  for (const p of plan) {
    objectBytes[namespaceFor(p.kind.name, p.size)] = await sampleObjectBytes(
      ep,
      p.kind,
      namespaceFor(p.kind.name, p.size),
    );
  }
  const results: Results = {
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      ramGb: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      apiserver: await apiserverVersion(cluster.kubeconfigPath),
      cluster: cluster.source,
      date: new Date().toISOString(),
    },
    settings: {
      repeat: opt.repeat,
      repeatSmall: opt.repeatSmall,
      smallSize: SMALL_SIZE,
      churnRate: opt.churnRate,
      churnSeconds: opt.churnSeconds,
    },
    objectBytes,
    loads,
    runs: [],
    aggregates: [],
  };
  const save = async (): Promise<void> => {
    results.aggregates = aggregate(results.runs);
    await mkdir(opt.out, { recursive: true });
    await writeReports(opt.out, results);
  };

  for (const p of plan) {
    const ns = namespaceFor(p.kind.name, p.size);
    const base = [
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--namespace',
      ns,
      '--kind',
      p.kind.name,
      '--expect',
      String(p.size),
      ...(opt.profileGc ? ['--profile-gc'] : []),
    ];
    for (let rep = 0; rep < p.repeat; rep++) {
      for (const contender of order(p.contenders, rep)) {
        const q = await waitQuiet(opt.quietWaitS, opt.busyThreshold);
        log(`bench-e2e: ${ns} rep ${rep + 1}/${p.repeat}: ${contender}...`);
        const r = await runOne(contender, base, opt.runTimeoutS, undefined);
        const rec: RunRecord = { mode: 'sync', kind: p.kind.name, size: p.size, contender, rep, ...q, ...r };
        results.runs.push(rec);
        const s = r.result?.sync;
        log(
          s
            ? `  ${contender}: sync ${s.syncSeconds.toFixed(2)} s, peak RSS ${s.peakRssMb.toFixed(0)} MB, heap ${s.heapAfterGcMb.toFixed(0)} MB, CPU ${s.cpuSeconds.toFixed(2)} s, max block ${s.maxLoopBlockMs.toFixed(0)} ms, count ${s.count}${s.complete ? '' : ' INCOMPLETE'}`
            : `  ${contender}: FAILED (exit ${r.exitCode}) ${r.result?.error ?? r.stderr.slice(-500)}`,
        );
        await save();
      }
    }
    if (p.churn) {
      const churnList = p.contenders.filter((c) => opt.churnContenders.includes(c));
      for (let rep = 0; rep < p.repeat; rep++) {
        for (const contender of order(churnList, rep)) {
          const q = await waitQuiet(opt.quietWaitS, opt.busyThreshold);
          log(
            `bench-e2e: ${ns} churn rep ${rep + 1}/${p.repeat}: ${contender} (${opt.churnRate}/s for ${opt.churnSeconds} s)...`,
          );
          const r = await runOne(contender, base, opt.runTimeoutS, () =>
            churn(ep, p.kind, ns, p.size, { rate: opt.churnRate, seconds: opt.churnSeconds }),
          );
          results.runs.push({ mode: 'churn', kind: p.kind.name, size: p.size, contender, rep, ...q, ...r });
          const c = r.result?.churn;
          log(
            c
              ? `  ${contender}: ${c.events} events, p50 ${c.latencyP50Ms} ms, p99 ${c.latencyP99Ms} ms, CPU/event ${c.cpuPerEventUs.toFixed(0)} µs; writer ${r.churn?.achievedRate.toFixed(0)}/s`
              : `  ${contender}: churn FAILED ${r.result?.error ?? r.stderr.slice(-500)}`,
          );
          await save();
        }
      }
      if (cluster.etcdClientUrl !== undefined) await compactAndDefrag(cluster.etcdClientUrl, log);
    }
  }
  if (cluster.etcdClientUrl !== undefined) {
    const s = await etcdStatus(cluster.etcdClientUrl);
    results.machine.etcdDbMb = Math.round(s.dbSize / 1e6);
  }
  await save();
  log(`bench-e2e: wrote ${join(opt.out, 'results.json')}, RESULTS.md and chart.svg`);
  for (const a of results.aggregates as Aggregate[]) {
    if (a.mode === 'sync') log(`  ${a.kind} ${a.size} ${a.contender}: ${JSON.stringify(a.median)}`);
  }
  if (opt.clusterDown) await stopCluster(log);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
