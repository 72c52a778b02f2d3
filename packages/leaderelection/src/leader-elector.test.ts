import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeaseServer, type NetworkMode } from '../test/fake-lease-client';
import {
  CallbackError,
  InvalidConfigError,
  LEADER_ELECTION_DEFAULTS,
  LeaderElectionCallbackError,
  LeaderElectionConfigError,
  LeaderElector,
  type LeaderElectorOptions,
  LeadershipLostError,
} from './index';

const lease = { name: 'my-controller', namespace: 'kube-system' };
const clock = { now: () => Date.now() };

interface Logged {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLogger(into: Logged[]) {
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      into.push({ level, message, fields });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An elector plus what its callbacks saw, on fake time. */
function candidate(
  server: FakeLeaseServer,
  identity: string,
  overrides: Partial<LeaderElectorOptions> = {},
): {
  elector: LeaderElector;
  client: ReturnType<FakeLeaseServer['client']>;
  events: string[];
  signals: AbortSignal[];
  logs: Logged[];
} {
  const client = server.client(identity);
  const events: string[] = [];
  const signals: AbortSignal[] = [];
  const logs: Logged[] = [];
  const elector = new LeaderElector({
    lease,
    identity,
    leaseClient: client,
    clock,
    logger: recordingLogger(logs),
    onStartedLeading: (signal) => {
      signals.push(signal);
      events.push(`started@${Date.now()}`);
    },
    onStoppedLeading: () => {
      events.push(`stopped@${Date.now()}`);
    },
    onNewLeader: (id) => {
      events.push(`leader:${id}`);
    },
    ...overrides,
  });
  return { elector, client, events, signals, logs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('LeaderElector', () => {
  it('creates the lease and leads when none exists', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.getLeader()).toBe('a');
    expect(a.events).toEqual(['leader:a', 'started@1000000']);
    expect(a.signals[0]?.aborted).toBe(false);
    expect(server.get(lease.namespace, lease.name)).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      resourceVersion: '1',
    });
    await a.elector.stop();
  });

  it('does not take a lease whose holder keeps renewing it', async () => {
    const server = new FakeLeaseServer();
    const other = { ...lease, holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 3 };
    server.put({ ...other, acquireTime: new Date(), renewTime: new Date() });
    const renewer = setInterval(() => server.put({ ...other, acquireTime: undefined, renewTime: new Date() }), 2_000);
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.getLeader()).toBe('other');
    expect(a.events).toEqual(['leader:other']);
    expect(a.client.calls.update).toBe(0);
    clearInterval(renewer);
    await a.elector.stop();
  });

