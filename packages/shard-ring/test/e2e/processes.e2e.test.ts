/**
 * ShardRing members as separate PROCESSES (test/e2e/member.ts, importing the built packages: run
 * `pnpm build` first) on a real kube-apiserver: agreement, a join, SIGKILL and SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from '@kw/client';
import { adminKubeConfig, kubeEnv, useNamespace } from '@kw/kube-local/e2e';
import type { ShardRange } from '@kw/types';
import { afterEach, describe, expect, it } from 'vitest';
import { LEASES } from '../../src/index';

const LEASE_MS = 3_000;
const RETRY_MS = 500;
/** Process start, scheduling and apiserver round trips on a busy machine. */
const MARGIN_MS = 1_500;

const here = fileURLToPath(new URL('.', import.meta.url));
const builtEntry = join(here, '../../dist/index.js');
const ns = useNamespace('shard-ring-procs');

interface Member {
  identity: string;
  child: ChildProcess;
  range: ShardRange | null | undefined;
  members: string[];
  /** Resolves when the process loaded and started its ring (module loading is slow on a busy machine). */
  ready: Promise<void>;
  exited: Promise<void>;
}

let children: Member[] = [];

function spawnMember(identity: string): Member {
  const child = spawn(
    process.execPath,
    [
      join(here, 'member.ts'),
      kubeEnv().adminKubeconfigPath,
      ns.name,
      'procs',
      identity,
      String(LEASE_MS),
      String(RETRY_MS),
    ],
    { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let onReady = (): void => {};
  const member: Member = {
    identity,
    child,
    ready: new Promise((resolve) => {
      onReady = resolve;
    }),
    range: undefined,
    members: [],
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const parsed = JSON.parse(line) as { event: string; range?: ShardRange | null; members?: string[] };
    if (parsed.event === 'ready') onReady();
    if (parsed.event === 'range') {
      member.range = parsed.range;
      member.members = parsed.members ?? [];
    }
  });
  children.push(member);
  return member;
}

async function within(ms: number, what: string, probe: () => boolean): Promise<number> {
  const started = performance.now();
  while (!probe()) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
  return Math.round(performance.now() - started);
}

/** All of `group` report the same `size` members and disjoint ranges covering the space. */
function cover(group: Member[], size: number): boolean {
  if (new Set(group.map((m) => m.members.join(','))).size !== 1 || group[0]?.members.length !== size) return false;
  const spans = group
    .map((m) => m.range)
    .filter((r): r is ShardRange => r !== null && r !== undefined)
    .map((r) => [BigInt(r.start), BigInt(r.end)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (spans.length !== group.length || spans[0]?.[0] !== 0n || spans.at(-1)?.[1] !== 1n << 64n) return false;
  return spans.every((s, i) => i === 0 || s[0] === spans[i - 1]?.[1]);
}

afterEach(async () => {
  for (const m of children) m.child.kill('SIGKILL');
  await Promise.all(children.map((m) => m.exited));
  children = [];
});

describe.skipIf(!existsSync(builtEntry))('ShardRing members as processes (needs pnpm build)', () => {
  it('agree, rebalance to four shares on a join, cover a SIGKILLed member within lease + retry and a SIGTERMed one within a retry period', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(spawnMember) as [Member, Member, Member];
    await Promise.all([a.ready, b.ready, c.ready]);
    const settle = await within(3 * RETRY_MS + MARGIN_MS, 'three agree', () => cover([a, b, c], 3));

    const d = spawnMember('d');
    await d.ready;
    const join = await within(2 * RETRY_MS + MARGIN_MS, 'four shares', () => cover([a, b, c, d], 4));

    d.child.kill('SIGKILL');
    const killedAt = performance.now();
    await d.exited;
    await within(LEASE_MS + RETRY_MS + MARGIN_MS, 'three cover after a kill', () => cover([a, b, c], 3));
    const failover = Math.round(performance.now() - killedAt);
    expect(failover).toBeGreaterThan(LEASE_MS - RETRY_MS); // its Lease had to expire first

    c.child.kill('SIGTERM');
    const stoppedAt = performance.now();
    await c.exited;
    await within(RETRY_MS + MARGIN_MS, 'two cover after a stop', () => cover([a, b], 2));
    const handover = Math.round(performance.now() - stoppedAt);
    const leases = await createClient({ kubeConfig: adminKubeConfig() }).list(LEASES, ns.name, {
      labelSelector: 'kw.dev/shard-ring=procs',
    });
    expect(leases.items.map((l) => l.metadata?.name).sort()).toEqual(['procs-a', 'procs-b', 'procs-d']);
    console.log(
      `shard-ring processes (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms): 3 agree ${settle} ms after starting, ` +
        `4 shares ${join} ms after a 4th started, covered ${failover} ms after SIGKILL, ${handover} ms after SIGTERM`,
    );
  });
});
