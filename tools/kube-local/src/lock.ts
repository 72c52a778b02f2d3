import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning } from './processes.ts';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** Give up after this long (default 15 min: a cold build runs under the lock). */
  timeoutMs?: number;
  /** Called once if the lock is busy, with the holder's pid. */
  onWait?: (holderPid: number) => void;
}

/**
 * Runs `work` while holding a cross-process lock (an atomically created directory holding
 * the owner's pid). A lock whose owner process is gone is taken over. Not reentrant.
 */
export async function withLock<T>(lockDir: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const started = Date.now();
  let announced = false;
  await mkdir(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await holderPid(lockDir);
    if (holder !== undefined && !isRunning(holder)) {
      await rm(lockDir, { recursive: true, force: true }); // stale: its owner died
      continue;
    }
    if (!announced && holder !== undefined) {
      announced = true;
      options.onWait?.(holder);
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `kube-local: lock ${lockDir} still held by pid ${holder ?? '?'} after ${timeoutMs} ms; if no kube-local command is running, delete it`,
      );
    }
    await sleep(100);
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function holderPid(lockDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(lockDir, 'pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Just created and pid not written yet, or just released.
    return undefined;
  }
}
