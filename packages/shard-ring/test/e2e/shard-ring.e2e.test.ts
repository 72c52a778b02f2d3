/**
 * ShardRing membership on the real control plane: Leases written through @kw/client's
 * createClient(), several rings in this process (each with its own client), one namespace.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@kw/client';
import { adminKubeConfig, useNamespace } from '@kw/kube-local/e2e';
import type { ShardRange } from '@kw/types';
import { afterEach, describe, expect, it } from 'vitest';
import { LEASES, type RingLease, ShardRing, type ShardRingClient } from '../../src/index';

const RETRY_MS = 500;
const LEASE_MS = 3_000;
const ns = useNamespace('shard-ring');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let rings: ShardRing[] = [];

/** A client whose requests can all be made to fail, as for a replica killed with SIGKILL. */
function cuttable(): { client: ShardRingClient; cut: () => void } {
  const real = createClient({ kubeConfig: adminKubeConfig(), qps: Number.POSITIVE_INFINITY });
  let cut = false;
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      cut ? Promise.reject(Object.assign(new Error('killed'), { code: 'KW_NETWORK' })) : fn(...args);
  return {
    client: {
      list: guard(real.list.bind(real)) as ShardRingClient['list'],
      get: guard(real.get.bind(real)) as ShardRingClient['get'],
      create: guard(real.create.bind(real)) as ShardRingClient['create'],
      replace: guard(real.replace.bind(real)) as ShardRingClient['replace'],
      delete: guard(real.delete.bind(real)) as ShardRingClient['delete'],
    },
    cut: () => {
      cut = true;
    },
  };
}

function member(name: string, identity: string, client: ShardRingClient = cuttable().client): ShardRing {
  const ring = new ShardRing({
    name,
    namespace: ns.name,
    identity,
    client,
    leaseDurationMs: LEASE_MS,
    retryPeriodMs: RETRY_MS,
    logger: quiet,
  });
  rings.push(ring);
  ring.start();
  return ring;
}

/** Polls until `probe()` holds; returns the milliseconds it took. */
async function within(ms: number, what: string, probe: () => boolean): Promise<number> {
  const started = performance.now();
  while (!probe()) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
  return Math.round(performance.now() - started);
}

/** Whether `group` all see `size` members, the same list, and hold disjoint ranges covering the space. */
function agreeAndCover(group: ShardRing[], size: number): boolean {
  const lists = new Set(group.map((r) => r.members().join(',')));
  if (lists.size !== 1 || group[0]?.members().length !== size) return false;
  const spans = group
    .map((r) => r.current())
    .filter((r): r is ShardRange => r !== undefined)
    .map((r) => [BigInt(r.start), BigInt(r.end)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (spans.length !== group.length || spans[0]?.[0] !== 0n || spans.at(-1)?.[1] !== 1n << 64n) return false;
  return spans.every((s, i) => i === 0 || s[0] === spans[i - 1]?.[1]);
}

afterEach(async () => {
  await Promise.all(rings.map((r) => r.stop()));
  rings = [];
});

describe('ShardRing on kube-apiserver', () => {
  it('three members agree on thirds, a fourth makes four shares, a stopped one is covered within one retry period', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => member('ring-join', id)) as [ShardRing, ShardRing, ShardRing];
    const settle = await within(5 * RETRY_MS, 'three members agree', () => agreeAndCover([a, b, c], 3));
    const labelled = await createClient({ kubeConfig: adminKubeConfig() }).list<RingLease>(LEASES, ns.name, {
      labelSelector: 'kw.dev/shard-ring=ring-join',
    });
    expect(labelled.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity]).sort()).toEqual([
      ['ring-join-a', 'a'],
      ['ring-join-b', 'b'],
      ['ring-join-c', 'c'],
    ]);

    const d = member('ring-join', 'd');
    const join = await within(2 * RETRY_MS + 1_000, 'four shares', () => agreeAndCover([a, b, c, d], 4));
    expect(d.current()).toEqual({ field: 'uid', start: '0xc000000000000000', end: '0x10000000000000000' });

    await b.stop();
    const widen = await within(RETRY_MS + 1_000, 'the three left cover everything', () => agreeAndCover([a, c, d], 3));
    const after = await createClient({ kubeConfig: adminKubeConfig() }).list<RingLease>(LEASES, ns.name, {
      labelSelector: 'kw.dev/shard-ring=ring-join',
    });
    expect(after.items.map((l) => l.metadata?.name).sort()).toEqual(['ring-join-a', 'ring-join-c', 'ring-join-d']);
    console.log(
      `shard-ring e2e: 3 agree in ${settle} ms, 4 shares ${join} ms after the join, covered ${widen} ms after a stop`,
    );
  });

  it('a member that dies without releasing is covered by the others within lease duration + one retry period', async () => {
    const killed = cuttable();
    const [a, b] = ['a', 'b'].map((id) => member('ring-kill', id)) as [ShardRing, ShardRing];
    const c = member('ring-kill', 'c', killed.client);
    await within(5 * RETRY_MS, 'three members agree', () => agreeAndCover([a, b, c], 3));
    killed.cut();
    await sleep(LEASE_MS - 1_000);
    expect(a.members()).toEqual(['a', 'b', 'c']); // still counted: its Lease is not expired yet
    const takeover = await within(LEASE_MS + RETRY_MS + 1_000, 'the two left cover everything', () =>
      agreeAndCover([a, b], 2),
    );
    console.log(
      `shard-ring e2e: covered ${LEASE_MS - 1_000 + takeover} ms after a kill (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`,
    );
  });
});
