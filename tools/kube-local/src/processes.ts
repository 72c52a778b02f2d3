import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts `argv[0]` with the rest of argv detached in its own process group (so it
 * outlives the caller and can be signalled as a group), stdout and stderr appended to
 * `logPath`. Returns its pid.
 */
export function spawnDetached(argv: readonly string[], logPath: string): number {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('kube-local: spawnDetached needs a command');
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`kube-local: could not start ${command}`);
    child.on('error', () => {});
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `pid` is a live (not zombie) process. When `command` is given and /proc is
 * readable, the process must also run that executable, which guards against pid reuse.
 */
export function isRunning(pid: number, command?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (command !== undefined) {
      const exe = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      return exe === command;
    }
  } catch {
    // No /proc (not Linux) or the process just exited: fall back to the kill(0) answer.
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the whole process group (spawnDetached made the child a leader)
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stops a process started by {@link spawnDetached}: SIGTERM to its group, SIGKILL after
 * `graceMs`, then waits until the pid is gone. Resolves true if it had to SIGKILL.
 */
export async function stopProcess(pid: number, command: string | undefined, graceMs = 10_000): Promise<boolean> {
  if (!isRunning(pid, command)) return false;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return false;
    await sleep(50);
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 10_000;
  while (isRunning(pid)) {
    if (Date.now() > killDeadline) throw new Error(`kube-local: pid ${pid} survived SIGKILL for 10 s`);
    await sleep(50);
  }
  return true;
}
