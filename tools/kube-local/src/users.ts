import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning } from './processes.ts';

/**
 * Records that process `pid` (e.g. a vitest run) is using the cluster whose run folder is
 * `dir`, so another run's teardown does not stop it underneath.
 */
export async function registerUser(dir: string, pid = process.pid): Promise<void> {
  await mkdir(join(dir, 'users'), { recursive: true });
  await writeFile(join(dir, 'users', String(pid)), new Date().toISOString());
}

/** Removes `pid`'s registration and returns the pids of the other users still alive. */
export async function releaseUser(dir: string, pid = process.pid): Promise<number[]> {
  const folder = join(dir, 'users');
  await rm(join(folder, String(pid)), { force: true });
  let names: string[] = [];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const alive: number[] = [];
  for (const name of names) {
    const other = Number(name);
    if (Number.isInteger(other) && isRunning(other)) alive.push(other);
    else await rm(join(folder, name), { force: true });
  }
  return alive;
}
