import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type Server as HttpsServer, request as httpsRequest, createServer as httpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpFaultProxy } from './http-fault-proxy.ts';
import { ensurePki } from './pki.ts';

let dir: string;
let pem: { cert: Buffer; key: Buffer; ca: Buffer };
let upstream: HttpsServer;
let upstreamPort = 0;
let proxy: HttpFaultProxy | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kw-http-proxy-'));
  const pki = await ensurePki(join(dir, 'pki'));
  pem = {
    cert: await readFile(pki.serverCertPath),
    key: await readFile(pki.serverKeyPath),
    ca: await readFile(pki.caPath),
  };
  // A stand-in apiserver: echoes the request, or streams a line every 20 ms on /stream.
  upstream = httpsServer({ cert: pem.cert, key: pem.key }, (req, res) => {
    if (req.url?.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const timer = setInterval(() => res.write(`${JSON.stringify({ n: n++ })}\n`), 20);
      res.once('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization ?? null }));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const address = upstream.address();
  upstreamPort = typeof address === 'object' && address !== null ? address.port : 0;
}, 60_000);

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function start(seed?: number): Promise<HttpFaultProxy> {
  proxy = await HttpFaultProxy.start({
    target: { host: '127.0.0.1', port: upstreamPort },
    ...pem,
    ...(seed === undefined ? {} : { seed }),
  });
  return proxy;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: proxy?.port, path, ca: pem.ca, headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HttpFaultProxy', () => {
  it('forwards requests over TLS with their headers and logs method, path+query, status and client', async () => {
    await start();
    const answer = await get('/api/v1/configmaps?limit=2', { authorization: 'Bearer t', 'user-agent': 'ua-1' });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-upstream']).toBe('yes');
    expect(JSON.parse(answer.body)).toEqual({ method: 'GET', url: '/api/v1/configmaps?limit=2', auth: 'Bearer t' });
    expect(proxy?.log).toHaveLength(1);
    const [entry] = proxy?.log ?? [];
    expect(entry).toMatchObject({
      seq: 1,
      method: 'GET',
      path: '/api/v1/configmaps?limit=2',
      status: 200,
      throttled: false,
      userAgent: 'ua-1',
    });
    expect(entry?.respondedAt).toBeGreaterThanOrEqual(entry?.receivedAt ?? Number.POSITIVE_INFINITY);
  });

  it('answers throttled requests with 429, Retry-After and a TooManyRequests Status', async () => {
    await start();
    proxy?.throttle({ fraction: 1, retryAfter: 3 });
    const answer = await get('/api/v1/pods');
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('3');
    expect(JSON.parse(answer.body)).toMatchObject({
      kind: 'Status',
      code: 429,
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 3 },
    });
    expect(proxy?.log[0]).toMatchObject({ status: 429, throttled: true });
    proxy?.throttle({ fraction: 1, retryAfter: 'Wed, 01 Jan 2025 00:00:10 GMT' });
    expect((await get('/x')).headers['retry-after']).toBe('Wed, 01 Jan 2025 00:00:10 GMT');
    proxy?.unthrottle();
    expect((await get('/api/v1/pods')).status).toBe(200);
    expect(proxy?.stats).toMatchObject({ requests: 3, throttled: 2, forwarded: 1 });
  });

  it('throttles about the given fraction, only matching requests, reproducibly per seed', async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      await start(seed);
      proxy?.throttle({ fraction: 0.5, retryAfter: 1, match: (_method, path) => path.startsWith('/t') });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await get(`/t${i}`)).status);
      out.push((await get('/never')).status);
      await proxy?.close();
      proxy = undefined;
      return out;
    };
    const a = await statuses(7);
    const b = await statuses(7);
    expect(a).toEqual(b);
    expect(a.at(-1)).toBe(200);
    const throttled = a.filter((s) => s === 429).length;
    expect(throttled).toBeGreaterThan(8);
    expect(throttled).toBeLessThan(32);
    const checked = await start();
    expect(() => checked.throttle({ fraction: 2, retryAfter: 1 })).toThrow(/fraction/);
    expect(() => checked.throttle({ fraction: 0.5, retryAfter: 1.5 })).toThrow(/whole seconds/);
  });

  it('streams a response through as it arrives and cutAll() ends it', async () => {
    await start();
    const lines: string[] = [];
    const ended = new Promise<void>((resolve) => {
      const req = httpsRequest({ host: '127.0.0.1', port: proxy?.port, path: '/stream', ca: pem.ca, agent: false });
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
        res.on('close', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
    });
    const deadline = Date.now() + 5000;
    while (lines.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(lines.slice(0, 3)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(proxy?.cutAll()).toBe(1);
    await ended;
    expect(proxy?.log[0]).toMatchObject({ path: '/stream', status: 200 });
  });

  it('answers 502 when the target is down', async () => {
    proxy = await HttpFaultProxy.start({ target: { host: '127.0.0.1', port: 1 }, ...pem });
    expect((await get('/x')).status).toBe(502);
    expect(proxy.stats.targetErrors).toBe(1);
    expect(proxy.log[0]?.status).toBe(502);
  });
});