  it('takes over a lease only after observing it unchanged for its duration, ignoring its renewTime', async () => {
    const server = new FakeLeaseServer();
    // renewTime far in the future: a wall-clock comparison would never call this expired.
    const future = new Date('2100-01-01T00:00:00Z');
    server.put({
      ...lease,
      holderIdentity: 'gone',
      leaseDurationSeconds: 15,
      leaseTransitions: 3,
      acquireTime: future,
      renewTime: future,
    });
    const a = candidate(server, 'a');
    const startedAt = Date.now();
    a.elector.start();

    await vi.advanceTimersByTimeAsync(15_000 - 1);
    expect(a.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(2_400 + 1);

    expect(a.elector.isLeader()).toBe(true);
    const write = server.writes[0];
    expect(write?.sentAt).toBeGreaterThanOrEqual(startedAt + 15_000);
    expect(write?.record).toMatchObject({ holderIdentity: 'a', leaseTransitions: 4 });
    expect(a.events).toEqual(['leader:gone', 'leader:a', `started@${write?.sentAt}`]);
    await a.elector.stop();
  });

  it('does not take a lease with an old renewTime before observing it for its duration', async () => {
    const server = new FakeLeaseServer();
    const past = new Date('2000-01-01T00:00:00Z');
    server.put({
      ...lease,
      holderIdentity: 'other',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: past,
      renewTime: past,
    });
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(14_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(server.writes).toEqual([]);
    await a.elector.stop();
  });

  it('renews the lease every retry period while leading', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(10_000);

    const renews = server.writes.filter((w) => w.verb === 'update');
    expect(renews.map((w) => w.sentAt - 1_000_000)).toEqual([2_000, 4_000, 6_000, 8_000, 10_000]);
    expect(renews.every((w) => w.record.holderIdentity === 'a')).toBe(true);
    expect(server.get(lease.namespace, lease.name)?.renewTime?.getTime()).toBe(1_010_000);
    expect(a.events).toEqual(['leader:a', 'started@1000000']);
    await a.elector.stop();
  });

  it('steps down when a renew conflicts because someone else wrote the lease', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(3_000);
    server.put({
      ...lease,
      holderIdentity: 'intruder',
      leaseDurationSeconds: 15,
      leaseTransitions: 1,
      acquireTime: undefined,
      renewTime: undefined,
    });
    await vi.advanceTimersByTimeAsync(1_000);

    expect(a.elector.isLeader()).toBe(false);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(a.signals[0]?.reason).toBeInstanceOf(LeadershipLostError);
    expect(a.signals[0]?.reason.code).toBe('KW_NOT_LEADER');
    expect(a.events).toEqual(['leader:a', 'started@1000000', 'stopped@1004000']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(a.elector.getLeader()).toBe('intruder');
    expect(a.elector.isLeader()).toBe(false);
    await a.elector.stop();
  });

  it('steps down exactly renewDeadline after its last successful renew started, before the lease can expire for others', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    const b = candidate(server, 'b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    a.client.latencyMs = 300;
    await vi.advanceTimersByTimeAsync(5_000);
    a.client.mode = 'hang';
    await vi.advanceTimersByTimeAsync(30_000);

    const lastRenew = server.writes.filter((w) => w.client === 'a').at(-1);
    const stepDown = Number(a.events.find((e) => e.startsWith('stopped@'))?.split('@')[1]);
    const bStart = Number(b.events.find((e) => e.startsWith('started@'))?.split('@')[1]);
    expect(lastRenew).toBeDefined();
    expect(stepDown - (lastRenew?.sentAt ?? 0)).toBe(LEADER_ELECTION_DEFAULTS.renewDeadlineMs);
    // b first saw the last renew at or after it was applied; it waits a full leaseDuration from then.
    expect(bStart).toBeGreaterThanOrEqual((lastRenew?.appliedAt ?? 0) + LEADER_ELECTION_DEFAULTS.leaseDurationMs);
    expect(stepDown).toBeLessThan(bStart);
    expect(b.elector.isLeader()).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.healthCheck()).toEqual({ healthy: true });
    const stopping = Promise.all([a.elector.stop(), b.elector.stop()]);
    await vi.advanceTimersByTimeAsync(LEADER_ELECTION_DEFAULTS.renewDeadlineMs);
    await stopping;
  });

