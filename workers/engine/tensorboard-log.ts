// A run's TensorBoard log: the events of metrics.jsonl, as TensorBoard event files in the run folder itself
// (`events.out.tfevents.<unix seconds>.<host>.<pid>.<n>`), so `tensorboard --logdir PROJECT/runs` lists each run
// under its folder's name. Written only through metrics.jsonl's one writer (metrics-log.ts), which feeds it every
// event it appends and flushes it when it flushes (and fsyncs it before a checkpoint), so every entry point (the
// studio, the CLI, data-parallel groups) writes it. The format is tfevents.ts.
//
// What it holds, by tag:
//   train/loss, train/learning_rate, train/grad_norm_before_clip, train/grad_norm_after_clip,
//   train/tokens_per_second                                 every step
//   val/loss, val/<metric>                                  every evaluation (metric names as in metrics.jsonl)
//   restored/loss, restored/<metric>                        the best parameters' evaluation, restored at the end
//   grad_norm/per_tensor (histogram), grad_norm/<tensor>    every diagnostics step (tensor names as "l1.Wh")
//
// Each process that trains the run writes a new file (created with its first record). Before it does, the files already there are cut back as
// metrics.jsonl is: a torn last record (a kill mid-append) goes, and when continuing from a checkpoint of step N
// every record after the last one of step ≤ N goes (those steps are trained and logged again), so across its files
// the log holds every step once; a file left holding no summary is removed. Steps metrics.jsonl holds that no event
// file does (a fork's copied history, a run from before this log existed, a run trained with the log off) are
// written first into the new file, so TensorBoard shows the whole run. SEQSTUDIO_TENSORBOARD=0 turns the log off.

import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, eventHeader, FILE_VERSION, frameRecord, histogramOf, readRecordAt, type SummaryValue } from './tfevents';

/** The start of every event file's name; TensorBoard loads every file whose name contains "tfevents". */
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';
const BLOCK = 1024 * 1024;

/** Whether the run's TensorBoard log is written (on unless SEQSTUDIO_TENSORBOARD is 0, off or false). */
export function tensorBoardEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['0', 'off', 'false'].includes((env.SEQSTUDIO_TENSORBOARD ?? '').trim().toLowerCase());
}

/** The event files of a run folder, in the order TensorBoard reads them (by name: by time, then process). */
export function eventFiles(runDir: string): string[] {
  try {
    return readdirSync(runDir)
      .filter((n) => n.startsWith(EVENT_FILE_PREFIX))
      .sort();
  } catch {
    return [];
  }
}

/** The TensorBoard values of one training event (see the file header); none for checkpoint and done events. */
export function summaryValues(event: object): SummaryValue[] {
  const e = event as Record<string, unknown>;
  const out: SummaryValue[] = [];
  const scalar = (tag: string, v: unknown): void => {
    if (typeof v === 'number') out.push({ tag, value: v });
  };
  switch (e.type) {
    case 'step':
      scalar('train/loss', e.loss);
      scalar('train/learning_rate', e.learningRate);
      scalar('train/grad_norm_before_clip', e.gradNorm);
      scalar('train/grad_norm_after_clip', e.gradNormClipped);
      scalar('train/tokens_per_second', e.tokensPerSecond);
      break;
    case 'evaluation': {
      const prefix = e.restored ? 'restored' : 'val';
      scalar(`${prefix}/loss`, e.valLoss);
      if (typeof e.metrics === 'object' && e.metrics !== null) for (const [name, v] of Object.entries(e.metrics)) scalar(`${prefix}/${name}`, v);
      break;
    }
    case 'diagnostics': {
      const tensors = Array.isArray(e.tensorNorms) ? (e.tensorNorms as { name?: unknown; norm?: unknown }[]) : [];
      const norms = tensors.filter((t) => typeof t.name === 'string' && typeof t.norm === 'number') as { name: string; norm: number }[];
      const histogram = histogramOf(norms.map((t) => t.norm));
      if (histogram) out.push({ tag: 'grad_norm/per_tensor', histogram });
      for (const t of norms) scalar(`grad_norm/${t.name}`, t.norm);
      break;
    }
  }
  return out;
}

/** The framed record of one training event, or undefined when it has nothing for TensorBoard. */
function recordOf(event: object, wallTime: number): Uint8Array | undefined {
  const step = (event as { step?: unknown }).step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) return undefined;
  const values = summaryValues(event);
  return values.length ? frameRecord(encodeEvent({ wallTime, step, values })) : undefined;
}

let fileCounter = 0;

