// A run's TensorBoard log as metrics.jsonl's writer keeps it (metrics-log.ts → tensorboard-log.ts), on the real file
// system, read back by the independent Python reader (tools/read_tfevents.py, /usr/bin/python3) and, where the
// Python found has the `tensorboard` package (TENSORBOARD_PYTHON, else /usr/bin/python3), by TensorBoard's own
// loader: the same steps and values as metrics.jsonl; a continued run holds every step once across its files; a
// torn record is cut; a fork's or an older run's history is written into the log; a planted link is not followed.
// Runs trained for real (the CLI, kill -9 and --resume) are checked in src-main/cli.tensorboard.test.ts.

import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completeTensorBoardLog, MetricsLog } from './metrics-log';
import { eventFiles, summaryValues, TensorBoardLog, tensorBoardEnabled } from './tensorboard-log';

const PYTHON = '/usr/bin/python3';
const READER = join(import.meta.dirname, '../../tools/read_tfevents.py');
const TB_READER = join(import.meta.dirname, '../../tools/tensorboard_read.py');
const hasPython = existsSync(PYTHON);
if (!hasPython) console.warn(`[tensorboard-log] skipped the checks with the Python reader: ${PYTHON} is not installed`);
const TB_PYTHON = process.env.TENSORBOARD_PYTHON ?? PYTHON;
const tbProbe = existsSync(TB_PYTHON) ? spawnSync(TB_PYTHON, ['-c', 'import tensorboard'], { encoding: 'utf8' }) : undefined;
const hasTensorBoard = tbProbe?.status === 0;
if (!hasTensorBoard) console.warn(`[tensorboard-log] skipped the check with TensorBoard's own loader: ${TB_PYTHON} cannot import tensorboard (Debian has no python3-tensorboard; set TENSORBOARD_PYTHON to a Python that has it)`);
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-tblog-'));
// A small real file system to fill (root can mount one; elsewhere the full-disk test is skipped, saying so).
const small = join(tmp, 'small');
mkdirSync(small);
const canMountTmpfs = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]).status === 0;
if (!canMountTmpfs) console.warn('[tensorboard-log] skipped the full-disk test: cannot mount a small tmpfs here (needs root)');
afterAll(() => {
  if (canMountTmpfs) spawnSync('umount', [small]);
});

type Value = { tag: string; simple_value?: number | string; histo?: { bucket: number[]; bucket_limit: number[]; num: number } };
type Read = { name: string; torn: number; events: { step: number; file_version?: string; values?: Value[] }[] }[];

