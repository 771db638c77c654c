// Locks between processes, on the file system: one module for every lock the studio takes (a run folder while a
// process trains it or deletes it, project.json while a process changes it).
//
// A lock is a small JSON file (holder pid, that process's start time, host, what for, since when) created
// exclusively: written to a temporary name, then hard-linked to the lock's name, which fails when a lock is there,
// so no one ever reads a half-written lock. A lock whose holder is gone (no such process, or the pid now belongs to
// a process started at another time) is stale: it is broken under a short-lived guard (`<lock>.break`, itself
// created exclusively) so two processes breaking the same stale lock cannot remove each other's fresh one.
// Locks held by this process are released on exit; a `kill -9` leaves the file, and the next taker breaks it.

import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export interface LockHolder {
  pid: number;
  /** The holder's start time as the kernel counts it (Linux /proc/<pid>/stat field 22), to tell a reused pid. */
  startTime: string | null;
  host: string;
  purpose: string;
  since: string;
}

export class LockedError extends Error {
  override name = 'LockedError';
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
    what: string,
  ) {
    super(`${what} is ${holder.purpose === 'train' ? 'being trained' : `in use (${holder.purpose})`} by another process (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${holder.since}); wait for it to finish or stop it there`);
  }
}

/** The start time of a process (Linux), or null where it cannot be read. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

const ME: Omit<LockHolder, 'purpose' | 'since'> = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname() };

/** Whether a process with this pid runs on this machine (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether the process that wrote `h` still runs (on another host: assumed so, it cannot be checked). */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== ME.host) return true;
  if (h.pid === process.pid) return h.startTime === ME.startTime;
  if (!pidAlive(h.pid)) return false;
  if (h.startTime === null) return true;
  const now = processStartTime(h.pid);
  return now === null || now === h.startTime;
}

function readHolder(path: string): { holder: LockHolder; text: string } | undefined | 'damaged' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (typeof h === 'object' && h !== null && Number.isInteger(h.pid) && typeof h.host === 'string') return { holder: h, text };
  } catch {
    // fall through
  }
  return 'damaged';
}

/** Who holds the lock at `path` now, when its holder still runs; undefined when free or stale. */
export function lockHolder(path: string): LockHolder | undefined {
  try {
    const r = readHolder(path);
    return r && r !== 'damaged' && holderAlive(r.holder) ? r.holder : undefined;
  } catch {
    return undefined;
  }
}

const held = new Map<string, string>(); // path → the text this process wrote
process.once('exit', () => {
  for (const [path, text] of held) releaseIfOurs(path, text);
});

function releaseIfOurs(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // gone already (the folder was deleted with its lock)
  }
}

/** Writes `text` to a fresh temporary file beside `path`, then links it to `path`; false when a lock is there. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Removes the stale lock whose text was `staleText`, unless someone replaced it meanwhile. */
function breakStale(path: string, staleText: string): void {
  const guard = `${path}.break`;
  const mine = JSON.stringify({ ...ME, purpose: 'break', since: new Date().toISOString() });
  if (!createExclusive(guard, mine)) {
    // another process is breaking it now: its guard lives for microseconds, unless that process died meanwhile
    try {
      const text = readFileSync(guard, 'utf8');
      if (Date.now() - statSync(guard).mtimeMs > 5000) releaseIfOurs(guard, text);
    } catch {
      // gone: the other breaker finished
    }
    return;
  }
  try {
    let now: string | undefined;
    try {
      now = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    if (now === staleText) unlinkSync(path);
  } finally {
    releaseIfOurs(guard, mine);
  }
}

export interface Lock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the lock at `path` for `purpose`, or throws LockedError naming its live holder. `waitMs` > 0 retries for
 * that long first (short holds such as project.json's read-modify-write). `what` names the locked thing in messages.
 */
export function acquireLock(path: string, purpose: string, what: string, waitMs = 0): Lock {
  const text = JSON.stringify({ ...ME, purpose, since: new Date().toISOString() } satisfies LockHolder) + '\n';
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(path, text)) break;
    const r = readHolder(path);
    if (r === undefined) continue; // released between our try and our read
    if (r === 'damaged') {
      // a lock file is written whole before it is linked: a damaged one was written by something else
      let age = 0;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (age > 2000) breakStale(path, readFileSync(path, 'utf8'));
    } else if (!holderAlive(r.holder)) {
      breakStale(path, r.text);
      continue;
    } else if (Date.now() >= deadline) {
      throw new LockedError(path, r.holder, what);
    }
    if (attempt > 10_000) throw new Error(`${what}: could not take its lock ${path}`);
    sleepSync(Math.min(50, 2 + attempt));
  }
  held.set(path, text);
  return {
    path,
    release() {
      if (held.get(path) !== text) return;
      held.delete(path);
      releaseIfOurs(path, text);
    },
  };
}

/** Runs `fn` holding the lock at `path` (waiting up to `waitMs` for it), and releases it however `fn` ends. */
export function withLock<T>(path: string, purpose: string, what: string, fn: () => T, waitMs = 10_000): T {
  const lock = acquireLock(path, purpose, what, waitMs);
  try {
    return fn();
  } finally {
    lock.release();
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
