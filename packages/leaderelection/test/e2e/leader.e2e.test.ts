/**
 * Leader election between three candidate PROCESSES (test/e2e/candidate.ts, importing the built
 * package: run `pnpm build` first) on a real kube-apiserver. Each candidate reaches the apiserver
 * through its own FaultProxy so one can be cut off. Candidates time-stamp their leadership
 * intervals with Date.now(); all run on this machine and read the same system clock, so the only
 * skew is the time to read it and write the line: intervals may touch within SKEW_MS, never overlap.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { apiserverAddress, FaultProxy, kubeconfigFor, kubeEnv, useNamespace } from '@kw/kube-local/e2e';
import { until } from '@kw/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const LEASE_DURATION_MS = 3_000;
const RETRY_PERIOD_MS = 500;
const JITTER = 1.2;
const RENEW_DEADLINE_MS = 2_000;
/** Same machine, same clock: only reading and printing it separates two processes' timestamps. */
const SKEW_MS = 5;
/** Process scheduling and apiserver round trips on a busy CI machine. */
const MARGIN_MS = 1_000;

const here = fileURLToPath(new URL('.', import.meta.url));
const candidateScript = join(here, 'candidate.ts');
const builtEntry = join(here, '../../dist/index.js');
/** The Go module whose go.sum pins client-go; `leader-candidate` there is client-go's elector. */
const goModule = join(here, '../../../../tools/kube-local/go');
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
/** Starting a candidate process (Node + client, or a Go binary) on a loaded 2-core machine. */
const READY_MS = 60_000;
let goCandidate = '';

interface Line {
  event: string;
  identity: string;
  t: number;
  leader?: string;
  message?: string;
}

interface Candidate {
  identity: string;
  child: ChildProcess;
  proxy: FaultProxy | undefined;
  /** When this test SIGKILLed it: the end of its interval if it was leading. */
  killedAt?: number;
}

const ns = useNamespace('leaderelection');
let workDir = '';
const lines: Line[] = [];
let running: Candidate[] = [];

beforeAll(async () => {
  if (!existsSync(builtEntry)) {
    throw new Error(
      `${builtEntry} is missing: candidate processes import the built package — run \`pnpm build\` first`,
    );
  }
  workDir = await mkdtemp(join(tmpdir(), 'kw-leader-e2e-'));
});

afterEach(async () => {
  for (const c of running) c.child.kill('SIGKILL');
  await Promise.all(running.map((c) => c.proxy?.close()));
  running = [];
});

afterAll(async () => {
  if (workDir !== '') await rm(workDir, { recursive: true, force: true });
});

function proxied(): boolean {
  const env = kubeEnv();
  return env.adminToken !== null && env.caPath !== null;
}

/** Starts a candidate process: kw's (test/e2e/candidate.ts) or client-go's (`leader-candidate`). */
async function spawnCandidate(lease: string, identity: string, kind: 'kw' | 'client-go' = 'kw'): Promise<Candidate> {
  const env = kubeEnv();
  let kubeconfig = env.adminKubeconfigPath;
  let proxy: FaultProxy | undefined;
  if (env.adminToken !== null && env.caPath !== null) {
    proxy = await FaultProxy.start({ target: apiserverAddress() });
    kubeconfig = join(workDir, `${identity}.kubeconfig`);
    await writeFile(kubeconfig, kubeconfigFor(proxy.url, env.adminToken, env.caPath), { mode: 0o600 });
  }
  const args = [kubeconfig, ns.name, lease, identity];
  const child =
    kind === 'kw'
      ? spawn(process.execPath, [candidateScript, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(goCandidate, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as Line);
    } catch {
      // not ours (e.g. a runtime warning)
    }
  });
  const candidate: Candidate = { identity, child, proxy };
  running.push(candidate);
  await until(() => find(identity, 'ready'), { what: `${identity} ready`, timeoutMs: READY_MS });
  return candidate;
}

function find(identity: string | undefined, event: string, after = 0): Line | undefined {
  return lines.find((l) => (identity === undefined || l.identity === identity) && l.event === event && l.t >= after);
}

/** Leadership intervals of these candidates, from their started/stopped lines (a SIGKILL ends one). */
function intervals(candidates: readonly Candidate[]): { identity: string; start: number; end: number }[] {
  const result: { identity: string; start: number; end: number }[] = [];
  for (const c of candidates) {
    let start: number | undefined;
    for (const l of lines.filter((x) => x.identity === c.identity)) {
      if (l.event === 'started') start = l.t;
      if (l.event === 'stopped' && start !== undefined) {
        result.push({ identity: c.identity, start, end: l.t });
        start = undefined;
      }
    }
    if (start !== undefined) result.push({ identity: c.identity, start, end: c.killedAt ?? Date.now() });
  }
  return result.sort((a, b) => a.start - b.start);
}

