// metrics.jsonl's one writer: the trainer worker, which also writes the checkpoint, so the two agree. Events are
// buffered and appended about once a second; before a checkpoint of step N is written, every event up to N is
// appended and fsync'ed, so a kill at any moment loses no step the checkpoint holds.
//
// Opening repairs what a kill or a full disk left: a torn last line (no newline) is cut back to the last newline;
// on resume from a checkpoint of step N, every line after the last event of step ≤ N is cut (those steps are
// trained again and reported again), so the log holds every step exactly once. The file is opened with
// O_NOFOLLOW|O_APPEND: a link planted as metrics.jsonl is refused, never written through.
//
// Every event appended here also goes to the run's TensorBoard log (tensorboard-log.ts), flushed and fsync'ed with
// this log and cut back by the same rule on resume, so the two always hold the same steps.

import { closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeWriteError } from './checkpoint';
import { kindOf } from './safe-file';
import { TensorBoardLog, tensorBoardEnabled } from './tensorboard-log';

export const METRICS_FILE = 'metrics.jsonl';
const BLOCK = 64 * 1024;

export class MetricsLog {
  private pending: string[] = [];
  private fd: number | undefined;
  /** The length of the file after its repair on opening (what earlier processes wrote). */
  private repaired = 0;
  private readonly tensorBoard: TensorBoardLog | undefined;
  readonly path: string;

  /**
   * `resumeStep`: the checkpoint's step when continuing a run (lines after its last event are cut on open);
   * `tensorBoard`: whether the events also go to the run's TensorBoard log (default: unless SEQSTUDIO_TENSORBOARD=0).
   */
  constructor(
    runDir: string,
    private readonly resumeStep?: number,
    tensorBoard = tensorBoardEnabled(),
  ) {
    this.path = join(runDir, METRICS_FILE);
    this.tensorBoard = tensorBoard ? new TensorBoardLog(runDir, resumeStep) : undefined;
  }

  append(event: object): void {
    this.pending.push(JSON.stringify(event) + '\n');
    this.tensorBoard?.append(event);
  }

  /** Appends what is buffered; `durable` also fsyncs (before a checkpoint). Throws a message in words on failure. */
  flush(durable = false): void {
    try {
      const fd = this.open();
      if (this.pending.length > 0) {
        const bytes = Buffer.from(this.pending.join(''));
        this.pending = [];
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      }
      if (durable) fsyncSync(fd);
    } catch (e) {
      throw new Error(`${e instanceof WrongFile ? e.message : describeWriteError(e, this.path)}; the run was stopped`);
    }
    const tb = this.tensorBoard;
    if (tb) {
      try {
        // its history is what this log held on opening (before this process appended to it)
        tb.open((step) => eventsAfter(this.fd!, this.repaired, step));
        tb.flush(durable);
      } catch (e) {
        throw new Error(`${describeWriteError(e, tb.path ?? this.path)}; the run was stopped`);
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.tensorBoard?.close();
  }

  /** Opened on first use (a run refused on its ready event never touches the file). */
  private open(): number {
    if (this.fd !== undefined) return this.fd;
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new WrongFile(`${this.path} is a symbolic link: a run writes only its own files`);
      if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw new WrongFile(`${this.path} is not a regular file`);
      throw e;
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw new WrongFile(`${this.path} is ${kindOf(st)}, not a regular file`);
    }
    const keep = repairedLength(fd, st.size, this.resumeStep);
    if (keep < st.size) ftruncateSync(fd, keep);
    this.repaired = keep;
    this.fd = fd;
    return fd;
  }
}

class WrongFile extends Error {}

/**
 * Brings a run folder's TensorBoard log up to its metrics.jsonl without training: writes the events of the steps no
 * event file holds (a run imported with a metrics.jsonl written elsewhere, or trained before the log existed, or with
 * it off). Writes nothing when the log is complete. Throws a message in words when the folder has no metrics.jsonl.
 */
export function completeTensorBoardLog(runDir: string): void {
  if (!existsSync(join(runDir, METRICS_FILE))) throw new Error(`${runDir} has no ${METRICS_FILE}: nothing to log`);
  const log = new MetricsLog(runDir, undefined, true);
  try {
    log.flush(true);
  } finally {
    log.close();
  }
}

/**
 * How many bytes of the log to keep: up to its last newline, and when resuming from `resumeStep`, up to the end of
 * the last line whose event's step is ≤ it. Reads backwards from the end, a block at a time.
 */
export function repairedLength(fd: number, size: number, resumeStep?: number): number {
  let end = size;
  let lastNl = -1; // file offset of the newline ending the line being assembled (-1: none found yet)
  let after = Buffer.alloc(0); // the bytes of that line found so far (those after `end`)
  const keeps = (line: Buffer): boolean => {
    const step = stepOf(line.toString('utf8'));
    return step !== undefined && step <= resumeStep!;
  };
  while (end > 0) {
    const start = Math.max(0, end - BLOCK);
    const block = Buffer.alloc(end - start);
    readSync(fd, block, 0, block.length, start);
    const buf = after.length ? Buffer.concat([block, after]) : block; // covers [start, start + buf.length)
    for (let i = buf.lastIndexOf(10, lastNl < 0 ? buf.length - 1 : lastNl - start - 1); i >= 0; i = i > 0 ? buf.lastIndexOf(10, i - 1) : -1) {
      if (lastNl >= 0) {
        if (keeps(buf.subarray(i + 1, lastNl - start))) return lastNl + 1;
      } else if (resumeStep === undefined) return start + i + 1; // only the torn line after it goes
      lastNl = start + i;
    }
    after = lastNl >= 0 ? Buffer.from(buf.subarray(0, lastNl - start)) : Buffer.alloc(0);
    end = start;
  }
  if (lastNl < 0) return 0; // no newline at all: one torn line
  return resumeStep === undefined || keeps(after) ? lastNl + 1 : 0;
}

/**
 * The events of the log's first `size` bytes whose step is after `after`, in order: read backwards from the end, a
 * block at a time, up to the first line of a step ≤ `after` (the log holds its steps in order once repaired).
 */
export function eventsAfter(fd: number, size: number, after: number): object[] {
  const out: object[] = [];
  let end = size;
  let carry = Buffer.alloc(0); // the start of a line whose end is in a later block
  while (end > 0) {
    const start = Math.max(0, end - BLOCK);
    const block = Buffer.alloc(end - start);
    readSync(fd, block, 0, block.length, start);
    const buf = carry.length ? Buffer.concat([block, carry]) : block;
    let lineEnd = buf.length;
    for (;;) {
      const nl = lineEnd > 0 ? buf.lastIndexOf(10, lineEnd - 1) : -1;
      if (nl < 0 && start > 0) break; // this line may begin in the block before
      const event = parsed(buf.subarray(nl + 1, lineEnd).toString('utf8'));
      lineEnd = nl;
      if (event) {
        if (event.step <= after) return out.reverse();
        out.push(event);
      }
      if (nl < 0) break;
    }
    carry = Buffer.from(buf.subarray(0, Math.max(lineEnd, 0)));
    end = start;
  }
  return out.reverse();
}

function parsed(line: string): { step: number } | undefined {
  try {
    const e = JSON.parse(line) as { step?: unknown };
    return typeof e === 'object' && e !== null && typeof e.step === 'number' ? (e as { step: number }) : undefined;
  } catch {
    return undefined;
  }
}

function stepOf(line: string): number | undefined {
  return parsed(line)?.step;
}