  it('keeps leading through renew failures shorter than the renew deadline', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(1_000);
    a.client.mode = 'lost-reply';
    await vi.advanceTimersByTimeAsync(3_000);
    a.client.mode = 'fail';
    await vi.advanceTimersByTimeAsync(3_000);
    a.client.mode = 'ok';
    await vi.advanceTimersByTimeAsync(4_000);

    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(['leader:a', 'started@1000000']);
    expect(a.logs.filter((l) => l.message === 'leader election: renew failed, retrying').length).toBeGreaterThan(0);
    await a.elector.stop();
  });

  it('releases the lease on stop after ending the term, so a successor takes over within a retry period', async () => {
    const server = new FakeLeaseServer();
    const order: string[] = [];
    const a = candidate(server, 'a', {
      onStoppedLeading: async () => {
        order.push(`a stopped, holder ${server.get(lease.namespace, lease.name)?.holderIdentity}`);
      },
    });
    const b = candidate(server, 'b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(5_000);

    const stoppedAt = Date.now();
    await a.elector.stop();
    order.push(`released, holder "${server.get(lease.namespace, lease.name)?.holderIdentity}"`);
    expect(server.get(lease.namespace, lease.name)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(a.signals[0]?.aborted).toBe(true);
    expect(order).toEqual(['a stopped, holder a', 'released, holder ""']);

    await vi.advanceTimersByTimeAsync(2_400);
    expect(b.elector.isLeader()).toBe(true);
    const bStart = Number(b.events.find((e) => e.startsWith('started@'))?.split('@')[1]);
    expect(bStart - stoppedAt).toBeLessThanOrEqual(2_000 * 1.2);
    await b.elector.stop();
  });

  it('leaves the lease held on stop when releaseOnStop is false', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a', { releaseOnStop: false });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(3_000);
    await a.elector.stop();
    expect(server.get(lease.namespace, lease.name)?.holderIdentity).toBe('a');
    expect(a.events).toEqual(['leader:a', 'started@1000000', 'stopped@1003000']);
  });

  it('does not release a lease it does not hold', async () => {
    const server = new FakeLeaseServer();
    server.put({
      ...lease,
      holderIdentity: 'other',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: undefined,
      renewTime: undefined,
    });
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(3_000);
    await a.elector.stop();
    expect(server.get(lease.namespace, lease.name)?.holderIdentity).toBe('other');
    expect(server.writes).toEqual([]);
  });

  it('reports each change of holder through onNewLeader', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    const b = candidate(server, 'b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(b.elector.getLeader()).toBe('a');
    await a.elector.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(3_000);

    expect(b.events.filter((e) => e.startsWith('leader:'))).toEqual(['leader:a', 'leader:b']);
    expect(a.events.filter((e) => e.startsWith('leader:'))).toEqual(['leader:a', 'leader:b']);
    expect(a.elector.getLeader()).toBe('b');
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it('stops when the signal option aborts', async () => {
    const server = new FakeLeaseServer();
    const controller = new AbortController();
    const a = candidate(server, 'a', { signal: controller.signal });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);

    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(['leader:a', 'started@1000000', 'stopped@1001000']);
    expect(server.get(lease.namespace, lease.name)?.holderIdentity).toBe('');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops promptly and leaves no timers even when requests hang', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(1_000);
    a.client.mode = 'hang';
    await vi.advanceTimersByTimeAsync(2_500);
    const stopped = a.elector.stop();
    await vi.advanceTimersByTimeAsync(LEADER_ELECTION_DEFAULTS.renewDeadlineMs);
    await stopped;

    expect(a.events).toEqual(['leader:a', 'started@1000000', 'stopped@1003500']);
    expect(a.logs.some((l) => l.message.startsWith('leader election: could not release'))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps running when callbacks throw or reject, and logs them', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a', {
      onStartedLeading: () => {
        throw new Error('boom');
      },
      onNewLeader: () => Promise.reject(new Error('bang')),
    });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(5_000);

    expect(a.elector.isLeader()).toBe(true);
    const errors = a.logs.filter((l) => l.level === 'error').map((l) => l.fields?.error);
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e instanceof CallbackError)).toBe(true);
    expect(errors.map((e) => (e as CallbackError).callback).sort()).toEqual(['onNewLeader', 'onStartedLeading']);
    expect(errors.map((e) => (e as CallbackError).code)).toEqual(['KW_CALLBACK', 'KW_CALLBACK']);
    expect(errors.map((e) => (e as CallbackError).message).sort()).toEqual([
      'onNewLeader threw: bang — the elector keeps running',
      'onStartedLeading threw: boom — the elector keeps running',
    ]);
    await a.elector.stop();
  });

  it('leads and steps down on time even when every logger method throws', async () => {
    const server = new FakeLeaseServer();
    const broken = () => {
      throw new Error('logger down');
    };
    const a = candidate(server, 'a', { logger: { debug: broken, info: broken, warn: broken, error: broken } });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.elector.isLeader()).toBe(true);
    a.client.mode = 'hang';
    await vi.advanceTimersByTimeAsync(LEADER_ELECTION_DEFAULTS.renewDeadlineMs);

    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(['leader:a', 'started@1000000', 'stopped@1010000']);
    a.client.mode = 'ok';
    await a.elector.stop();
  });

  it('reports unhealthy when it believes it leads long past the renew deadline', async () => {
    const server = new FakeLeaseServer();
    let skew = 0;
    const a = candidate(server, 'a', { clock: { now: () => Date.now() + skew } });
    expect(a.elector.healthCheck()).toEqual({ healthy: true });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.elector.healthCheck()).toEqual({ healthy: true });

    // The clock moves but no timer runs: what a blocked event loop looks like from a probe.
    skew = LEADER_ELECTION_DEFAULTS.renewDeadlineMs + LEADER_ELECTION_DEFAULTS.healthToleranceMs + 1;
    const health = a.elector.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.reason).toContain('a believes it leads kube-system/my-controller but last renewed 12001 ms ago');
    expect(a.elector.isLeader()).toBe(false);
    skew = 0;
    await a.elector.stop();
  });

  it('uses hostname_random as the default identity', () => {
    const server = new FakeLeaseServer();
    const make = () => new LeaderElector({ lease, leaseClient: server.client(), onStartedLeading: () => {} });
    const [x, y] = [make(), make()];
    expect(x.identity).toMatch(/^.+_[a-z0-9]+$/);
    expect(x.identity).not.toBe(y.identity);
  });
});