function expectNoOverlap(candidates: readonly Candidate[]): void {
  const all = intervals(candidates);
  for (let i = 1; i < all.length; i++) {
    const previous = all[i - 1];
    const next = all[i];
    if (previous === undefined || next === undefined) continue;
    expect(next.start, `${next.identity} started while ${previous.identity} led`).toBeGreaterThanOrEqual(
      previous.end - SKEW_MS,
    );
  }
}

async function election(lease: string): Promise<{ candidates: Candidate[]; leader: Candidate }> {
  const candidates = await Promise.all(['a', 'b', 'c'].map((id) => spawnCandidate(lease, `${lease}-${id}`)));
  const first = await until(() => candidates.find((c) => find(c.identity, 'started')), {
    what: 'a leader',
    timeoutMs: 15_000,
  });
  // Let every candidate observe the leader's renewals.
  await sleep(LEASE_DURATION_MS);
  expect(candidates.filter((c) => find(c.identity, 'started')).map((c) => c.identity)).toEqual([first.identity]);
  return { candidates, leader: first };
}

describe('leader election across processes on a real apiserver', () => {
  it('elects exactly one leader and fails over within leaseDuration + retryPeriod after the leader is SIGKILLed', async () => {
    const { candidates, leader } = await election('kill');
    leader.killedAt = Date.now();
    leader.child.kill('SIGKILL');
    const next = await until(
      () => candidates.map((c) => find(c.identity, 'started', leader.killedAt)).find((l) => l !== undefined),
      { what: 'a new leader', timeoutMs: LEASE_DURATION_MS * 3 },
    );
    const failoverMs = next.t - (leader.killedAt ?? 0);
    console.log(`[leaderelection e2e] SIGKILL failover: ${failoverMs} ms (${leader.identity} -> ${next.identity})`);
    expect(next.identity).not.toBe(leader.identity);
    expect(failoverMs).toBeLessThanOrEqual(LEASE_DURATION_MS + 2 * RETRY_PERIOD_MS * JITTER + MARGIN_MS);
    await sleep(2 * RETRY_PERIOD_MS);
    const leading = candidates.filter((c) => c !== leader && find(c.identity, 'started'));
    expect(leading.map((c) => c.identity)).toEqual([next.identity]);
    expectNoOverlap(candidates);
  });

  it('hands over within about one retry period when the leader stops gracefully (SIGTERM releases the lease)', async () => {
    const { candidates, leader } = await election('graceful');
    const termAt = Date.now();
    leader.child.kill('SIGTERM');
    const exit = await until(() => find(leader.identity, 'exit', termAt), {
      what: 'the leader to exit',
      timeoutMs: 10_000,
    });
    const stopped = find(leader.identity, 'stopped', termAt);
    const next = await until(
      () => candidates.map((c) => find(c.identity, 'started', termAt)).find((l) => l !== undefined),
      { what: 'a new leader', timeoutMs: LEASE_DURATION_MS * 3 },
    );
    const handoverMs = next.t - termAt;
    console.log(
      `[leaderelection e2e] graceful handover: ${handoverMs} ms after SIGTERM (release done ${exit.t - termAt} ms after SIGTERM)`,
    );
    expect(stopped).toBeDefined();
    expect(next.identity).not.toBe(leader.identity);
    expect(handoverMs).toBeLessThanOrEqual(RETRY_PERIOD_MS * JITTER + MARGIN_MS);
    expectNoOverlap(candidates);
  });

  it.skipIf(!proxied())(
    'a leader cut off from the apiserver steps down before any other candidate acquires',
    async () => {
      const { candidates, leader } = await election('partition');
      const cutAt = Date.now();
      leader.proxy?.blackhole();
      const stopped = await until(() => find(leader.identity, 'stopped', cutAt), {
        what: 'the leader to step down',
        timeoutMs: 10_000,
      });
      const next = await until(
        () => candidates.map((c) => find(c.identity, 'started', cutAt)).find((l) => l !== undefined),
        { what: 'a new leader', timeoutMs: LEASE_DURATION_MS * 3 },
      );
      console.log(
        `[leaderelection e2e] partition: old leader stepped down ${stopped.t - cutAt} ms after the cut, new leader ${next.t - cutAt} ms after (gap ${next.t - stopped.t} ms)`,
      );
      expect(next.identity).not.toBe(leader.identity);
      expect(stopped.t).toBeLessThan(next.t);
      expect(stopped.t - cutAt).toBeLessThanOrEqual(RENEW_DEADLINE_MS + MARGIN_MS);
      // Healed, the old leader rejoins as a candidate and the new leader keeps the lease.
      leader.proxy?.heal();
      await sleep(LEASE_DURATION_MS);
      expect(intervals(candidates).filter((i) => i.start > next.t)).toEqual([]);
      expectNoOverlap(candidates);
    },
  );
});

