import type { Logger, ShardRange } from '@kw/types';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeases } from '../test/fake-lease-client';
import { type RingLease, ShardRing, type ShardRingOptions } from './index';

const NS = 'team';
const clock = { now: () => Date.now() };
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const THIRD = '0x5555555555555555';
const TWO_THIRDS = '0xaaaaaaaaaaaaaaaa';
const HALF = '0x8000000000000000';
const TOP = '0x10000000000000000';
const ZERO = '0x0000000000000000';

let leases: FakeLeases;
let rings: ShardRing[];

function ring(identity: string, options: Partial<ShardRingOptions> = {}): ShardRing {
  const r = new ShardRing({
    name: 'workers',
    namespace: NS,
    identity,
    client: leases.client(identity),
    leaseDurationMs: 10_000,
    retryPeriodMs: 1_000,
    clock,
    logger: quiet,
    ...options,
  });
  rings.push(r);
  return r;
}

const span = (r: ShardRing): [string, string] | undefined => {
  const range = r.current();
  return range === undefined ? undefined : [range.start, range.end];
};

beforeEach(() => {
  vi.useFakeTimers();
  leases = new FakeLeases();
  rings = [];
});

afterEach(async () => {
  await Promise.all(rings.map((r) => r.stop()));
  vi.useRealTimers();
});

describe('ShardRing', () => {
  it('splits the space into thirds among three members once each has seen the others', async () => {
    for (const id of ['b', 'a', 'c']) ring(id).start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rings.map((r) => r.members())).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(rings.map(span)).toEqual([
      [THIRD, TWO_THIRDS],
      [ZERO, THIRD],
      [TWO_THIRDS, TOP],
    ]);
    expect([...leases.objects.keys()].sort()).toEqual(['team/workers-a', 'team/workers-b', 'team/workers-c']);
    expect(leases.objects.get('team/workers-a')?.metadata?.labels).toEqual({ 'kw.dev/shard-ring': 'workers' });
  });

  it('keeps members that go on renewing long past one lease duration', async () => {
    for (const id of ['a', 'b', 'c']) ring(id).start();
    await vi.advanceTimersByTimeAsync(35_000);
    expect(rings.map((r) => r.members().join(','))).toEqual(['a,b,c', 'a,b,c', 'a,b,c']);
  });

  it('deletes its Lease on stop so the others widen within one retry period', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => ring(id));
    for (const r of [a, b, c]) r?.start();
    await vi.advanceTimersByTimeAsync(1_000);
    await b?.stop();
    expect(leases.objects.has('team/workers-b')).toBe(false);
    expect(b?.current()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a?.members()).toEqual(['a', 'c']);
    expect(span(a as ShardRing)).toEqual([ZERO, HALF]);
    expect(span(c as ShardRing)).toEqual([HALF, TOP]);
  });

  it('keeps counting a member that died without releasing until its Lease is unchanged for its duration', async () => {
    const [a, b] = ['a', 'b'].map((id) => ring(id));
    a?.start();
    b?.start();
    await vi.advanceTimersByTimeAsync(1_000);
    leases.cut('b'); // b is gone: no renew, and its stop() cannot release
    await b?.stop();
    await vi.advanceTimersByTimeAsync(8_000);
    expect(a?.members()).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(a?.members()).toEqual(['a']);
    expect(span(a as ShardRing)).toEqual([ZERO, TOP]);
  });

  it('judges expiry from when it saw the Lease change, never from its renewTime', async () => {
    leases.put({
      metadata: { name: 'workers-z', namespace: NS, labels: { 'kw.dev/shard-ring': 'workers' } },
      spec: { holderIdentity: 'z', leaseDurationSeconds: 10, renewTime: '2001-01-01T00:00:00.000000Z' },
    });
    const a = ring('a');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.members()).toEqual(['a', 'z']);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(a.members()).toEqual(['a', 'z']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.members()).toEqual(['a']);
  });

  it('collects a Lease left expired for two durations, only at the version it saw', async () => {
    leases.put({
      metadata: { name: 'workers-z', namespace: NS, labels: { 'kw.dev/shard-ring': 'workers' } },
      spec: { holderIdentity: 'z', leaseDurationSeconds: 10 },
    });
    ring('a').start();
    await vi.advanceTimersByTimeAsync(21_000);
    expect(leases.objects.has('team/workers-z')).toBe(false);
    expect(leases.log.filter((line) => line.startsWith('delete workers-z'))).toHaveLength(1);
  });

  it('renews with compare-and-swap: after an outside write it re-reads and writes on the new version', async () => {
    const a = ring('a');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    const stored = leases.objects.get('team/workers-a') as RingLease;
    leases.put({ ...stored, spec: { ...stored.spec, holderIdentity: 'intruder' } });
    const versionAfterIntrusion = leases.objects.get('team/workers-a')?.metadata?.resourceVersion;
    await vi.advanceTimersByTimeAsync(1_000);
    const replaces = leases.log.filter((line) => line.startsWith('replace'));
    expect(replaces).toEqual([
      `replace workers-a ${stored.metadata?.resourceVersion}`,
      `replace workers-a ${versionAfterIntrusion}`,
    ]);
    expect(leases.objects.get('team/workers-a')?.spec?.holderIdentity).toBe('a');
    expect(a.members()).toEqual(['a']);
  });

  it('takes over its own Lease left by a previous run with the same identity', async () => {
    leases.put({
      metadata: { name: 'workers-a', namespace: NS, labels: { 'kw.dev/shard-ring': 'workers' } },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 10 },
    });
    const previous = leases.objects.get('team/workers-a')?.metadata?.resourceVersion;
    const a = ring('a');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(leases.log).toEqual(['create workers-a', `replace workers-a ${previous}`]);
    expect(a.members()).toEqual(['a']);
    expect(span(a)).toEqual([ZERO, TOP]);
  });

  it('rebalances to four shares when a fourth member joins', async () => {
    for (const id of ['a', 'b', 'c']) ring(id).start();
    await vi.advanceTimersByTimeAsync(1_000);
    ring('d').start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rings.map(span)).toEqual([
      [ZERO, '0x4000000000000000'],
      ['0x4000000000000000', HALF],
      [HALF, '0xc000000000000000'],
      ['0xc000000000000000', TOP],
    ]);
  });

  it('drops itself from its own view when it could not renew for its lease duration', async () => {
    const a = ring('a');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(span(a)).toEqual([ZERO, TOP]);
    leases.cut('a');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(span(a)).toEqual([ZERO, TOP]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.current()).toBeUndefined();
  });

  it('reports each range change to onChange in order, ending with undefined on stop', async () => {
    const seen: Array<[ShardRange | undefined, readonly string[]]> = [];
    const a = ring('a', { onChange: (range, members) => void seen.push([range, members]) });
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    ring('b').start();
    await vi.advanceTimersByTimeAsync(1_000);
    await a.stop();
    expect(seen).toEqual([
      [{ field: 'uid', start: ZERO, end: TOP }, ['a']],
      [{ field: 'uid', start: ZERO, end: HALF }, ['a', 'b']],
      [undefined, []],
    ]);
  });

  it('reports a throwing onChange to the logger as KW_CALLBACK and keeps running', async () => {
    const errors: unknown[] = [];
    const logger: Logger = { ...quiet, error: (_m, fields) => void errors.push(fields?.error) };
    const a = ring('a', {
      logger,
      onChange: () => {
        throw new Error('boom');
      },
    });
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    ring('b').start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'KW_CALLBACK', callback: 'onChange' });
    expect(span(a)).toEqual([ZERO, HALF]);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const a = ring('a', { signal: controller.signal });
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(leases.objects.size).toBe(0);
    expect(a.current()).toBeUndefined();
  });

  it.each<[string, Partial<ShardRingOptions>, string, unknown]>([
    ['a name that is not a DNS label', { name: 'Workers' }, 'name', 'Workers'],
    ['an identity that makes a bad Lease name', { identity: 'a_b' }, 'identity', 'a_b'],
    [
      'a lease shorter than two retry periods',
      { leaseDurationMs: 2_000, retryPeriodMs: 1_000 },
      'leaseDurationMs',
      2_000,
    ],
    ['a negative retry period', { retryPeriodMs: -1 }, 'retryPeriodMs', -1],
    ['an unknown field', { field: 'name' as 'uid' }, 'field', 'name'],
    [
      'a client without delete',
      { client: { ...new FakeLeases().client('x'), delete: undefined } as never },
      'client.delete',
      undefined,
    ],
  ])('rejects %s, naming the field and the value', (_, options, field, value) => {
    let caught: unknown;
    try {
      ring('a', options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'KW_INVALID_CONFIG', field, value });
    expect((caught as Error).message).toContain(`ShardRing option ${field}`);
  });
});