describe('LeaderElector configuration', () => {
  const server = new FakeLeaseServer();
  const valid: LeaderElectorOptions = { lease, leaseClient: server.client(), onStartedLeading: () => {} };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['leaseDurationMs', { leaseDurationMs: 0 }, /leaseDurationMs must be a positive finite number, got 0/],
    [
      'leaseDurationMs',
      { leaseDurationMs: 10_000 },
      /leaseDurationMs \(10000\) must be greater than renewDeadlineMs \(10000\)/,
    ],
    ['renewDeadlineMs', { renewDeadlineMs: Number.NaN }, /renewDeadlineMs must be a positive finite number, got NaN/],
    [
      'renewDeadlineMs',
      { renewDeadlineMs: 2_400 },
      /renewDeadlineMs \(2400\) must be greater than retryPeriodMs × jitterFactor \(2000 × 1.2 = 2400\)/,
    ],
    ['retryPeriodMs', { retryPeriodMs: -1 }, /retryPeriodMs must be a positive finite number, got -1/],
    ['jitterFactor', { jitterFactor: 0.5 }, /jitterFactor must be at least 1/],
    ['jitterFactor', { jitterFactor: '2' }, /jitterFactor must be a positive finite number, got 2/],
    ['healthToleranceMs', { healthToleranceMs: -5 }, /healthToleranceMs must be a finite number >= 0, got -5/],
    ['releaseOnStop', { releaseOnStop: 'yes' }, /releaseOnStop must be a boolean, got yes/],
    ['lease', { lease: undefined }, /lease must be \{ name, namespace \}/],
    ['lease.name', { lease: { name: '', namespace: 'ns' } }, /lease.name must be a non-empty string, got ""/],
    [
      'lease.namespace',
      { lease: { name: 'x', namespace: ' ' } },
      /lease.namespace must be a non-empty string, got " "/,
    ],
    ['identity', { identity: '' }, /identity must be a non-empty string/],
    ['leaseClient', { leaseClient: undefined }, /leaseClient must be a LeaseClient/],
    ['leaseClient.update', { leaseClient: { get() {}, create() {} } }, /leaseClient.update must be a function/],
    ['onStartedLeading', { onStartedLeading: undefined }, /onStartedLeading must be a function, got undefined/],
    ['onStoppedLeading', { onStoppedLeading: 'x' }, /onStoppedLeading must be a function, got string/],
    ['onNewLeader', { onNewLeader: 1 }, /onNewLeader must be a function, got number/],
    ['signal', { signal: {} }, /signal must be an AbortSignal/],
    ['clock', { clock: {} }, /clock must have a now\(\) method/],
  ];

  it.each(cases)('rejects an invalid %s', (field, override, message) => {
    const attempt = () => new LeaderElector({ ...valid, ...override } as LeaderElectorOptions);
    expect(attempt).toThrow(InvalidConfigError);
    expect(attempt).toThrow(message);
    const error = captured(attempt) as InvalidConfigError;
    expect(error.code).toBe('KW_INVALID_CONFIG');
    expect(error.field).toBe(field);
    const path = field.split('.');
    const options = { ...valid, ...override } as unknown as Record<string, Record<string, unknown>>;
    const expected = path.length === 2 ? options[path[0] ?? '']?.[path[1] ?? ''] : options[field];
    expect(error.value).toBe(expected);
  });

  it('keeps the old error names as aliases of the renamed classes', () => {
    expect(LeaderElectionConfigError).toBe(InvalidConfigError);
    expect(LeaderElectionCallbackError).toBe(CallbackError);
    expect(captured(() => new LeaderElector({ ...valid, retryPeriodMs: 0 }))).toBeInstanceOf(LeaderElectionConfigError);
  });

  it('accepts the defaults and custom consistent timings', () => {
    expect(() => new LeaderElector(valid)).not.toThrow();
    expect(
      () => new LeaderElector({ ...valid, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 }),
    ).not.toThrow();
  });
});

