import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { tail } from './build.ts';
import { isRunning } from './processes.ts';

/** Response of {@link httpsGet}. */
export interface HttpsResult {
  /** HTTP status code. */
  status: number;
  /** Response body as text. */
  body: string;
}

/** GET over https trusting only `caPath`, with an optional bearer token. Rejects on network errors. */
export function httpsGet(url: string, caPath: string, token?: string, timeoutMs = 5_000): Promise<HttpsResult> {
  return new Promise((resolveResult, reject) => {
    const headers: Record<string, string> = token !== undefined ? { authorization: `Bearer ${token}` } : {};
    const req = request(url, { ca: readFileSync(caPath), headers, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolveResult({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Whether the apiserver answers 200 on /readyz. Never throws. */
export async function apiserverReady(server: string, caPath: string, token: string): Promise<boolean> {
  try {
    return (await httpsGet(`${server}/readyz`, caPath, token, 3_000)).status === 200;
  } catch {
    return false;
  }
}

/** Whether etcd answers healthy on /health. Never throws. */
export async function etcdHealthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(3_000) });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

/** What {@link waitUntil} polls. */
export interface WaitTarget {
  /** Human name, e.g. "kube-apiserver /readyz". */
  what: string;
  /** Resolves true once ready. */
  probe: () => Promise<boolean>;
  /** Process that must stay alive while waiting. */
  pid: number;
  /** Its log, whose tail goes into errors. */
  logPath: string;
  /** Give up after this long. */
  timeoutMs: number;
}

/**
 * Polls `probe` until it is true. Fails fast if the process dies, and on timeout; both
 * errors include the tail of the process log.
 */
export async function waitUntil(target: WaitTarget): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await target.probe()) return;
    if (!isRunning(target.pid)) {
      throw new Error(
        `kube-local: ${target.what}: process ${target.pid} exited while starting. Last log lines of ${target.logPath}:\n${await logTail(target.logPath)}`,
      );
    }
    if (Date.now() - started > target.timeoutMs) {
      throw new Error(
        `kube-local: ${target.what} not ready after ${target.timeoutMs} ms (pid ${target.pid}). Last log lines of ${target.logPath}:\n${await logTail(target.logPath)}`,
      );
    }
    await sleep(100);
  }
}

async function logTail(path: string): Promise<string> {
  try {
    return tail(await readFile(path, 'utf8'), 30);
  } catch {
    return '(no log)';
  }
}