describe('ShardRing property', () => {
  it('at any time, members that agree on the member list hold disjoint ranges covering the space', async () => {
    type Op = { kind: 'start' | 'stop' | 'crash'; who: number } | { kind: 'wait'; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constantFrom('start' as const, 'stop' as const, 'crash' as const), who: fc.nat(5) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 12_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        leases = new FakeLeases();
        const members = new Map<number, ShardRing>();
        let generation = 0;
        const check = (): void => {
          const groups = new Map<string, ShardRing[]>();
          for (const r of members.values()) {
            if (r.current() === undefined) continue;
            const key = r.members().join(',');
            groups.set(key, [...(groups.get(key) ?? []), r]);
          }
          for (const [key, group] of groups) {
            if (group.length !== key.split(',').length) continue; // some agreeing members are not running any more
            const spans = group
              .map((r) => [BigInt(r.current()?.start ?? 0), BigInt(r.current()?.end ?? 0)] as const)
              .sort((x, y) => (x[0] < y[0] ? -1 : 1));
            expect(spans[0]?.[0]).toBe(0n);
            expect(spans.at(-1)?.[1]).toBe(1n << 64n);
            for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBe(spans[i - 1]?.[1]);
          }
        };
        for (const step of ops) {
          if (step.kind === 'wait') await vi.advanceTimersByTimeAsync(step.ms);
          else if (step.kind === 'start' && !members.has(step.who)) {
            const id = `m${step.who}-${generation++}`;
            const r = new ShardRing({
              name: 'p',
              namespace: NS,
              identity: id,
              client: leases.client(id),
              leaseDurationMs: 10_000,
              retryPeriodMs: 1_000,
              clock,
              logger: quiet,
            });
            r.start();
            members.set(step.who, r);
          } else if (step.kind !== 'start') {
            const r = members.get(step.who);
            if (r === undefined) continue;
            if (step.kind === 'crash') leases.cut(r.identity);
            await r.stop();
            members.delete(step.who);
          }
          check();
        }
        await Promise.all([...members.values()].map((r) => r.stop()));
      }),
      { numRuns: 60 },
    );
  });
});