describe('LeaderElector safety', () => {
  const modes: NetworkMode[] = ['ok', 'ok', 'fail', 'lost-reply', 'hang', 'hang'];
  const event = fc.record({
    atMs: fc.integer({ min: 0, max: 40_000 }),
    who: fc.integer({ min: 0, max: 2 }),
    action: fc.constantFrom('mode', 'latency', 'stop', 'start'),
    mode: fc.constantFrom(...modes),
    latencyMs: fc.integer({ min: 0, max: 1_500 }),
  });

  it('never has two candidates leading at once, under random network faults and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }),
        fc.array(event, { minLength: 5, maxLength: 40 }),
        fc.integer(),
        fc.constantFrom(100, 250, 500, 1_000),
        async (count, schedule, seed, retryPeriodMs) => {
          vi.useFakeTimers({ now: 1_000_000 });
          let state = seed >>> 0 || 1;
          vi.spyOn(Math, 'random').mockImplementation(() => {
            state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
            return state / 2 ** 32;
          });
          const server = new FakeLeaseServer();
          const leading = new Set<string>();
          const violations: string[] = [];
          const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs };
          const nodes = Array.from({ length: count }, (_, i) =>
            candidate(server, `c${i}`, {
              ...timings,
              onStartedLeading: () => {
                if (leading.size > 0) violations.push(`c${i} started while ${[...leading]} lead at ${Date.now()}`);
                leading.add(`c${i}`);
              },
              onStoppedLeading: () => {
                leading.delete(`c${i}`);
              },
            }),
          );
          for (const node of nodes) node.elector.start();
          const sorted = [...schedule].sort((x, y) => x.atMs - y.atMs);
          for (let t = 0; t <= 45_000; t += 50) {
            for (const e of sorted.filter((x) => x.atMs >= t - 50 && x.atMs < t)) {
              const node = nodes[e.who % count];
              if (node === undefined) continue;
              if (e.action === 'mode') node.client.mode = e.mode;
              else if (e.action === 'latency') node.client.latencyMs = e.latencyMs;
              else if (e.action === 'stop') void node.elector.stop();
              else node.elector.start();
            }
            await vi.advanceTimersByTimeAsync(50);
            const believers = nodes.filter((n) => n.elector.isLeader()).length;
            if (believers > 1) violations.push(`${believers} isLeader() at ${Date.now()}`);
          }
          // Heal everything: within a lease duration plus a few retries, exactly one leads.
          for (const node of nodes) {
            node.client.mode = 'ok';
            node.client.latencyMs = 0;
          }
          await vi.advanceTimersByTimeAsync(timings.renewDeadlineMs); // lets pending stops finish
          for (const node of nodes) node.elector.start();
          await vi.advanceTimersByTimeAsync(10_000);
          const leaders = nodes.filter((n) => n.elector.isLeader()).length;
          await Promise.all(nodes.map((n) => n.elector.stop()));
          vi.useRealTimers();
          vi.restoreAllMocks();
          expect(violations).toEqual([]);
          expect(leaders).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
    // CPU-bound (60 runs on fake time): room for a loaded CI machine; nothing here is timed.
  }, 60_000);
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