function pyRead(dir: string): Read {
  const r = spawnSync(PYTHON, [READER, dir], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`read_tfevents.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { files: Read }).files;
}

/** Every (step, tag) → value the log holds, across its files in order; a repeated (step, tag) fails the test. */
function byStepAndTag(files: Read): Map<string, number | string | Value['histo']> {
  const out = new Map<string, number | string | Value['histo']>();
  for (const f of files)
    for (const e of f.events)
      for (const v of e.values ?? []) {
        const key = `${e.step} ${v.tag}`;
        expect(out.has(key), `${key} is logged twice`).toBe(false);
        out.set(key, v.simple_value ?? v.histo);
      }
  return out;
}

/** What metrics.jsonl's events should give, by (step, tag), scalars rounded to float32 as simple_value is. */
function expected(events: object[]): Map<string, number | Value['histo']> {
  const out = new Map<string, number | Value['histo']>();
  for (const e of events)
    for (const v of summaryValues(e)) out.set(`${(e as { step: number }).step} ${v.tag}`, 'value' in v ? Math.fround(v.value) : { num: v.histogram.num, bucket: v.histogram.bucket, bucket_limit: v.histogram.bucketLimit } as Value['histo']);
  return out;
}

function compare(files: Read, events: object[]): void {
  const got = byStepAndTag(files);
  const want = expected(events);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [k, v] of want) {
    if (typeof v === 'number') expect(got.get(k), k).toBe(v);
    else expect(got.get(k), k).toMatchObject(v!);
  }
}

const metricsEvents = (dir: string): object[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as object);

/** The events of a made-up run of `steps` steps from `from`, as the trainer reports them (values vary by step). */
function run(from: number, to: number): object[] {
  const out: object[] = [];
  for (let s = from; s <= to; s++) {
    out.push({ type: 'step', step: s, loss: 3 / (1 + s / 7), learningRate: 0.01 * (1 - s / 1000), gradNorm: 1 + Math.sin(s), gradNormClipped: Math.min(1, 1 + Math.sin(s)), clipped: Math.sin(s) > 0, tokensPerSecond: 1e5 + s, seconds: s / 100 });
    if (s % 5 === 0) out.push({ type: 'diagnostics', step: s, tensorNorms: ['emb', 'l1.Wx', 'l1.Wh', 'l1.bx', 'l1.bh', 'out.W', 'out.b'].map((name, i) => ({ name, norm: (i + 1) * 0.1 + 1 / s })), gateGradNorms: [], gradientFlow: [], gates: [] });
    if (s % 10 === 0) out.push({ type: 'evaluation', step: s, valLoss: 2 / (1 + s / 9), metrics: { perplexity: Math.exp(2 / (1 + s / 9)), accuracy: s / (s + 10) } });
    if (s % 20 === 0) out.push({ type: 'checkpoint', step: s, path: 'checkpoint.bin' });
  }
  return out;
}

function folder(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function write(dir: string, events: object[], resumeStep?: number, flushEvery = 7): MetricsLog {
  const log = new MetricsLog(dir, resumeStep, true);
  events.forEach((e, i) => {
    log.append(e);
    if (i % flushEvery === flushEvery - 1) log.flush();
  });
  log.flush(true);
  return log;
}

describe('the tags', () => {
  it('gives the step scalars, every evaluation metric, the per-tensor histogram and norms; nothing for checkpoints', () => {
    const [step, diag, evaluation, checkpoint] = run(20, 20);
    expect(summaryValues(step).map((v) => v.tag)).toEqual(['train/loss', 'train/learning_rate', 'train/grad_norm_before_clip', 'train/grad_norm_after_clip', 'train/tokens_per_second']);
    expect(summaryValues(evaluation).map((v) => v.tag)).toEqual(['val/loss', 'val/perplexity', 'val/accuracy']);
    expect(summaryValues({ ...evaluation, restored: true }).map((v) => v.tag)).toEqual(['restored/loss', 'restored/perplexity', 'restored/accuracy']);
    expect(summaryValues(diag).map((v) => v.tag)).toEqual(['grad_norm/per_tensor', 'grad_norm/emb', 'grad_norm/l1.Wx', 'grad_norm/l1.Wh', 'grad_norm/l1.bx', 'grad_norm/l1.bh', 'grad_norm/out.W', 'grad_norm/out.b']);
    expect(summaryValues(checkpoint)).toEqual([]);
    expect(summaryValues({ type: 'done', step: 3, reason: 'finished' })).toEqual([]);
  });

  it('is on unless SEQSTUDIO_TENSORBOARD says off', () => {
    expect(tensorBoardEnabled({})).toBe(true);
    expect(tensorBoardEnabled({ SEQSTUDIO_TENSORBOARD: '1' })).toBe(true);
    for (const off of ['0', 'off', 'OFF', 'false']) expect(tensorBoardEnabled({ SEQSTUDIO_TENSORBOARD: off })).toBe(false);
    const dir = folder('off');
    const log = new MetricsLog(dir, undefined, false);
    run(1, 5).forEach((e) => log.append(e));
    log.flush(true);
    log.close();
    expect(eventFiles(dir)).toEqual([]);
    expect(metricsEvents(dir)).toHaveLength(6);
  });
});

describe.skipIf(!hasPython)('the log beside metrics.jsonl, read by tools/read_tfevents.py', () => {
  it('holds what metrics.jsonl holds, in one file starting with its version record', () => {
    const dir = folder('plain');
    write(dir, run(1, 60)).close();
    const files = pyRead(dir);
    expect(files).toHaveLength(1);
    expect(files[0].name).toMatch(/^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9._-]+\.\d+\.\d+$/);
    expect(files[0].torn).toBe(0);
    expect(files[0].events[0]).toMatchObject({ step: 0, file_version: 'brain.Event:2' });
    expect(files[0].events.slice(1).map((e) => e.step)).toEqual(files[0].events.slice(1).map((e) => e.step).sort((a, b) => a - b));
    compare(files, metricsEvents(dir));
  });

  it('continued from a checkpoint: earlier records past it and a torn end are cut; every step once across the files', () => {
    const dir = folder('resumed');
    // the first process: steps 1–47 reach the disk, the checkpoint is of step 40, then a kill mid-append
    write(dir, run(1, 47)).close();
    const [first] = eventFiles(dir);
    appendFileSync(join(dir, first), Uint8Array.of(40, 0, 0, 0, 0, 0, 0, 0, 1, 2)); // a torn record
    appendFileSync(join(dir, 'metrics.jsonl'), '{"type":"step","step":48,"lo');
    // the second process continues from step 40 and is killed after step 71 (checkpoint 60); the third ends the run
    write(dir, run(41, 71), 40).close();
    write(dir, run(61, 90), 60).close();
    const files = pyRead(dir);
    expect(files).toHaveLength(3);
    for (const f of files) expect(f.torn).toBe(0);
    const stepsOf = (f: Read[number]): number[] => f.events.filter((e) => e.values?.some((v) => v.tag === 'train/loss')).map((e) => e.step);
    expect(stepsOf(files[0])).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(stepsOf(files[1])).toEqual(Array.from({ length: 20 }, (_, i) => i + 41));
    expect(stepsOf(files[2])).toEqual(Array.from({ length: 30 }, (_, i) => i + 61));
    compare(files, metricsEvents(dir));
    compare(files, run(1, 90));
  });

  it('a file left with no step (killed while writing its first records) is removed when the run continues', () => {
    const dir = folder('empty-file');
    write(dir, run(1, 20)).close();
    const log = new MetricsLog(dir, 20, true);
    log.flush(); // nothing to write yet: no file
    expect(eventFiles(dir)).toHaveLength(1);
    run(21, 22).forEach((e) => log.append(e));
    log.flush();
    log.close();
    const [, second] = eventFiles(dir);
    truncateSync(join(dir, second), 42 + 10); // killed mid-write: the version record (42 bytes) whole, the next one torn
    write(dir, run(21, 30), 20).close();
    const files = pyRead(dir);
    expect(files).toHaveLength(2);
    expect(files.map((f) => f.name)).not.toContain(second);
    compare(files, run(1, 30));
  });

  it('brings the log of a folder whose metrics.jsonl was written elsewhere (an imported run) up to it', () => {
    const dir = folder('imported');
    writeFileSync(join(dir, 'metrics.jsonl'), run(1, 25).map((e) => JSON.stringify(e) + '\n').join(''));
    completeTensorBoardLog(dir);
    compare(pyRead(dir), run(1, 25));
    completeTensorBoardLog(dir); // complete already: no second file
    expect(eventFiles(dir)).toHaveLength(1);
    expect(() => completeTensorBoardLog(folder('not-a-run'))).toThrow(/has no metrics\.jsonl/);
  });

  it('writes the history metrics.jsonl holds and no event file does: a fork, a run from before this log', () => {
    const dir = folder('fork');
    // a fork's folder: the source's history up to its checkpoint, copied into metrics.jsonl, and no event file
    writeFileSync(join(dir, 'metrics.jsonl'), run(1, 40).map((e) => JSON.stringify(e) + '\n').join(''));
    write(dir, run(41, 50), 40).close();
    const files = pyRead(dir);
    expect(files).toHaveLength(1);
    compare(files, run(1, 50));
    // a log with the last steps missing (trained with the log off) is completed from metrics.jsonl
    const partial = folder('partial');
    write(partial, run(1, 30)).close();
    const off = new MetricsLog(partial, 30, false);
    run(31, 40).forEach((e) => off.append(e));
    off.flush(true);
    off.close();
    write(partial, run(41, 45), 40).close();
    compare(pyRead(partial), run(1, 45));
  });

  it('leaves a planted link alone and writes its own file beside it', () => {
    const dir = folder('link');
    const target = join(tmp, 'elsewhere.bin');
    writeFileSync(target, 'not an event file');
    symlinkSync(target, join(dir, 'events.out.tfevents.0000000001.planted.1.0'));
    write(dir, run(1, 10), 5).close();
    expect(readFileSync(target, 'utf8')).toBe('not an event file');
    expect(eventFiles(dir)).toHaveLength(2);
  });

  it('without a resume step (a process starting on an existing folder) only a torn end is cut', () => {
    const dir = folder('cut');
    const log = write(dir, run(1, 10));
    const [name] = eventFiles(dir);
    const size = readFileSync(join(dir, name)).length;
    truncateSync(join(dir, name), size - 3);
    log.close();
    write(dir, run(11, 20)).close(); // no resume step: only the torn record goes
    const files = pyRead(dir);
    for (const f of files) expect(f.torn).toBe(0);
    const want = run(1, 20).filter((e) => !((e as { step: number }).step === 10 && (e as { type: string }).type === 'evaluation'));
    compare(files, want);
  });
});

describe.skipIf(!hasPython || !canMountTmpfs)('on a disk that fills up (a 256 KiB tmpfs)', () => {
  it('a write cut short is cut back to whole records, and writing goes on after them once there is room', () => {
    const dir = join(small, 'run');
    mkdirSync(dir);
    const log = new TensorBoardLog(dir);
    log.open(() => []);
    run(1, 10).forEach((e) => log.append(e));
    log.flush();
    // fill the rest of the disk
    const filler = join(small, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(4096, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    // more than the room left in the file's last page: a short write, then ENOSPC
    run(11, 200).forEach((e) => log.append(e));
    expect(() => log.flush()).toThrow(/ENOSPC/);
    const files = pyRead(dir);
    expect(files.map((f) => f.torn)).toEqual([0]);
    compare(files, run(1, 10));
    // space again: what comes next follows the whole records
    rmSync(filler);
    run(201, 210).forEach((e) => log.append(e));
    log.flush(true);
    log.close();
    const after = pyRead(dir);
    expect(after.map((f) => f.torn)).toEqual([0]);
    compare(after, [...run(1, 10), ...run(201, 210)]);
  });
});

describe.skipIf(!hasPython || !hasTensorBoard)("TensorBoard's own loader (plugin_event_accumulator, as its server reads)", () => {
  it('shows every scalar and histogram of a continued run once, equal to metrics.jsonl', () => {
    const dir = folder('tensorboard');
    write(dir, run(1, 47)).close();
    write(dir, run(41, 80), 40).close();
    const r = spawnSync(TB_PYTHON, [TB_READER, dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const tb = JSON.parse(r.stdout) as { scalars: Record<string, [number, number][]>; histograms: Record<string, [number, [number, number, number][]][]>; plugins: Record<string, string> };
    const want = expected(metricsEvents(dir));
    let scalars = 0;
    for (const [tag, series] of Object.entries(tb.scalars)) {
      expect(series.map(([s]) => s)).toEqual([...new Set(series.map(([s]) => s))].sort((a, b) => a - b)); // once each, in order
      for (const [step, value] of series) expect(value, `${step} ${tag}`).toBe(want.get(`${step} ${tag}`));
      scalars += series.length;
    }
    expect(scalars).toBe([...want.values()].filter((v) => typeof v === 'number').length);
    expect(tb.plugins['grad_norm/per_tensor']).toBe('histograms');
    const histograms = tb.histograms['grad_norm/per_tensor'];
    expect(histograms.map(([s]) => s)).toEqual(Array.from({ length: 16 }, (_, i) => (i + 1) * 5));
    for (const [step, buckets] of histograms) expect(buckets.reduce((n, b) => n + b[2], 0), String(step)).toBe(7);
  });
});
