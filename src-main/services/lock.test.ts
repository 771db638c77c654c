// The lock module, with real processes: a lock is exclusive, names its holder, is broken when its holder is gone
// (no such process, or a reused pid), and a locked read-modify-write in four processes at once loses no update.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockedError, lockHolder, withLock } from './lock';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-lock-'));
const root = join(import.meta.dirname, '../..');

/** The pid of a process that has exited. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout);

describe('locks', () => {
  it('is exclusive and names its holder; released, it can be taken again', () => {
    const path = join(tmp, 'a.lock');
    const lock = acquireLock(path, 'train', 'the run A');
    expect(lockHolder(path)).toMatchObject({ pid: process.pid, purpose: 'train' });
    expect(() => acquireLock(path, 'train', 'the run A')).toThrow(LockedError);
    expect(() => acquireLock(path, 'train', 'the run A')).toThrow(/the run A is being trained by another process \(pid \d+, since /);
    lock.release();
    expect(existsSync(path)).toBe(false);
    acquireLock(path, 'train', 'the run A').release();
  });

  it('breaks a stale lock: its holder has exited, or its pid now belongs to a process started at another time', () => {
    const path = join(tmp, 'b.lock');
    writeFileSync(path, JSON.stringify({ pid: deadPid(), startTime: '1', host: hostname(), purpose: 'train', since: '2020-01-01' }));
    expect(lockHolder(path)).toBeUndefined();
    acquireLock(path, 'train', 'B').release();
    // a reused pid: this very process, but a start time that is not ours
    writeFileSync(path, JSON.stringify({ pid: process.pid, startTime: '1', host: hostname(), purpose: 'train', since: '2020-01-01' }));
    acquireLock(path, 'train', 'B').release();
  });

  it('a locked read-modify-write in four processes at once loses no update', async () => {
    const counter = join(tmp, 'counter.txt');
    writeFileSync(counter, '0');
    // each process runs this script (TypeScript, through the repository's tools/run-ts.mjs)
    const script = join(tmp, 'count.ts');
    writeFileSync(
      script,
      `import { readFileSync, writeFileSync } from 'node:fs';
import { withLock } from ${JSON.stringify(join(root, 'src-main/services/lock.ts'))};
for (let i = 0; i < 50; i++) withLock(${JSON.stringify(counter + '.lock')}, 'count', 'the counter', () => {
  const n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8'));
  writeFileSync(${JSON.stringify(counter)}, String(n + 1));
});
`,
    );
    const runs = Array.from({ length: 4 }, () => new Promise<number>((ok) => spawn(process.execPath, [join(root, 'tools/run-ts.mjs'), script], { stdio: 'inherit', cwd: root }).on('exit', (c) => ok(c ?? -1))));
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe('200');
    expect(withLock(counter + '.lock', 'count', 'the counter', () => 'free')).toBe('free');
  }, 60_000);
});
