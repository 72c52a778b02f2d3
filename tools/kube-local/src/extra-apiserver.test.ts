import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reapExtraApiservers } from './extra-apiserver.ts';
import { isRunning, spawnDetached, stopProcess } from './processes.ts';

const SLEEP = '/usr/bin/sleep';
let dir: string;
const started: number[] = [];

afterEach(async () => {
  for (const pid of started.splice(0)) await stopProcess(pid, SLEEP, 1_000);
  await rm(dir, { recursive: true, force: true });
});

async function extraFolder(owner: number, label: string): Promise<{ folder: string; pid: number }> {
  const folder = join(dir, `extra-apiserver-${owner}-${label}`);
  await mkdir(folder, { recursive: true });
  const pid = spawnDetached([SLEEP, '300'], join(folder, 'log'));
  started.push(pid);
  await writeFile(join(folder, 'pid.json'), JSON.stringify({ pid, command: SLEEP }));
  return { folder, pid };
}

describe('reapExtraApiservers', () => {
  it.skipIf(!existsSync(SLEEP))(
    'stops the processes of folders whose owner is dead, and leaves a live owner’s alone',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'kw-reap-'));
      const deadOwner = spawnSync(process.execPath, ['-e', 'process.pid']).pid as number;
      const orphan = await extraFolder(deadOwner, 'gate-on');
      const owned = await extraFolder(process.pid, 'gate-off');
      const lines: string[] = [];

      expect(await reapExtraApiservers(dir, (line) => lines.push(line))).toBe(1);

      expect(isRunning(orphan.pid, SLEEP)).toBe(false);
      expect(existsSync(orphan.folder)).toBe(false);
      expect(isRunning(owned.pid, SLEEP)).toBe(true);
      expect(existsSync(owned.folder)).toBe(true);
      expect(lines).toEqual([expect.stringContaining(`extra-apiserver-${deadOwner}-gate-on`)]);
    },
  );

  it('does nothing for a run folder that does not exist', async () => {
    dir = join(tmpdir(), 'kw-reap-missing');
    expect(await reapExtraApiservers(dir, () => {})).toBe(0);
  });
});
