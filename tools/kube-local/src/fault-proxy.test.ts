import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '@kw/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.ts';

let echo: Server;
let echoPort = 0;
const serverSockets = new Set<Socket>();
let proxy: FaultProxy;
const clients: Socket[] = [];

beforeAll(async () => {
  echo = createServer((socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const address = echo.address();
  echoPort = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  for (const s of serverSockets) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await proxy.close();
});

async function startProxy(): Promise<FaultProxy> {
  proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echoPort } });
  return proxy;
}

/** Connects to the proxy and collects everything received (resolves on connect, or on close if reset first). */
async function client(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  clients.push(socket);
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await Promise.race([new Promise<void>((r) => socket.once('connect', () => r())), closed]);
  return { socket, received: () => data, closed };
}

describe('FaultProxy', () => {
  it('forwards bytes both ways and counts them', async () => {
    await startProxy();
    const c = await client();
    c.socket.write('hello');
    await until(() => c.received() === 'hello');
    expect(proxy.stats).toMatchObject({ accepted: 1, active: 1, bytesToTarget: 5, bytesFromTarget: 5 });
    expect(proxy.url).toBe(`https://127.0.0.1:${proxy.port}`);
  });

  it('cutAll() ends every open connection, on both sides, and new ones still work', async () => {
    await startProxy();
    const a = await client();
    const b = await client();
    a.socket.write('a');
    b.socket.write('b');
    await until(() => a.received() === 'a' && b.received() === 'b');
    await until(() => serverSockets.size === 2);
    expect(proxy.cutAll()).toBe(2);
    await Promise.all([a.closed, b.closed]);
    await until(() => serverSockets.size === 0);
    expect(proxy.stats).toMatchObject({ cut: 2, active: 0 });
    const c = await client();
    c.socket.write('c');
    await until(() => c.received() === 'c');
  });

  it('refuse() closes new connections until accept(), leaving open ones alone', async () => {
    await startProxy();
    const open = await client();
    proxy.refuse();
    const refused = await client();
    refused.socket.write('x');
    await refused.closed;
    expect(refused.received()).toBe('');
    expect(proxy.stats.refused).toBe(1);
    open.socket.write('still');
    await until(() => open.received() === 'still');
    proxy.accept();
    const c = await client();
    c.socket.write('ok');
    await until(() => c.received() === 'ok');
  });

  it('refuse(ms) lifts itself after ms', async () => {
    await startProxy();
    proxy.refuse(100);
    const refused = await client();
    await refused.closed;
    await sleep(150);
    const c = await client();
    c.socket.write('back');
    await until(() => c.received() === 'back');
  });

  it('blackhole() forwards nothing but closes nothing; heal() delivers the held bytes', async () => {
    await startProxy();
    const c = await client();
    c.socket.write('1');
    await until(() => c.received() === '1');
    proxy.blackhole();
    c.socket.write('2');
    const late = await client(); // accepted during the blackhole: stalls as well
    late.socket.write('L');
    await sleep(300);
    expect(c.received()).toBe('1');
    expect(late.received()).toBe('');
    expect(c.socket.destroyed).toBe(false);
    expect(late.socket.destroyed).toBe(false);
    proxy.heal();
    await until(() => c.received() === '12' && late.received() === 'L');
  });

  it('outage() cuts open connections and refuses new ones until heal()', async () => {
    await startProxy();
    const open = await client();
    open.socket.write('o');
    await until(() => open.received() === 'o');
    expect(proxy.outage()).toBe(1);
    await open.closed;
    const refused = await client();
    await refused.closed;
    expect(refused.received()).toBe('');
    expect(proxy.stats).toMatchObject({ cut: 1, refused: 1, active: 0 });
    proxy.heal();
    const c = await client();
    c.socket.write('back');
    await until(() => c.received() === 'back');
  });

  it('setLatency(ms) delays each direction, in order', async () => {
    await startProxy();
    const c = await client();
    proxy.setLatency(150);
    const started = Date.now();
    c.socket.write('a');
    c.socket.write('b');
    await until(() => c.received() === 'ab');
    const roundTrip = Date.now() - started;
    expect(roundTrip).toBeGreaterThanOrEqual(290);
    proxy.setLatency(0);
    const fast = Date.now();
    c.socket.write('c');
    await until(() => c.received() === 'abc');
    expect(Date.now() - fast).toBeLessThan(100);
    expect(() => proxy.setLatency(-1)).toThrow(/latency/);
  });

  it('counts connections whose target is down and closes them', async () => {
    const dead = await FaultProxy.start({ target: { host: '127.0.0.1', port: 1 } });
    proxy = dead;
    const c = await client();
    await c.closed;
    expect(dead.stats.targetErrors).toBe(1);
    expect(dead.stats.active).toBe(0);
  });

  it('close() ends open connections', async () => {
    await startProxy();
    const c = await client();
    await proxy.close();
    await c.closed;
    proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echoPort } }); // for afterEach
  });
});