describe.skipIf(!hasGo)('a mixed fleet: client-go and kw candidates on one Lease', () => {
  beforeAll(() => {
    goCandidate = join(workDir, 'leader-candidate');
    const build = spawnSync('go', ['build', '-o', goCandidate, './leader-candidate'], {
      cwd: goModule,
      encoding: 'utf8',
      timeout: 590_000,
    });
    if (build.status !== 0) throw new Error(`go build ./leader-candidate failed: ${build.stderr}`);
  });

  it('never has two leaders, and fails over both ways on release and on expiry', async () => {
    const lease = 'mixed';
    const candidates: Candidate[] = [];
    const enter = async (identity: string, kind: 'kw' | 'client-go') => {
      const c = await spawnCandidate(lease, identity, kind);
      candidates.push(c);
      return c;
    };
    const leadsAfter = (c: Candidate, at: number, what: string) =>
      until(() => find(c.identity, 'started', at), { what: what, timeoutMs: LEASE_DURATION_MS * 3 });
    /** The follower must observe the leader's renewals and stay a follower. */
    const settle = async (follower: Candidate) => {
      await sleep(LEASE_DURATION_MS);
      expect(find(follower.identity, 'started'), `${follower.identity} led while the other renewed`).toBeUndefined();
    };

    const go1 = await enter('mixed-go-1', 'client-go');
    await until(() => find(go1.identity, 'started'), { what: 'client-go to lead', timeoutMs: READY_MS });
    const kwA = await enter('mixed-kw-a', 'kw');
    await settle(kwA);

    // client-go releases (SIGTERM, ReleaseOnCancel) → kw takes over at once.
    let at = Date.now();
    go1.child.kill('SIGTERM');
    const released = await leadsAfter(kwA, at, 'kw to lead after client-go released');
    console.log(`[leaderelection e2e] mixed: client-go released -> kw leads after ${released.t - at} ms`);

    // kw releases → client-go takes over at once.
    const go2 = await enter('mixed-go-2', 'client-go');
    await settle(go2);
    at = Date.now();
    kwA.child.kill('SIGTERM');
    const back = await leadsAfter(go2, at, 'client-go to lead after kw released');
    console.log(`[leaderelection e2e] mixed: kw released -> client-go leads after ${back.t - at} ms`);

    // client-go dies → kw waits out client-go's leaseDurationSeconds, then takes over.
    const kwB = await enter('mixed-kw-b', 'kw');
    await settle(kwB);
    at = Date.now();
    go2.killedAt = at;
    go2.child.kill('SIGKILL');
    const expiredGo = await leadsAfter(kwB, at, 'kw to lead after client-go died');
    console.log(`[leaderelection e2e] mixed: client-go SIGKILLed -> kw leads after ${expiredGo.t - at} ms`);
    // The last renew kw saw was at most one retry period before the kill.
    expect(expiredGo.t - at).toBeGreaterThanOrEqual(LEASE_DURATION_MS - RETRY_PERIOD_MS * JITTER - SKEW_MS);

    // kw dies → client-go waits out kw's leaseDurationSeconds (and parses its MicroTimes), then takes over.
    const go3 = await enter('mixed-go-3', 'client-go');
    await settle(go3);
    at = Date.now();
    kwB.killedAt = at;
    kwB.child.kill('SIGKILL');
    const expiredKw = await leadsAfter(go3, at, 'client-go to lead after kw died');
    console.log(`[leaderelection e2e] mixed: kw SIGKILLed -> client-go leads after ${expiredKw.t - at} ms`);
    expect(expiredKw.t - at).toBeGreaterThanOrEqual(LEASE_DURATION_MS - RETRY_PERIOD_MS * JITTER - SKEW_MS);

    expect(intervals(candidates).map((i) => i.identity)).toEqual([
      'mixed-go-1',
      'mixed-kw-a',
      'mixed-go-2',
      'mixed-kw-b',
      'mixed-go-3',
    ]);
    expectNoOverlap(candidates);
  }, 240_000);
});
