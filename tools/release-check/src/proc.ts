import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** The whole environment of the child (not merged). Default: {@link cleanEnv}(). */
  env?: NodeJS.ProcessEnv;
  /** Kill the child's process group after this long, ms. Required: nothing runs unbounded. */
  timeoutMs: number;
}

/** What a finished child process did. */
export interface RunResult {
  command: string;
  /** Exit code; `null` when killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

const live = new Set<ChildProcess>();

/**
 * The current environment without npm/pnpm's `npm_*` variables (a `pnpm run` parent sets
 * `npm_config_*`, which would override a consumer's .npmrc), this Node's folder first on PATH,
 * plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_/i.test(key) || key === 'NODE_ENV' || key === 'INIT_CWD' || key === 'PNPM_SCRIPT_SRC_DIR')
      continue;
    env[key] = value;
  }
  // Children (npm, pnpm, #!/usr/bin/env node bins) run on the Node that runs this tool.
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

/**
 * Runs a command in its own process group and collects its output. Never rejects for a
 * non-zero exit; kills the whole group (SIGKILL) at `timeoutMs`.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const label = [command, ...args].join(' ');
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    const finish = (code: number | null, extraErr = '') => {
      clearTimeout(timer);
      live.delete(child);
      if (timedOut) extraErr += `\n[release-check] killed after ${Math.round(options.timeoutMs / 1000)} s timeout`;
      resolve({ command: label, code, stdout, stderr: stderr + extraErr, timedOut, ms: Date.now() - started });
    };
    child.on('error', (error) => finish(127, `\n${error.message}`));
    child.on('close', (code) => finish(code));
  });
}

/** Starts a long-running child in its own process group, output appended to `logPath`. */
export function spawnService(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logPath: string },
): ChildProcess {
  const fd = openSync(options.logPath, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    live.add(child);
    child.on('exit', () => live.delete(child));
    child.on('error', () => live.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to a child's process group, SIGKILL after `graceMs`; resolves when it exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const result = await Promise.race([
    exited.then(() => 'exited' as const),
    sleep(graceMs).then(() => 'timeout' as const),
  ]);
  if (result === 'timeout') {
    killGroup(child, 'SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
  }
  // Also reap anything left in the group (e.g. grandchildren).
  killGroup(child, 'SIGKILL');
}

/** Kills every child started by {@link run} or {@link spawnService} that is still running. */
export function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('release-check: no free port'))));
    });
  });
}

/** Runs `work` over `items` with at most `limit` at once, results in input order. */
export async function inParallel<I, R>(
  items: readonly I[],
  limit: number,
  work: (item: I) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as I);
      }
    }),
  );
  return results;
}

/** The last `lines` lines of a text, for failure messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A function that runs at most `n` of the tasks given to it at once. */
export function limiter(n: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finishing task hands its slot straight to the next waiter, so `active` never exceeds n.
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next();
      else active--;
    }
  };
}
