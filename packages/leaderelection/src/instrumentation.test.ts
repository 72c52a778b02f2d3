import type { Instrumentation } from '@kw/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeaseServer } from '../test/fake-lease-client';
import { LeaderElector } from './index';

const lease = { name: 'my-controller', namespace: 'kube-system' };

function elector(server: FakeLeaseServer, identity: string, calls: unknown[][], extra: object = {}) {
  const instrumentation: Instrumentation = {
    leadershipChanged: (name, isLeader) => calls.push(['leadershipChanged', name, isLeader]),
    leaseRenew: (name, outcome) => calls.push(['leaseRenew', name, outcome]),
  };
  return new LeaderElector({
    lease,
    identity,
    leaseClient: server.client(identity),
    clock: { now: () => Date.now() },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    onStartedLeading: () => {},
    instrumentation,
    ...extra,
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LeaderElector instrumentation', () => {
  it('reports leading, each renewal, and stepping down on stop, by lease name', async () => {
    const calls: unknown[][] = [];
    const a = elector(new FakeLeaseServer(), 'a', calls);
    a.start();
    await vi.advanceTimersByTimeAsync(4_000);
    await a.stop();
    expect(calls).toEqual([
      ['leadershipChanged', 'my-controller', true],
      ['leaseRenew', 'my-controller', 'renewed'],
      ['leaseRenew', 'my-controller', 'renewed'],
      ['leadershipChanged', 'my-controller', false],
    ]);
  });

  it('reports a failed renewal and the step-down when someone else wrote the lease', async () => {
    const calls: unknown[][] = [];
    const server = new FakeLeaseServer();
    const a = elector(server, 'a', calls);
    a.start();
    await vi.advanceTimersByTimeAsync(1_000);
    server.put({
      ...lease,
      holderIdentity: 'intruder',
      leaseDurationSeconds: 15,
      leaseTransitions: 1,
      acquireTime: undefined,
      renewTime: undefined,
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toEqual([
      ['leadershipChanged', 'my-controller', true],
      ['leaseRenew', 'my-controller', 'failed'],
      ['leadershipChanged', 'my-controller', false],
    ]);
    await a.stop();
  });

  it('rejects an instrumentation that is not an object, naming the field', () => {
    expect(() => elector(new FakeLeaseServer(), 'a', [], { instrumentation: 'metrics' })).toThrow(
      expect.objectContaining({ field: 'instrumentation', value: 'metrics' }),
    );
  });
});
