import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WatcherPhase, WatcherStatus } from '@kw/types';
import { afterEach, describe, expect, it } from 'vitest';
import { probes } from './index';

function status(phase: WatcherPhase, synced: boolean, lastErrorCode?: 'KW_FORBIDDEN'): WatcherStatus {
  return {
    phase,
    synced,
    lastResourceVersion: undefined,
    lastEventAt: undefined,
    lastBookmarkAt: undefined,
    lists: 0,
    listPages: 0,
    watches: 0,
    rewatches: 0,
    relists: 0,
    tooManyRequests: 0,
    errors: 0,
    events: { added: 0, modified: 0, deleted: 0, bookmark: 0 },
    lastError: lastErrorCode ? Object.assign(new Error('forbidden'), { code: lastErrorCode }) : undefined,
    idleTimeouts: 0,
    retryAt: undefined,
    watchIdleBoundMs: 0,
  };
}

/** A watcher whose status a test sets. */
function fakeWatcher(initial: WatcherStatus) {
  let current = initial;
  return { status: () => current, set: (s: WatcherStatus) => (current = s) };
}

/** An elector whose health a test sets. */
function fakeElector() {
  let health: { healthy: boolean; reason?: string } = { healthy: true };
  return { healthCheck: () => health, set: (h: typeof health) => (health = h) };
}

describe('probes: readyz', () => {
  it('is 503 naming each watcher that is not synced, then 200 once every watcher is synced', () => {
    const pods = fakeWatcher(status('listing', false));
    const ingresses = fakeWatcher(status('watching', true));
    const p = probes({ watchers: { pods, ingresses } });
    expect(p.readyz()).toEqual({ status: 503, body: 'watcher pods: not synced (listing)\n' });
    pods.set(status('watching', true));
    expect(p.readyz()).toEqual({ status: 200, body: 'ok\n' });
  });

  it('is 503 for a failed watcher even when it had synced, with its error code', () => {
    const pods = fakeWatcher(status('failed', true, 'KW_FORBIDDEN'));
    expect(probes({ watchers: { pods } }).readyz()).toEqual({
      status: 503,
      body: 'watcher pods: failed (KW_FORBIDDEN)\n',
    });
  });

  it('is 503 for a stopped watcher and for one retrying after an error before its first sync', () => {
    const a = fakeWatcher(status('stopped', true));
    const b = fakeWatcher(status('backing-off', false, 'KW_FORBIDDEN'));
    expect(probes({ watchers: { a, b } }).readyz()).toEqual({
      status: 503,
      body: 'watcher a: stopped\nwatcher b: not synced (backing-off, last error KW_FORBIDDEN)\n',
    });
  });

  it('is 200 with no watchers, and 503 (not a throw) when status() throws', () => {
    expect(probes({}).readyz().status).toBe(200);
    const broken = {
      status: (): WatcherStatus => {
        throw new Error('boom');
      },
    };
    expect(probes({ watchers: { broken } }).readyz()).toEqual({
      status: 503,
      body: 'watcher broken: status() threw: boom\n',
    });
  });
});

describe('probes: livez', () => {
  it("follows the elector's healthCheck(), with its reason", () => {
    const elector = fakeElector();
    const p = probes({ elector });
    expect(p.livez()).toEqual({ status: 200, body: 'ok\n' });
    elector.set({ healthy: false, reason: 'leader has not renewed for 14000 ms' });
    expect(p.livez()).toEqual({ status: 503, body: 'leader election: leader has not renewed for 14000 ms\n' });
  });

  it('is 200 without an elector, and 503 (not a throw) when healthCheck() throws', () => {
    expect(probes({}).livez().status).toBe(200);
    const broken = {
      healthCheck: () => {
        throw new Error('no lease');
      },
    };
    expect(probes({ elector: broken }).livez()).toEqual({
      status: 503,
      body: 'leader election: healthCheck() threw: no lease\n',
    });
  });
});

describe('probes: configuration', () => {
  it('refuses a watcher without status() and an elector without healthCheck(), naming the field', () => {
    expect(() => probes({ watchers: { pods: {} as never } })).toThrowError(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field: 'watchers.pods' }),
    );
    expect(() => probes({ elector: { healthz: () => true } as never })).toThrowError(
      expect.objectContaining({ code: 'KW_INVALID_CONFIG', field: 'elector' }),
    );
  });
});

describe('probes: handle() on a real node:http server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.close();
    if (server) await once(server, 'close');
    server = undefined;
  });

  async function serve(p: ReturnType<typeof probes>): Promise<string> {
    server = createServer((req, res) => {
      if (p.handle(req, res)) return;
      res.statusCode = 404;
      res.end('not mine\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers /readyz and /livez with status, text body and no caching, and leaves other paths to the caller', async () => {
    const pods = fakeWatcher(status('listing', false));
    const elector = fakeElector();
    const url = await serve(probes({ watchers: { pods }, elector }));

    let res = await fetch(`${url}/readyz`);
    expect([res.status, await res.text(), res.headers.get('content-type'), res.headers.get('cache-control')]).toEqual([
      503,
      'watcher pods: not synced (listing)\n',
      'text/plain; charset=utf-8',
      'no-store',
    ]);
    pods.set(status('watching', true));
    res = await fetch(`${url}/readyz?verbose`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);

    res = await fetch(`${url}/livez`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
    elector.set({ healthy: false, reason: 'stale lease' });
    res = await fetch(`${url}/livez`);
    expect([res.status, await res.text()]).toEqual([503, 'leader election: stale lease\n']);

    res = await fetch(`${url}/metrics`);
    expect([res.status, await res.text()]).toEqual([404, 'not mine\n']);
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const url = await serve(probes({}));
    let res = await fetch(`${url}/livez`, { method: 'HEAD' });
    expect([res.status, await res.text()]).toEqual([200, '']);
    res = await fetch(`${url}/readyz`, { method: 'POST' });
    expect([res.status, res.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });
});