export class TensorBoardLog {
  private pending: Uint8Array[] = [];
  private fd: number | undefined;
  private opened = false;
  /** The length of the file up to its last whole record written (a failed write is cut back to it). */
  private written = 0;
  /** When this process began its log: the time of its file's first record, before any event it appends. */
  private readonly started = Date.now() / 1000;
  /** The file this process writes (set when opening it). */
  path: string | undefined;

  /** `resumeStep`: the checkpoint's step when continuing a run (records after it are cut from earlier files). */
  constructor(
    private readonly runDir: string,
    private readonly resumeStep?: number,
  ) {}

  append(event: object, wallTime = Date.now() / 1000): void {
    const record = recordOf(event, wallTime);
    if (record) this.pending.push(record);
  }

  /**
   * Cuts the earlier files back (see the file header) and queues first the events `eventsAfter(step)` gives for the
   * steps after the last one the earlier files hold (-1: none). Once per process; this process's file is created by
   * the first flush that has a record to write.
   */
  open(eventsAfter: (step: number) => object[]): void {
    if (this.opened) return;
    let lastStep = -1;
    for (const name of eventFiles(this.runDir)) lastStep = Math.max(lastStep, this.cutBack(join(this.runDir, name)));
    const earlier = eventsAfter(lastStep)
      .map((e) => recordOf(e, this.started)) // the earlier events' own times are not recorded
      .filter((r): r is Uint8Array => r !== undefined);
    this.pending.unshift(...earlier);
    this.opened = true;
  }

  /** Appends what is buffered; `durable` also fsyncs. Call open() first. */
  flush(durable = false): void {
    if (!this.opened) throw new Error('the TensorBoard log is not open');
    if (this.pending.length === 0 && this.fd === undefined) return; // nothing yet: no file
    const fd = this.fd ?? this.create();
    if (this.pending.length > 0) {
      const bytes = Buffer.concat(this.pending);
      this.pending = [];
      try {
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        // a partial record (full disk) would hide every later one from a reader: cut the file back to its whole records
        try {
          ftruncateSync(fd, this.written);
        } catch {
          // the records before it are still whole; a reader stops at the torn one
        }
        throw e;
      }
      this.written += bytes.length;
    }
    if (durable) fsyncSync(fd);
  }

  /** This process's file, new (never one already there), with the version record queued first. */
  private create(): number {
    const seconds = String(Math.floor(this.started)).padStart(10, '0');
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
    for (;;) {
      this.path = join(this.runDir, `${EVENT_FILE_PREFIX}${seconds}.${host}.${process.pid}.${fileCounter++}`);
      try {
        this.fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    this.pending.unshift(frameRecord(encodeEvent({ wallTime: this.started, step: 0, fileVersion: FILE_VERSION })));
    return this.fd;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Keeps the longest run of whole records from the start of an earlier file (with steps ≤ the resume step when
   * continuing); removes the file when that holds no summary. Returns the last kept summary's step (-1: none). A
   * link, a FIFO or anything else that is not a regular file is left alone.
   */
  private cutBack(path: string): number {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return -1;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return -1;
      const size = st.size;
      const { keep, lastStep } = this.wholeRecords(fd, size);
      if (lastStep < 0) unlinkSync(path);
      else if (keep < size) ftruncateSync(fd, keep);
      return lastStep;
    } finally {
      closeSync(fd);
    }
  }

  /** The end of the last record kept, reading a block at a time, and the step of the last kept summary. */
  private wholeRecords(fd: number, size: number): { keep: number; lastStep: number } {
    let buf: Uint8Array = new Uint8Array(0);
    let bufStart = 0; // file offset of buf[0]
    let keep = 0;
    let lastStep = -1;
    for (;;) {
      const record = readRecordAt(buf, keep - bufStart);
      if (record === undefined) {
        const loaded = bufStart + buf.length;
        if (loaded >= size) break; // the rest is torn or damaged
        const rest = buf.subarray(keep - bufStart);
        const more = Buffer.alloc(Math.min(size - loaded, Math.max(BLOCK, rest.length)));
        const n = readSync(fd, more, 0, more.length, loaded);
        if (n === 0) break;
        buf = Buffer.concat([rest, more.subarray(0, n)]);
        bufStart = keep;
        continue;
      }
      const header = eventHeader(record.data);
      if (header === undefined) break;
      if (this.resumeStep !== undefined && header.summary && header.step > this.resumeStep) break;
      keep = bufStart + record.next;
      if (header.summary) lastStep = Math.max(lastStep, header.step);
    }
    return { keep, lastStep };
  }
}
